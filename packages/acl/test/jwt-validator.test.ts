// The jwt auth method's validator: every signing algorithm node:crypto checks for it, go-sso's defaults for
// missing time claims and its leeways (on a fixed clock), claim mappings by name and by JSON pointer.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthMethodError, JwtValidator, newAuthValidator } from '../src/index.js';

const b64 = (v: string | Buffer) => Buffer.from(v).toString('base64url');
const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }) as string;

function token(alg: string, key: KeyObject, claims: Record<string, unknown>): string {
  const data = Buffer.from(`${b64(JSON.stringify({ alg }))}.${b64(JSON.stringify(claims))}`);
  const hash = alg === 'EdDSA' ? null : `sha${alg.slice(2)}`;
  let sig: Buffer;
  if (alg.startsWith('ES')) sig = sign(hash, data, { key, dsaEncoding: 'ieee-p1363' });
  else if (alg.startsWith('PS')) sig = sign(hash, data, { key, padding: 6, saltLength: Number(alg.slice(2)) / 8 });
  else sig = sign(hash, data, key);
  return `${data.toString()}.${b64(sig)}`;
}

const NOW = 1_800_000_000; // s
const clock = () => NOW * 1000;

describe('JwtValidator signatures', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const ed = generateKeyPairSync('ed25519');
  const all = new JwtValidator({ JWTValidationPubKeys: [spki(rsa.publicKey), spki(p256.publicKey), spki(p384.publicKey), spki(ed.publicKey)] }, clock);
  const claims = { iat: NOW - 10, exp: NOW + 10 };

  it.each([
    ['RS256', rsa.privateKey],
    ['RS512', rsa.privateKey],
    ['PS256', rsa.privateKey],
    ['ES256', p256.privateKey],
    ['ES384', p384.privateKey],
    ['EdDSA', ed.privateKey],
  ] as const)('accepts %s', async (alg, key) => {
    await expect(all.validateLogin(token(alg, key, claims))).resolves.toBeDefined();
  });

  it('refuses an algorithm that does not fit the key (ES384 header on a P-256 signature) and alg none', async () => {
    const forged = token('ES256', p256.privateKey, claims).split('.');
    forged[0] = b64(JSON.stringify({ alg: 'ES384' }));
    await expect(all.validateLogin(forged.join('.'))).rejects.toThrow('no known key successfully validated the token signature');
    const none = `${b64('{"alg":"none"}')}.${b64(JSON.stringify(claims))}.`;
    await expect(all.validateLogin(none)).rejects.toThrow('no known key successfully validated the token signature');
    await expect(all.validateLogin('')).rejects.toThrow('missing jwt');
  });
});

describe('JwtValidator claims', () => {
  const k = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const v = (config: Record<string, unknown> = {}) => new JwtValidator({ JWTValidationPubKeys: [spki(k.publicKey)], ...config }, clock);
  const login = (val: JwtValidator, claims: Record<string, unknown>) => val.validateLogin(token('ES256', k.privateKey, claims));

  it('derives a missing exp from iat with 150 s of leeway by default, ExpirationLeeway otherwise', async () => {
    await expect(login(v(), { iat: NOW - 149 - 60 })).resolves.toBeDefined(); // + 60 s clock skew
    await expect(login(v(), { iat: NOW - 151 - 60 })).rejects.toThrow('token is expired (exp)');
    await expect(login(v({ ExpirationLeeway: '1h' }), { iat: NOW - 3000 })).resolves.toBeDefined();
    await expect(login(v({ ExpirationLeeway: -1, ClockSkewLeeway: -1 }), { iat: NOW - 1 })).rejects.toThrow('token is expired (exp)');
  });

  it('derives a missing nbf from exp with NotBeforeLeeway, and checks nbf and iat with ClockSkewLeeway', async () => {
    await expect(login(v(), { exp: NOW + 100 })).resolves.toBeDefined();
    await expect(login(v({ NotBeforeLeeway: '10s', ClockSkewLeeway: '1s' }), { exp: NOW + 100 })).rejects.toThrow('token not valid yet (nbf)');
    await expect(login(v(), { nbf: NOW + 30, exp: NOW + 100 })).resolves.toBeDefined();
    await expect(login(v(), { nbf: NOW + 61, exp: NOW + 100 })).rejects.toThrow('token not valid yet (nbf)');
    await expect(login(v({ ClockSkewLeeway: '5m' }), { iat: NOW + 200, exp: NOW + 1000 })).resolves.toBeDefined();
    await expect(login(v(), { iat: NOW + 200, exp: NOW + 1000 })).rejects.toThrow('not valid yet (nbf)');
    await expect(login(v(), { sub: 'x' })).rejects.toThrow('no issue time, notbefore, or expiration time encoded in token');
  });

  it('maps claims by name and JSON pointer into value.* and list.*', async () => {
    const val = v({ ClaimMappings: { '/k8s/ns': 'namespace', admin: 'admin', n: 'n' }, ListClaimMappings: { groups: 'groups', one: 'one' } });
    const id = await login(val, { iat: NOW, k8s: { ns: 'prod' }, admin: true, n: 4.7, groups: ['a', '', 3], one: 'solo' });
    expect(id.selectable).toEqual({ value: { namespace: 'prod', admin: 'true', n: '4' }, list: { groups: ['a', '3'], one: ['solo'] } });
    expect(id.projectedVars).toEqual({ 'value.namespace': 'prod', 'value.admin': 'true', 'value.n': '4' });
    const blank = val.blankIdentity();
    expect(blank.projectedVars).toEqual({ 'value.namespace': '', 'value.admin': '', 'value.n': '' });
    await expect(login(val, { iat: NOW, admin: { nested: 1 } })).rejects.toThrow("error converting claim 'admin' to string from unknown type map[string]interface {}");
  });

  it('checks BoundIssuer and BoundAudiences (an audience with none bound is refused)', async () => {
    await expect(login(v({ BoundIssuer: 'a' }), { iat: NOW, iss: 'b' })).rejects.toThrow('invalid issuer claim (iss)');
    await expect(login(v(), { iat: NOW, aud: 'x' })).rejects.toThrow('audience claim found in JWT but no audiences are bound');
    await expect(login(v({ BoundAudiences: ['x', 'y'] }), { iat: NOW, aud: ['z', 'y'] })).resolves.toBeDefined();
    await expect(login(v({ BoundAudiences: ['x'] }), { iat: NOW })).rejects.toThrow('aud claim does not match any bound audience');
  });
});

describe('auth method configurations', () => {
  it('are refused with Consul\'s texts', () => {
    const refused = (type: string, config: Record<string, unknown>) => {
      try {
        newAuthValidator(type, config);
      } catch (err) {
        expect(err).toBeInstanceOf(AuthMethodError);
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(refused('ldap', {})).toBe('Type should be one of: [aws-iam jwt kubernetes oidc]');
    expect(refused('jwt', { OIDCClientID: 'x' })).toBe(`'OIDCClientID' must not be set for type "jwt"`);
    expect(refused('jwt', { JWTValidationPubKeys: ['x'], ClaimMappings: { a: 'k', b: 'k' } })).toMatch(/^error parsing public key JWTValidationPubKeys\[0\]/);
    const key = spki(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey);
    expect(refused('jwt', { JWTValidationPubKeys: [key], ClaimMappings: { a: 'k', b: 'k' } })).toBe('ClaimMappings contains multiple mappings for key "k"');
    expect(refused('jwt', { JWTValidationPubKeys: [key], JWKSURL: 'https://x' })).toBe(`exactly one of 'JWTValidationPubKeys', 'JWKSURL', or 'OIDCDiscoveryURL' must be set for type "jwt"`);
    expect(refused('jwt', { JWTValidationPubKeys: [key], ExpirationLeeway: 'soon' })).toMatch(/^error decoding config: ExpirationLeeway: /);
    expect(refused('kubernetes', {})).toBe('Config.Host is required');
    expect(refused('kubernetes', { Host: 'h', CACert: 'nope' })).toMatch(/^error parsing kubernetes ca cert: /);
  });
});
