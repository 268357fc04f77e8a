// The oidc auth method end to end over HTTP: a small OIDC provider (tools/test-support/test-oidc.mjs, HTTPS with a
// test CA) stands in for the user's identity provider. /v1/acl/oidc/auth-url answers the provider's authorize URL;
// following it (the provider redirects at once, with a code and the state) gives what a browser would bring back to
// the redirect URI; /v1/acl/oidc/callback exchanges the code and answers a token made by the binding rules. Then
// the refusals, with go-sso's texts. Harness and provider share a clock the tests move.
import https from 'node:https';
import { makeTestCa, type TestCa } from '@conclave/test-support/test-tls';
import { startOidcProvider, type TestOidcProvider } from '@conclave/test-support/test-oidc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, startHarness, type Harness } from './harness.js';

let h: Harness;
let root = '';
let pki: TestCa;
let idp: TestOidcProvider;
let clock = Date.now();

const call = (method: string, path: string, token: string | undefined, body?: unknown) => apiCall(h.base, method, path, token, body);

/** What a browser does with the auth URL: GET it (trusting the test CA) and take the redirect it answers. */
function follow(url: string): Promise<URL> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca: pki.ca, agent: false }, (res) => {
        res.resume();
        if (res.statusCode !== 302 || !res.headers.location) reject(new Error(`authorize answered ${res.statusCode}`));
        else resolve(new URL(res.headers.location));
      })
      .on('error', reject);
  });
}

const REDIRECT = 'https://app.test/oidc/callback';
const authUrl = (over: Record<string, unknown> = {}) => call('POST', '/v1/acl/oidc/auth-url', undefined, { AuthMethod: 'sso', RedirectURI: REDIRECT, ClientNonce: 'cn-1', ...over });

/** auth-url, then the provider's redirect: the code and state a callback carries. */
async function authorize(over: Record<string, unknown> = {}): Promise<{ code: string; state: string; url: URL }> {
  const res = await authUrl(over);
  expect(res.status).toBe(200);
  const back = await follow(res.json.AuthURL);
  return { code: back.searchParams.get('code')!, state: back.searchParams.get('state')!, url: new URL(res.json.AuthURL) };
}
const callback = (body: Record<string, unknown>) => call('POST', '/v1/acl/oidc/callback', undefined, { AuthMethod: 'sso', ClientNonce: 'cn-1', ...body });

beforeAll(async () => {
  pki = makeTestCa();
  idp = await startOidcProvider(pki, { clientId: 'conclave-ui', clientSecret: 's3cret', claims: { sub: 'alice', groups: ['admins', 'dev'] }, userinfo: { team: 'payments' }, now: () => clock });
  h = await startHarness({ acl: { defaultPolicy: 'deny' }, now: () => clock });
  root = (await call('PUT', '/v1/acl/bootstrap', undefined)).json.SecretID;
  const config = {
    OIDCDiscoveryURL: idp.base,
    OIDCDiscoveryCACert: pki.ca,
    OIDCClientID: 'conclave-ui',
    OIDCClientSecret: 's3cret',
    OIDCScopes: ['profile', 'email'],
    OIDCACRValues: ['mfa'],
    AllowedRedirectURIs: [REDIRECT, 'http://localhost:8550/oidc/callback'],
    BoundAudiences: ['conclave-ui'],
    ClaimMappings: { sub: 'user', team: 'team' },
    ListClaimMappings: { groups: 'groups' },
  };
  const m = await call('PUT', '/v1/acl/auth-method', root, { Name: 'sso', Type: 'oidc', MaxTokenTTL: '10m', Config: config });
  expect(m.status).toBe(200);
  expect(m.json).toMatchObject({ Name: 'sso', Type: 'oidc', Config: config });
  const rule = await call('PUT', '/v1/acl/binding-rule', root, { AuthMethod: 'sso', Selector: '"admins" in list.groups', BindType: 'service', BindName: '${value.user}-${value.team}' });
  expect(rule.status).toBe(200);
});
afterAll(async () => {
  await h?.close();
  await idp?.close();
});

describe('the oidc auth method over /v1/acl/oidc/*', () => {
  it('answers an auth URL, and a callback with the provider\'s code makes a token that works', async () => {
    const { code, state, url } = await authorize({ Meta: { host: 'laptop' } });
    expect(`${url.origin}${url.pathname}`).toBe(`${idp.base}/authorize`);
    expect([...url.searchParams.keys()]).toEqual(['acr_values', 'client_id', 'nonce', 'redirect_uri', 'response_type', 'scope', 'state']);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ acr_values: 'mfa', client_id: 'conclave-ui', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid profile email' });
    expect(url.searchParams.get('state')).toMatch(/^[0-9a-f]{40}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[0-9a-f]{40}$/);
    expect(state).toBe(url.searchParams.get('state'));

    const done = await callback({ State: state, Code: code });
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({
      AuthMethod: 'sso',
      ServiceIdentities: [{ ServiceName: 'alice-payments' }],
      Description: 'token created via login: {"host":"laptop"}',
      Local: true,
    });
    expect(Date.parse(done.json.ExpirationTime) - clock).toBe(600_000);
    const self = await call('GET', '/v1/acl/token/self', done.json.SecretID);
    expect(self.status).toBe(200);
    expect(self.json.AccessorID).toBe(done.json.AccessorID);
    expect(idp.stats.userinfo).toBeGreaterThan(0);

    // The state is single use.
    const again = await callback({ State: state, Code: code });
    expect({ status: again.status, text: again.text }).toEqual({ status: 500, text: 'Provider login failed: Expired or missing OAuth state.' });
  });

  it('refuses a state never issued, one expired, and a callback whose client nonce differs (which spends the state)', async () => {
    const never = await callback({ State: 'f'.repeat(40), Code: 'x' });
    expect({ status: never.status, text: never.text }).toEqual({ status: 500, text: 'Provider login failed: Expired or missing OAuth state.' });
    const noCode = await callback({ State: 'f'.repeat(40), Code: '' });
    expect(noCode.text).toBe('Provider login failed: OAuth code parameter not provided');

    const old = await authorize();
    clock += 10 * 60_000;
    const expired = await callback({ State: old.state, Code: old.code });
    expect(expired.text).toBe('Provider login failed: Expired or missing OAuth state.');

    const other = await authorize();
    const wrongNonce = await callback({ State: other.state, Code: other.code, ClientNonce: 'cn-2' });
    expect({ status: wrongNonce.status, text: wrongNonce.text }).toEqual({ status: 500, text: 'invalid client_nonce' });
    expect((await callback({ State: other.state, Code: other.code })).text).toBe('Provider login failed: Expired or missing OAuth state.');
  });

  it('refuses id tokens with another nonce, another audience or expired', async () => {
    const cases: Array<[Record<string, unknown>, string | RegExp]> = [
      [{ nonce: 'not-the-one' }, 'Token verification failed: Invalid ID token nonce.'],
      [{ aud: 'someone-else' }, 'Token verification failed: error validating signature: oidc: expected audience "conclave-ui" got ["someone-else"]'],
      [{ aud: ['conclave-ui', 'other'], iss: 'https://evil.test' }, `Token verification failed: error validating signature: oidc: id token issued by a different provider, expected ${JSON.stringify(idp.base)} got "https://evil.test"`],
      [{ exp: Math.floor(clock / 1000) - 1 }, /^Token verification failed: error validating signature: oidc: token is expired \(Token Expiry: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC\)$/],
      [{ groups: ['dev'] }, 'Permission denied'],
    ];
    for (const [claims, text] of cases) {
      const { code, state } = await authorize();
      idp.nextClaims = claims;
      const res = await callback({ State: state, Code: code });
      expect(res.status).toBe(text === 'Permission denied' ? 403 : 500);
      if (typeof text === 'string') expect(res.text).toBe(text);
      else expect(res.text).toMatch(text);
    }
  });

  it('refuses redirect URIs AllowedRedirectURIs does not name (a loopback one on any port is fine)', async () => {
    const evil = await authUrl({ RedirectURI: 'https://evil.test/oidc/callback' });
    expect({ status: evil.status, text: evil.text }).toEqual({ status: 500, text: 'unauthorized redirect_uri: https://evil.test/oidc/callback' });
    expect((await authUrl({ RedirectURI: '' })).text).toBe('missing redirect_uri');
    expect((await authUrl({ RedirectURI: 'http://127.0.0.1:8550/oidc/callback' })).text).toBe('unauthorized redirect_uri: http://127.0.0.1:8550/oidc/callback');
    const loopback = await authUrl({ RedirectURI: 'http://localhost:41999/oidc/callback' });
    expect(loopback.status).toBe(200);
    expect(new URL(loopback.json.AuthURL).searchParams.get('redirect_uri')).toBe('http://localhost:41999/oidc/callback');
  });

  it('answers the token endpoint\'s refusal of a wrong client secret', async () => {
    const m = await call('PUT', '/v1/acl/auth-method', root, {
      Name: 'sso-wrong-secret',
      Type: 'oidc',
      Config: { OIDCDiscoveryURL: idp.base, OIDCDiscoveryCACert: pki.ca, OIDCClientID: 'conclave-ui', OIDCClientSecret: 'guess', AllowedRedirectURIs: [REDIRECT] },
    });
    expect(m.status).toBe(200);
    const { code, state } = await authorize({ AuthMethod: 'sso-wrong-secret' });
    const refusedBefore = idp.stats.tokenRefused;
    const res = await callback({ AuthMethod: 'sso-wrong-secret', State: state, Code: code });
    expect({ status: res.status, text: res.text }).toEqual({ status: 500, text: 'Provider login failed: Error exchanging oidc code: oauth2: "invalid_client" "client authentication failed"' });
    // As Go's oauth2 auto-detection: HTTP Basic first, then the credentials in the form.
    expect(idp.stats.tokenRefused - refusedBefore).toBe(2);
  });

  it('checks the method when written, and keeps the flow to oidc methods', async () => {
    const missing = await call('PUT', '/v1/acl/auth-method', root, { Name: 'x', Type: 'oidc', Config: { OIDCDiscoveryURL: idp.base } });
    expect({ status: missing.status, text: missing.text }).toEqual({ status: 400, text: `Invalid Auth Method: 'OIDCClientID' must be set for type "oidc"` });
    const wrongCa = await call('PUT', '/v1/acl/auth-method', root, {
      Name: 'x',
      Type: 'oidc',
      Config: { OIDCDiscoveryURL: idp.base, OIDCClientID: 'a', OIDCClientSecret: 'b', AllowedRedirectURIs: [REDIRECT], OIDCDiscoveryCACert: makeTestCa('another CA').ca },
    });
    expect(wrongCa.status).toBe(400);
    expect(wrongCa.text.startsWith(`Invalid Auth Method: error checking OIDCDiscoveryURL: Get "${idp.base}/.well-known/openid-configuration": `)).toBe(true);

    const login = await call('POST', '/v1/acl/login', undefined, { AuthMethod: 'sso', BearerToken: 'x' });
    expect({ status: login.status, text: login.text }).toEqual({ status: 500, text: 'ClaimsFromJWT is incompatible with type "oidc"' });
    const unknown = await authUrl({ AuthMethod: 'nope' });
    expect({ status: unknown.status, text: unknown.text }).toEqual({ status: 403, text: 'ACL not found: auth method "nope" not found' });
    // The same provider as a jwt method's OIDCDiscoveryURL: bearer tokens only, no flow.
    const jwt = await call('PUT', '/v1/acl/auth-method', root, { Name: 'bearer', Type: 'jwt', Config: { OIDCDiscoveryURL: idp.base, OIDCDiscoveryCACert: pki.ca } });
    expect(jwt.status).toBe(200);
    expect((await authUrl({ AuthMethod: 'bearer' })).text).toBe('GetAuthCodeURL is incompatible with type "jwt"');
    expect((await callback({ AuthMethod: 'bearer', State: 's', Code: 'c' })).text).toBe('ClaimsFromAuthCode is incompatible with type "jwt"');
    const bad = await call('POST', '/v1/acl/oidc/auth-url', undefined, { AuthMethod: 'sso', Meta: 'x' });
    expect(bad.status).toBe(400);
    expect((await call('GET', '/v1/acl/oidc/auth-url', undefined)).status).toBe(405);
  });
});
