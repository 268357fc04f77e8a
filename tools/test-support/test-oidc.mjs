// A small OpenID Connect provider for tests of the oidc auth method: HTTPS with a test CA's certificate
// (test-tls.mjs), a discovery document, a JWKS, an /authorize endpoint that at once redirects the browser back to
// the redirect URI with a code and the state (no user to ask), a /token endpoint that checks the client's id and
// secret (HTTP Basic or in the form) and the code (single use, same redirect URI) and answers an RS256 id token
// carrying the nonce, and a /userinfo endpoint. Tests change what the next id token says through `nextClaims`.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import https from 'node:https';

const b64 = (v) => Buffer.from(v).toString('base64url');

/**
 * @param {{ cert: string, key: string }} tls
 * @param {{ clientId: string, clientSecret: string, claims?: Record<string, unknown>, userinfo?: Record<string, unknown>, now?: () => number }} opts
 */
export async function startOidcProvider(tls, opts) {
  const now = opts.now ?? Date.now;
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'test-key';
  const codes = new Map();
  const stats = { authorize: 0, token: 0, tokenRefused: 0, userinfo: 0 };
  const provider = { base: '', stats, nextClaims: {}, claims: { sub: 'alice', ...opts.claims }, userinfo: opts.userinfo, close: undefined };

  const idToken = (nonce) => {
    const t = Math.floor(now() / 1000);
    const claims = { iss: provider.base, aud: opts.clientId, iat: t, exp: t + 300, nonce, ...provider.claims, ...provider.nextClaims };
    provider.nextClaims = {};
    const data = `${b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }))}.${b64(JSON.stringify(claims))}`;
    return `${data}.${b64(sign('sha256', Buffer.from(data), keys.privateKey))}`;
  };
  const json = (res, status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const url = new URL(req.url ?? '/', provider.base);
    if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer: provider.base,
        authorization_endpoint: `${provider.base}/authorize`,
        token_endpoint: `${provider.base}/token`,
        jwks_uri: `${provider.base}/keys`,
        ...(provider.userinfo ? { userinfo_endpoint: `${provider.base}/userinfo` } : {}),
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (req.method === 'GET' && url.pathname === '/keys') return json(res, 200, { keys: [{ ...keys.publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] });
    if (req.method === 'GET' && url.pathname === '/authorize') {
      stats.authorize++;
      const q = url.searchParams;
      if (q.get('client_id') !== opts.clientId || q.get('response_type') !== 'code' || !q.get('redirect_uri') || !q.get('state'))
        return json(res, 400, { error: 'invalid_request' });
      const code = randomBytes(12).toString('hex');
      codes.set(code, { nonce: q.get('nonce') ?? '', redirectUri: q.get('redirect_uri') });
      const back = new URL(q.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state'));
      res.writeHead(302, { Location: back.href });
      return res.end();
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      stats.token++;
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        let id = form.get('client_id');
        let secret = form.get('client_secret');
        const auth = req.headers.authorization ?? '';
        if (auth.startsWith('Basic ')) {
          const [u, p] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
          id = decodeURIComponent((u ?? '').replace(/\+/g, ' '));
          secret = decodeURIComponent((p ?? '').replace(/\+/g, ' '));
        }
        if (id !== opts.clientId || secret !== opts.clientSecret) {
          stats.tokenRefused++;
          return json(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
        }
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (form.get('grant_type') !== 'authorization_code' || !grant || grant.redirectUri !== form.get('redirect_uri'))
          return json(res, 400, { error: 'invalid_grant' });
        json(res, 200, { access_token: `at-${randomBytes(8).toString('hex')}`, token_type: 'Bearer', expires_in: 300, id_token: idToken(grant.nonce) });
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/userinfo' && provider.userinfo) {
      stats.userinfo++;
      if (!(req.headers.authorization ?? '').startsWith('Bearer at-')) return json(res, 401, { error: 'invalid_token' });
      return json(res, 200, provider.userinfo);
    }
    json(res, 404, { error: 'not_found' });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider.base = `https://127.0.0.1:${server.address().port}`;
  provider.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return provider;
}
