// The oidc auth method's parts that need no provider: its Config checks (go-sso's texts and order), the redirect
// URI rule (exact, loopback on any port), and the pending-login store (single use, 10 minutes, bounded).
import { describe, expect, it } from 'vitest';
import { AuthMethodError, MAX_OIDC_STATE_BYTES, OIDC_STATE_TTL_MS, OidcStateStore, newAuthValidator, parseOidcConfig, validRedirect } from '../src/index.js';

const base = { OIDCDiscoveryURL: 'https://idp.test', OIDCClientID: 'id', OIDCClientSecret: 'secret', AllowedRedirectURIs: ['http://localhost:8550/oidc/callback'] };

function refused(config: Record<string, unknown>): string {
  try {
    parseOidcConfig(config);
  } catch (err) {
    expect(err).toBeInstanceOf(AuthMethodError);
    return (err as Error).message;
  }
  return 'accepted';
}

describe('the oidc auth method Config', () => {
  it('requires the flow fields, refuses the jwt-only ones, in go-sso order', () => {
    expect(refused({})).toBe(`'OIDCDiscoveryURL' must be set for type "oidc"`);
    expect(refused({ OIDCDiscoveryURL: 'https://idp.test' })).toBe(`'OIDCClientID' must be set for type "oidc"`);
    expect(refused({ ...base, OIDCClientSecret: '' })).toBe(`'OIDCClientSecret' must be set for type "oidc"`);
    expect(refused({ ...base, AllowedRedirectURIs: [] })).toBe(`'AllowedRedirectURIs' must be set for type "oidc"`);
    expect(refused({ ...base, JWKSURL: 'https://idp.test/keys' })).toBe(`'JWKSURL' must not be set for type "oidc"`);
    expect(refused({ ...base, JWTValidationPubKeys: ['x'] })).toBe(`'JWTValidationPubKeys' must not be set for type "oidc"`);
    expect(refused({ ...base, BoundIssuer: 'x' })).toBe(`'BoundIssuer' must not be set for type "oidc"`);
    expect(refused({ ...base, ClockSkewLeeway: '10s' })).toBe(`'ClockSkewLeeway' must not be set for type "oidc"`);
    expect(refused({ ...base, AllowedRedirectURIs: ['http://ok.test/cb', 'http://bad%zz.test/', 'http://[::1'] })).toBe('Invalid AllowedRedirectURIs provided: [http://bad%zz.test/ http://[::1]');
    expect(refused({ ...base, OIDCDiscoveryCACert: 'not a pem' })).toBe('error checking OIDCDiscoveryCACert: could not parse CA PEM value successfully');
    expect(refused({ ...base, JWTSupportedAlgs: ['HS256'] })).toBe('Invalid supported algorithm: HS256');
    expect(refused({ ...base, ListClaimMappings: { a: 'g', b: 'g' } })).toBe('ListClaimMappings contains multiple mappings for key "g"');
    expect(refused({ ...base, OIDCScopes: 'profile' })).toBe(`error decoding config: 'OIDCScopes' expected a list of strings, got a string`);
    expect(refused({ ...base, VerboseOIDCLogging: 'yes' })).toBe(`error decoding config: 'VerboseOIDCLogging' expected type 'bool', got a string`);
    expect(refused({ ...base, OIDCScopes: ['profile'], OIDCACRValues: ['mfa'], VerboseOIDCLogging: true, BoundAudiences: ['id'], ClaimMappings: { sub: 'user' } })).toBe('accepted');
  });

  it('is a type of its own: /v1/acl/login is not its way in, and the jwt type refuses its fields', async () => {
    const v = newAuthValidator('oidc', base);
    await expect(v.validateLogin('x')).rejects.toThrow('ClaimsFromJWT is incompatible with type "oidc"');
    expect(() => newAuthValidator('jwt', { ...base, AllowedRedirectURIs: undefined, OIDCClientSecret: undefined })).toThrow(`'OIDCClientID' must not be set for type "jwt"`);
  });
});

describe('validRedirect', () => {
  const allowed = ['https://app.test/cb', 'http://localhost:8550/oidc/callback', 'http://[::1]:8550/cb'];
  it('matches exactly, except for loopback hosts, whose port does not matter', () => {
    expect(validRedirect('https://app.test/cb', allowed)).toBe(true);
    expect(validRedirect('https://app.test:443/cb', allowed)).toBe(false);
    expect(validRedirect('https://app.test/cb/', allowed)).toBe(false);
    expect(validRedirect('http://localhost:41234/oidc/callback', allowed)).toBe(true);
    expect(validRedirect('http://localhost/oidc/callback', allowed)).toBe(true);
    expect(validRedirect('http://localhost:41234/other', allowed)).toBe(false);
    expect(validRedirect('http://127.0.0.1:8550/oidc/callback', allowed)).toBe(false);
    expect(validRedirect('http://[::1]:9/cb', allowed)).toBe(true);
    expect(validRedirect('https://localhost:8550/oidc/callback', allowed)).toBe(false);
  });
});

describe('OidcStateStore', () => {
  const login = { redirectUri: 'http://localhost:8550/oidc/callback', clientNonce: 'cn', meta: { a: 'b' } };

  it('hands a state back once, within 10 minutes of the injected clock', () => {
    let clock = 1_000_000;
    const store = new OidcStateStore(() => clock);
    const a = store.create(login);
    expect(a.state).toMatch(/^[0-9a-f]{40}$/);
    expect(a.nonce).toMatch(/^[0-9a-f]{40}$/);
    expect(a.nonce).not.toBe(a.state);
    expect(store.take(a.state)).toEqual({ ...login, nonce: a.nonce });
    expect(store.take(a.state)).toBeUndefined();
    expect(store.take('never-issued')).toBeUndefined();
    const b = store.create(login);
    clock += OIDC_STATE_TTL_MS - 1;
    const c = store.create(login);
    expect(store.take(b.state)).toBeDefined();
    clock += 1;
    expect(store.take(c.state)).toBeDefined();
    const d = store.create(login);
    clock += OIDC_STATE_TTL_MS;
    expect(store.take(d.state)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('holds at most its entries and bytes, dropping the oldest, and refuses one login too large', () => {
    const store = new OidcStateStore(() => 0, { maxStates: 3, maxBytes: 1 << 20 });
    const states = Array.from({ length: 5 }, () => store.create(login).state);
    expect(store.size).toBe(3);
    expect(store.take(states[0]!)).toBeUndefined();
    expect(store.take(states[1]!)).toBeUndefined();
    expect(store.take(states[4]!)).toBeDefined();

    const small = new OidcStateStore(() => 0, { maxStates: 100, maxBytes: 2000 });
    for (let i = 0; i < 50; i++) small.create({ ...login, meta: { k: 'v'.repeat(200) } });
    expect(small.size).toBeLessThanOrEqual(4);
    expect(() => small.create({ ...login, meta: { k: 'v'.repeat(MAX_OIDC_STATE_BYTES) } })).toThrow(/^the login is too large to hold: \d+ bytes, at most 65536$/);
  });
});
