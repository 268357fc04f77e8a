// The jwt auth method with remote keys, against a real local HTTPS server (a CA and its server certificate made by
// openssl): JWKSURL and OIDCDiscoveryURL, their CA bundles, key rotation, the bounded refetch, and what a broken,
// huge, garbage or hostile server gets a login. The validators' clock is a variable the tests move, so "ten
// seconds later" is exact; the server counts what it is asked.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { makeTestCa, type TestCa } from '@conclave/test-support/test-tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthMethodError, JwtValidator, newAuthValidator } from '../src/index.js';
import { boundedGet } from '@conclave/toolkit';

const b64 = (v: string | Buffer) => Buffer.from(v).toString('base64url');

function token(alg: 'RS256' | 'ES256', key: KeyObject, claims: Record<string, unknown>, kid?: string): string {
  const header = kid === undefined ? { alg, typ: 'JWT' } : { alg, typ: 'JWT', kid };
  const data = Buffer.from(`${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`);
  const sig = alg === 'RS256' ? sign('sha256', data, key) : sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
  return `${data.toString()}.${b64(sig)}`;
}

const jwk = (k: KeyObject, kid: string, extra: Record<string, unknown> = {}) => ({ ...k.export({ format: 'jwk' }), kid, use: 'sig', ...extra });

const rsaA = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaB = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ecC = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

let pki: TestCa;
let otherCa: TestCa;
let server: https.Server;
let base = '';
/** What each path answers: a status, a content type and a body. */
let routes: Record<string, { status?: number; type?: string; body: string | Buffer; chunked?: boolean } | 'hang'> = {};
let hits: Record<string, number> = {};
const hanging: import('node:http').ServerResponse[] = [];

let clock = 1_800_000_000_000;
const now = () => clock;
const nowS = () => Math.floor(clock / 1000);
const claims = (over: Record<string, unknown> = {}) => ({ sub: 'alice', iat: nowS(), exp: nowS() + 300, ...over });

function serveJwks(path: string, keys: unknown[]): void {
  routes[path] = { body: JSON.stringify({ keys }) };
}

function serveDiscovery(issuer: string, extra: Record<string, unknown> = {}): void {
  routes['/.well-known/openid-configuration'] = { body: JSON.stringify({ issuer, jwks_uri: `${base}/oidc/keys`, id_token_signing_alg_values_supported: ['RS256'], ...extra }) };
}

beforeAll(async () => {
  pki = makeTestCa();
  otherCa = makeTestCa('another CA');
  server = https.createServer({ key: pki.key, cert: pki.cert }, (rq, rs) => {
    const path = (rq.url ?? '').split('?')[0]!;
    hits[path] = (hits[path] ?? 0) + 1;
    const route = routes[path];
    if (route === 'hang') {
      hanging.push(rs);
      return;
    }
    if (!route) {
      rs.statusCode = 404;
      rs.end('no such page');
      return;
    }
    rs.statusCode = route.status ?? 200;
    rs.setHeader('Content-Type', route.type ?? 'application/json');
    if (route.chunked) {
      // No Content-Length: the size is learnt only by reading.
      for (let at = 0; at < route.body.length; at += 64 << 10) rs.write(route.body.slice(at, at + (64 << 10)));
      rs.end();
    } else rs.end(route.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const rs of hanging) rs.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  routes = {};
  hits = {};
});

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AuthMethodError);
    return (err as Error).message;
  }
  return 'accepted';
}

describe('JWKSURL', () => {
  const jwks = (over: Record<string, unknown> = {}) => new JwtValidator({ JWKSURL: `${base}/jwks`, JWKSCACert: pki.ca, BoundAudiences: ['conclave'], ClaimMappings: { sub: 'user' }, ...over }, now);

  it('fetches the key set when the method is checked, and logs in with its keys without fetching again', async () => {
    serveJwks('/jwks', [jwk(rsaA.publicKey, 'a'), jwk(ecC.publicKey, 'c', { alg: 'ES256' })]);
    const v = jwks();
    await v.checkConfig();
    expect(hits['/jwks']).toBe(1);
    const id = await v.validateLogin(token('RS256', rsaA.privateKey, claims({ aud: 'conclave' }), 'a'));
    expect(id.projectedVars).toEqual({ 'value.user': 'alice' });
    await expect(v.validateLogin(token('ES256', ecC.privateKey, claims({ aud: 'conclave' }), 'c'))).resolves.toBeDefined();
    // No kid: every cached key is tried.
    await expect(v.validateLogin(token('RS256', rsaA.privateKey, claims({ aud: 'conclave' })))).resolves.toBeDefined();
    expect(hits['/jwks']).toBe(1);
    // go-sso's vanilla checks still apply: strict audiences, time claims.
    expect(await refusal(v.validateLogin(token('RS256', rsaA.privateKey, claims({ aud: 'other' }), 'a')))).toBe('error validating claims: aud claim does not match any bound audience');
    expect(await refusal(v.validateLogin(token('RS256', rsaA.privateKey, claims({ aud: 'conclave', iat: nowS() - 1000, exp: nowS() - 500 }), 'a')))).toBe(
      'error validating claims: go-jose/go-jose/jwt: validation failed, token is expired (exp)',
    );
  });

  it('fetches a rotated key set for an unknown kid, at most once per ten seconds', async () => {
    serveJwks('/jwks', [jwk(rsaA.publicKey, 'a')]);
    const v = jwks();
    await v.checkConfig();
    serveJwks('/jwks', [jwk(rsaB.publicKey, 'b')]);
    clock += 1000;
    const early = await refusal(v.validateLogin(token('RS256', rsaB.privateKey, claims({ aud: 'conclave' }), 'b')));
    expect(early).toBe('error verifying token: failed to verify id token signature (key "b" is not in the key set; it was fetched 1s ago; it is fetched at most every 10s)');
    expect(hits['/jwks']).toBe(1);
    clock += 9000;
    await expect(v.validateLogin(token('RS256', rsaB.privateKey, claims({ aud: 'conclave' }), 'b'))).resolves.toBeDefined();
    expect(hits['/jwks']).toBe(2);
    // The old key is gone with the old set.
    expect(await refusal(v.validateLogin(token('RS256', rsaA.privateKey, claims({ aud: 'conclave' }), 'a')))).toMatch(/^error verifying token: failed to verify id token signature/);

    // A stream of made-up key ids costs the URL one fetch per interval, however many tokens it sends.
    const forged = (i: number) => token('RS256', rsaA.privateKey, claims({ aud: 'conclave' }), `forged-${i}`);
    clock += 10_000;
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => refusal(v.validateLogin(forged(i)))));
    // The first one fetches; the others wait for that fetch (in flight) rather than starting their own.
    expect(new Set(answers)).toEqual(new Set(['error verifying token: failed to verify id token signature']));
    expect(hits['/jwks']).toBe(3);
    clock += 5000;
    for (let i = 0; i < 20; i++) await refusal(v.validateLogin(forged(100 + i)));
    expect(hits['/jwks']).toBe(3);
    clock += 5000;
    await refusal(v.validateLogin(forged(200)));
    expect(hits['/jwks']).toBe(4);
    // A kid the set holds that does not verify fetches too (a provider may reuse a kid for a new key), as rarely.
    clock += 60_000;
    const bad = token('RS256', rsaA.privateKey, claims({ aud: 'conclave' }), 'b');
    expect(await refusal(v.validateLogin(bad))).toBe('error verifying token: failed to verify id token signature');
    expect(hits['/jwks']).toBe(5);
    expect(await refusal(v.validateLogin(bad))).toBe(
      'error verifying token: failed to verify id token signature (key "b" does not verify it; it was fetched 0s ago; it is fetched at most every 10s)',
    );
    // alg none (or HMAC) never verifies, whatever key it names.
    const none = `${b64('{"alg":"none","kid":"b"}')}.${b64(JSON.stringify(claims({ aud: 'conclave' })))}.`;
    expect(await refusal(v.validateLogin(none))).toMatch(/^error verifying token: failed to verify id token signature/);
    expect(hits['/jwks']).toBe(5);
  });

  it('honours a key\'s own alg and ignores encryption, symmetric and unknown keys', async () => {
    serveJwks('/jwks', [
      jwk(rsaA.publicKey, 'a', { alg: 'RS512' }),
      jwk(rsaB.publicKey, 'b', { use: 'enc' }),
      { kty: 'oct', k: b64('secret'), kid: 'h' },
      { kty: 'XYZ', kid: 'x' },
      jwk(ecC.publicKey, 'c'),
    ]);
    const v = jwks();
    await v.checkConfig();
    expect(await refusal(v.validateLogin(token('RS256', rsaA.privateKey, claims({ aud: 'conclave' }), 'a')))).toBe(
      'error verifying token: failed to verify id token signature (key "a" does not verify it; it was fetched 0s ago; it is fetched at most every 10s)',
    );
    clock += 20_000;
    expect(await refusal(v.validateLogin(token('RS256', rsaB.privateKey, claims({ aud: 'conclave' }), 'b')))).toBe('error verifying token: failed to verify id token signature');
    await expect(v.validateLogin(token('ES256', ecC.privateKey, claims({ aud: 'conclave' }), 'c'))).resolves.toBeDefined();
  });

  it('refuses garbage, oversized and failing key sets with the reason', async () => {
    const check = async (route: (typeof routes)[string]) => {
      routes['/jwks'] = route;
      return refusal(jwks().checkConfig());
    };
    expect(await check({ type: 'text/html', body: '<html>login here</html>' })).toMatch(
      /^error checking JWKSURL: fetching keys oidc: failed to decode keys: expected Content-Type = application\/json, got "text\/html": /,
    );
    expect(await check({ body: '{"keys": 7}' })).toBe('error checking JWKSURL: fetching keys oidc: failed to decode keys: a JSON Web Key Set is an object with a "keys" array');
    expect(await check({ body: JSON.stringify({ keys: [{ kty: 'RSA', n: 'AQAB' }, { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] }) })).toBe(
      'error checking JWKSURL: fetching keys oidc: failed to decode keys: none of the 2 keys is a usable signature key (RSA, EC P-256/P-384/P-521 or Ed25519)',
    );
    expect(await check({ body: JSON.stringify({ keys: Array.from({ length: 101 }, () => ({ kty: 'XYZ' })) }) })).toBe(
      'error checking JWKSURL: fetching keys oidc: failed to decode keys: the key set holds 101 keys, more than 100',
    );
    const huge = `error checking JWKSURL: fetching keys oidc: get keys failed Get "${base}/jwks": the response is larger than 1048576 bytes`;
    expect(await check({ body: Buffer.alloc(2 << 20, 0x20) })).toBe(huge);
    expect(await check({ body: Buffer.alloc(2 << 20, 0x20), chunked: true })).toBe(huge);
    expect(await check({ status: 503, type: 'text/plain', body: 'down for maintenance' })).toBe('error checking JWKSURL: fetching keys oidc: get keys failed: 503 Service Unavailable down for maintenance');
  });

  it('trusts only the CA bundle it is given', async () => {
    serveJwks('/jwks', [jwk(rsaA.publicKey, 'a')]);
    const wrong = await refusal(jwks({ JWKSCACert: otherCa.ca }).checkConfig());
    expect(wrong).toMatch(new RegExp(`^error checking JWKSURL: fetching keys oidc: get keys failed Get "${base}/jwks": `));
    expect(wrong).toMatch(/certificate|issuer/);
    // Without JWKSCACert, Node's default roots: the test CA is not among them.
    expect(await refusal(jwks({ JWKSCACert: undefined }).checkConfig())).toMatch(/^error checking JWKSURL: fetching keys oidc: get keys failed Get /);
    // A bundle: the test CA after another one.
    await expect(jwks({ JWKSCACert: `${otherCa.ca}\n${pki.ca}` }).checkConfig()).resolves.toBeUndefined();
    expect(hits['/jwks']).toBe(1);
  });

  it('turns a failed fetch at login into a clear error, and does not retry it before the interval', async () => {
    serveJwks('/jwks', [jwk(rsaA.publicKey, 'a')]);
    const v = jwks();
    await v.checkConfig();
    routes['/jwks'] = { status: 500, type: 'text/plain', body: 'boom' };
    clock += 10_000;
    const login = () => refusal(v.validateLogin(token('RS256', rsaB.privateKey, claims({ aud: 'conclave' }), 'b')));
    expect(await login()).toBe('error verifying token: fetching keys oidc: get keys failed: 500 Internal Server Error boom');
    expect(await login()).toBe(
      'error verifying token: failed to verify id token signature (key "b" is not in the key set; the last fetch 0s ago failed: oidc: get keys failed: 500 Internal Server Error boom; it is fetched at most every 10s)',
    );
    expect(hits['/jwks']).toBe(2);
    // The keys fetched before still serve.
    await expect(v.validateLogin(token('RS256', rsaA.privateKey, claims({ aud: 'conclave' }), 'a'))).resolves.toBeDefined();
  });

  it('answers a cold validator whose first fetch failed from the remembered error', async () => {
    const v = jwks({ JWKSURL: `${base}/missing` });
    const login = () => refusal(v.validateLogin(token('RS256', rsaA.privateKey, claims({ aud: 'conclave' }), 'a')));
    expect(await login()).toBe('error verifying token: fetching keys oidc: get keys failed: 404 Not Found no such page');
    expect(await login()).toBe('error verifying token: fetching keys oidc: get keys failed: 404 Not Found no such page');
    expect(hits['/missing']).toBe(1);
  });
});

describe('OIDCDiscoveryURL', () => {
  const oidc = (over: Record<string, unknown> = {}) => new JwtValidator({ OIDCDiscoveryURL: base, OIDCDiscoveryCACert: pki.ca, ClaimMappings: { sub: 'user' }, ...over }, now);

  it('discovers the provider, then verifies with the keys at its jwks_uri', async () => {
    serveDiscovery(base);
    serveJwks('/oidc/keys', [jwk(rsaA.publicKey, 'a')]);
    const v = oidc();
    await v.checkConfig();
    expect(hits).toEqual({ '/.well-known/openid-configuration': 1 });
    const id = await v.validateLogin(token('RS256', rsaA.privateKey, claims({ iss: base, aud: 'anyone' }), 'a'));
    expect(id.projectedVars).toEqual({ 'value.user': 'alice' });
    expect(hits).toEqual({ '/.well-known/openid-configuration': 1, '/oidc/keys': 1 });
    // Rotation: an unknown kid refetches jwks_uri (not the discovery document).
    serveJwks('/oidc/keys', [jwk(rsaA.publicKey, 'a'), jwk(rsaB.publicKey, 'b')]);
    clock += 10_000;
    await expect(v.validateLogin(token('RS256', rsaB.privateKey, claims({ iss: base }), 'b'))).resolves.toBeDefined();
    expect(hits).toEqual({ '/.well-known/openid-configuration': 1, '/oidc/keys': 2 });
  });

  it('refuses a token from another issuer, expired, or signed with an algorithm the provider does not use', async () => {
    serveDiscovery(base);
    serveJwks('/oidc/keys', [jwk(rsaA.publicKey, 'a'), jwk(ecC.publicKey, 'c')]);
    const v = oidc({ BoundAudiences: ['conclave'] });
    const login = (t: string) => refusal(v.validateLogin(t));
    expect(await login(token('RS256', rsaA.privateKey, claims({ iss: 'https://evil.test', aud: 'conclave' }), 'a'))).toBe(
      `error validating signature: oidc: id token issued by a different provider, expected ${JSON.stringify(base)} got "https://evil.test"`,
    );
    expect(hits['/oidc/keys']).toBeUndefined();
    expect(await login(token('RS256', rsaA.privateKey, { iss: base, aud: 'conclave', iat: nowS() }, 'a'))).toBe(
      'error validating signature: oidc: token is expired (Token Expiry: 0001-01-01 00:00:00 +0000 UTC)',
    );
    expect(await login(token('ES256', ecC.privateKey, claims({ iss: base, aud: 'conclave' }), 'c'))).toBe(
      'error validating signature: oidc: id token signed with unsupported algorithm, expected ["RS256"] got "ES256"',
    );
    expect(await login(token('RS256', rsaA.privateKey, claims({ iss: base, aud: 'other' }), 'a'))).toBe('error validating claims: aud claim does not match any bound audience');
    // JWTSupportedAlgs overrides what the provider advertises.
    const es = oidc({ JWTSupportedAlgs: ['ES256'] });
    await expect(es.validateLogin(token('ES256', ecC.privateKey, claims({ iss: base, aud: 'x' }), 'c'))).resolves.toBeDefined();
  });

  it('refuses a provider whose discovery document names another issuer, at the check and at login', async () => {
    serveDiscovery('https://issuer.example');
    const expected = `oidc: issuer did not match the issuer returned by provider, expected ${JSON.stringify(base)} got "https://issuer.example"`;
    expect(await refusal(oidc().checkConfig())).toBe(`error checking OIDCDiscoveryURL: ${expected}`);
    const v = oidc();
    expect(await refusal(v.validateLogin(token('RS256', rsaA.privateKey, claims({ iss: base }), 'a')))).toBe(`error creating provider: ${expected}`);
    // Retried only after the interval, then found fixed.
    serveDiscovery(base);
    serveJwks('/oidc/keys', [jwk(rsaA.publicKey, 'a')]);
    expect(await refusal(v.validateLogin(token('RS256', rsaA.privateKey, claims({ iss: base }), 'a')))).toBe(`error creating provider: ${expected}`);
    expect(hits['/.well-known/openid-configuration']).toBe(2);
    clock += 10_000;
    await expect(v.validateLogin(token('RS256', rsaA.privateKey, claims({ iss: base }), 'a'))).resolves.toBeDefined();
    expect(hits['/.well-known/openid-configuration']).toBe(3);
  });

  it('trusts only OIDCDiscoveryCACert', async () => {
    serveDiscovery(base);
    expect(await refusal(oidc({ OIDCDiscoveryCACert: otherCa.ca }).checkConfig())).toMatch(
      new RegExp(`^error checking OIDCDiscoveryURL: Get "${base}/.well-known/openid-configuration": `),
    );
  });
});

describe('remote key configurations', () => {
  it('are refused with Consul\'s texts', () => {
    const refused = (config: Record<string, unknown>) => {
      try {
        newAuthValidator('jwt', config);
      } catch (err) {
        expect(err).toBeInstanceOf(AuthMethodError);
        return (err as Error).message;
      }
      return 'accepted';
    };
    const one = `exactly one of 'JWTValidationPubKeys', 'JWKSURL', or 'OIDCDiscoveryURL' must be set for type "jwt"`;
    expect(refused({ JWKSURL: 'https://a', OIDCDiscoveryURL: 'https://b' })).toBe(one);
    expect(refused({ JWKSURL: 'https://a', JWTValidationPubKeys: [pki.ca] })).toBe(one);
    expect(refused({ JWKSURL: 'https://a', JWKSCACert: 'not a pem' })).toBe('error checking JWKSCACert: could not parse CA PEM value successfully');
    expect(refused({ OIDCDiscoveryURL: 'https://a', OIDCDiscoveryCACert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' })).toBe(
      'error checking OIDCDiscoveryCACert: could not parse CA PEM value successfully',
    );
    expect(refused({ JWTValidationPubKeys: [pki.ca], JWKSCACert: pki.ca })).toBe("'JWKSCACert' should not be set unless 'JWKSURL' is set");
    expect(refused({ JWKSURL: 'https://a', OIDCDiscoveryCACert: pki.ca })).toBe("'OIDCDiscoveryCACert' should not be set unless 'OIDCDiscoveryURL' is set");
    expect(refused({ JWKSURL: 7 })).toBe("error decoding config: 'JWKSURL' expected type 'string', got a number");
    expect(refused({ JWKSURL: 'https://a', JWKSCACert: pki.ca })).toBe('accepted');
  });

  it('report a URL that is no URL when checked', async () => {
    const v = new JwtValidator({ JWKSURL: 'not a url' });
    expect(await refusal(v.checkConfig())).toBe('error checking JWKSURL: fetching keys oidc: get keys failed parse "not a url": invalid URL');
    const ftp = new JwtValidator({ JWKSURL: 'ftp://127.0.0.1/keys' });
    expect(await refusal(ftp.checkConfig())).toBe('error checking JWKSURL: fetching keys oidc: get keys failed Get "ftp://127.0.0.1/keys": unsupported protocol scheme "ftp"');
  });

  it('report a server that is not there, or hangs up mid-answer', async () => {
    const gone = https.createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const port = (gone.address() as AddressInfo).port;
    await new Promise((r) => gone.close(r));
    const v = new JwtValidator({ JWKSURL: `https://127.0.0.1:${port}/jwks`, JWKSCACert: pki.ca });
    expect(await refusal(v.checkConfig())).toBe(`error checking JWKSURL: fetching keys oidc: get keys failed Get "https://127.0.0.1:${port}/jwks": connect ECONNREFUSED 127.0.0.1:${port}`);

    const rude = https.createServer({ key: pki.key, cert: pki.cert }, (_rq, rs) => {
      rs.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      rs.write('{"keys": [');
      setImmediate(() => rs.socket?.destroy());
    });
    await new Promise<void>((r) => rude.listen(0, '127.0.0.1', r));
    const rudeUrl = `https://127.0.0.1:${(rude.address() as AddressInfo).port}/jwks`;
    try {
      const m = await refusal(new JwtValidator({ JWKSURL: rudeUrl, JWKSCACert: pki.ca }).checkConfig());
      expect(m).toMatch(
        new RegExp(`^error checking JWKSURL: fetching keys oidc: get keys failed Get "${rudeUrl}": `),
      );
    } finally {
      rude.closeAllConnections();
      await new Promise((r) => rude.close(r));
    }
  });
});

describe('boundedGet', () => {
  it('gives up on a server that never answers, at its deadline', async () => {
    routes['/slow'] = 'hang';
    await expect(boundedGet(`${base}/slow`, { ca: pki.ca, timeoutMs: 300, maxBytes: 100 })).rejects.toThrow(`Get "${base}/slow": timed out after 0.3s`);
    expect(hits['/slow']).toBe(1);
  });

  it('follows redirects, a bounded number of them', async () => {
    routes['/final'] = { body: 'ok' };
    const redirecting = https.createServer({ key: pki.key, cert: pki.cert }, (rq, rs) => {
      rs.statusCode = 302;
      rs.setHeader('Location', rq.url === '/loop' ? '/loop' : `${base}/final`);
      rs.end();
    });
    await new Promise<void>((r) => redirecting.listen(0, '127.0.0.1', r));
    const other = `https://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
    try {
      const res = await boundedGet(`${other}/start`, { ca: pki.ca, timeoutMs: 10_000, maxBytes: 100 });
      expect({ status: res.status, body: res.body.toString() }).toEqual({ status: 200, body: 'ok' });
      await expect(boundedGet(`${other}/loop`, { ca: pki.ca, timeoutMs: 10_000, maxBytes: 100 })).rejects.toThrow(`Get "${other}/loop": stopped after 10 redirects`);
    } finally {
      redirecting.closeAllConnections();
      await new Promise((r) => redirecting.close(r));
    }
  });
});
