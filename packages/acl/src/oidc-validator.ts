// The `oidc` auth method (Consul's go-sso OIDC authorization code flow, oidcauth's GetAuthCodeURL and
// ClaimsFromAuthCode). An auth URL request checks the redirect URI against AllowedRedirectURIs (loopback ones
// port-agnostic, RFC 8252 §7.3), holds a pending login (oidc-state.ts) and answers the provider's authorization
// endpoint with client_id, nonce, redirect_uri, response_type=code, scope (openid and OIDCScopes), state and
// acr_values. The callback takes the state back once, exchanges the code at the token endpoint with the client id
// and secret (HTTP Basic first, then in the form, as Go's oauth2 detects it), verifies the id token as go-oidc does
// with the client id as audience (id-token.ts, the provider's JWKS through remote-key-set.ts), then BoundAudiences
// (not strictly), the nonce, merges the userinfo endpoint's claims when it answers, and maps the claims
// (claim-mappings.ts). Discovery, keys and every fetch are the jwt method's (oidc-provider.ts, bounded-get.ts).
import { boundedGet, boundedPost, isPlainObject } from '@conclave/toolkit';
import { AuthMethodError, type AuthIdentity, type AuthValidator } from './auth-method.js';
import { blankClaimsIdentity, checkClaimMappings, identityFromClaims } from './claim-mappings.js';
import { bool, checkCa, checkSupportedAlgs, duration, present, str, stringMap, strings } from './config-fields.js';
import { IdTokenError, verifyIdToken } from './id-token.js';
import { checkBoundAudiences } from './jwt-validator.js';
import { OidcProvider, type DiscoveredProvider } from './oidc-provider.js';
import { OidcStateStore } from './oidc-state.js';
import { FETCH_TIMEOUT_MS, snippet } from './remote-key-set.js';

export interface OidcConfig {
  OIDCDiscoveryURL: string;
  OIDCDiscoveryCACert: string;
  OIDCClientID: string;
  OIDCClientSecret: string;
  OIDCScopes: string[];
  OIDCACRValues: string[];
  AllowedRedirectURIs: string[];
  VerboseOIDCLogging: boolean;
  JWTSupportedAlgs: string[];
  BoundAudiences: string[];
  ClaimMappings: Record<string, string>;
  ListClaimMappings: Record<string, string>;
}

/** Token endpoint answers are small; a larger one is refused. */
const MAX_TOKEN_RESPONSE_BYTES = 1 << 20;

/** The jwt-only fields, refused for type oidc (Config.Validate's "not allowed" list, in its order). */
const JWT_ONLY: Array<[string, 'string' | 'list' | 'duration']> = [
  ['JWKSURL', 'string'],
  ['JWKSCACert', 'string'],
  ['JWTValidationPubKeys', 'list'],
  ['BoundIssuer', 'string'],
  ['ExpirationLeeway', 'duration'],
  ['NotBeforeLeeway', 'duration'],
  ['ClockSkewLeeway', 'duration'],
];

/** Reads and checks an oidc auth method's Config in go-sso's Config.Validate order (Consul's texts, without the
 * `Invalid Auth Method: ` prefix); discovering OIDCDiscoveryURL is OidcValidator.checkConfig's, after these. */
export function parseOidcConfig(config: Record<string, unknown>): OidcConfig {
  const parsed: OidcConfig = {
    OIDCDiscoveryURL: str(config.OIDCDiscoveryURL, 'OIDCDiscoveryURL'),
    OIDCDiscoveryCACert: str(config.OIDCDiscoveryCACert, 'OIDCDiscoveryCACert'),
    OIDCClientID: str(config.OIDCClientID, 'OIDCClientID'),
    OIDCClientSecret: str(config.OIDCClientSecret, 'OIDCClientSecret'),
    OIDCScopes: strings(config.OIDCScopes, 'OIDCScopes'),
    OIDCACRValues: strings(config.OIDCACRValues, 'OIDCACRValues'),
    AllowedRedirectURIs: strings(config.AllowedRedirectURIs, 'AllowedRedirectURIs'),
    VerboseOIDCLogging: bool(config.VerboseOIDCLogging, 'VerboseOIDCLogging'),
    JWTSupportedAlgs: strings(config.JWTSupportedAlgs, 'JWTSupportedAlgs'),
    BoundAudiences: strings(config.BoundAudiences, 'BoundAudiences'),
    ClaimMappings: stringMap(config.ClaimMappings, 'ClaimMappings'),
    ListClaimMappings: stringMap(config.ListClaimMappings, 'ListClaimMappings'),
  };
  const jwtOnly = JWT_ONLY.map(([field, kind]) => [field, kind === 'string' ? str(config[field], field) : kind === 'list' ? strings(config[field], field) : duration(config[field], field)] as const);
  const required: Array<[string, boolean]> = [
    ['OIDCDiscoveryURL', parsed.OIDCDiscoveryURL !== ''],
    ['OIDCClientID', parsed.OIDCClientID !== ''],
    ['OIDCClientSecret', parsed.OIDCClientSecret !== ''],
    ['AllowedRedirectURIs', parsed.AllowedRedirectURIs.length > 0],
  ];
  for (const [field, set] of required) if (!set) throw new AuthMethodError(`'${field}' must be set for type "oidc"`);
  for (const [field, value] of jwtOnly) if (present(value)) throw new AuthMethodError(`'${field}' must not be set for type "oidc"`);
  const bad = parsed.AllowedRedirectURIs.filter((u) => !goParsesUrl(u));
  if (bad.length > 0) throw new AuthMethodError(`Invalid AllowedRedirectURIs provided: [${bad.join(' ')}]`);
  checkCa(parsed.OIDCDiscoveryCACert, 'OIDCDiscoveryCACert');
  checkSupportedAlgs(parsed.JWTSupportedAlgs);
  checkClaimMappings(parsed);
  return parsed;
}

/** What the callback yields: the identity binding rules see, and the Meta the auth URL was asked with. */
export interface OidcLogin {
  identity: AuthIdentity;
  meta: Record<string, string>;
}

export class OidcValidator implements AuthValidator {
  readonly config: OidcConfig;
  private readonly provider: OidcProvider;
  private readonly states: OidcStateStore;

  constructor(
    rawConfig: Record<string, unknown>,
    private readonly now: () => number = Date.now,
  ) {
    this.config = parseOidcConfig(rawConfig);
    this.provider = new OidcProvider(this.config.OIDCDiscoveryURL, this.config.OIDCDiscoveryCACert || undefined, now);
    this.states = new OidcStateStore(now);
  }

  /** Pending logins held (for tests and the docs' bound). */
  get pendingLogins(): number {
    return this.states.size;
  }

  async checkConfig(): Promise<void> {
    try {
      await this.provider.provider();
    } catch (err) {
      throw new AuthMethodError(`error checking OIDCDiscoveryURL: ${(err as Error).message}`);
    }
  }

  blankIdentity(): AuthIdentity {
    return blankClaimsIdentity(this.config);
  }

  /** /v1/acl/login is not for this type (ClaimsFromJWT refuses the OIDC flow). */
  async validateLogin(): Promise<AuthIdentity> {
    throw new AuthMethodError('ClaimsFromJWT is incompatible with type "oidc"');
  }

  /** GetAuthCodeURL: the provider URL the user's browser goes to; throws AuthMethodError. */
  async authUrl(redirectUri: string, clientNonce: string, meta: Record<string, string>): Promise<string> {
    if (redirectUri === '') throw new AuthMethodError('missing redirect_uri');
    if (!validRedirect(redirectUri, this.config.AllowedRedirectURIs)) throw new AuthMethodError(`unauthorized redirect_uri: ${redirectUri}`);
    const provider = await this.discovered();
    let held;
    try {
      held = this.states.create({ redirectUri, clientNonce, meta });
    } catch (err) {
      throw new AuthMethodError(`error generating OAuth state: ${(err as Error).message}`);
    }
    const params: Array<[string, string]> = [
      ['client_id', this.config.OIDCClientID],
      ['nonce', held.nonce],
      ['redirect_uri', redirectUri],
      ['response_type', 'code'],
      ['scope', ['openid', ...this.config.OIDCScopes].join(' ')],
      ['state', held.state],
    ];
    if (this.config.OIDCACRValues.length > 0) params.push(['acr_values', this.config.OIDCACRValues.join(' ')]);
    params.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const query = params.map(([k, v]) => `${goQueryEscape(k)}=${goQueryEscape(v)}`).join('&');
    const endpoint = provider.authorizationEndpoint;
    return `${endpoint}${endpoint.includes('?') ? '&' : '?'}${query}`;
  }

  /** ClaimsFromAuthCode, with the client nonce the auth URL was asked with; throws AuthMethodError (go-sso's
   * `Provider login failed: ...` and `Token verification failed: ...`). */
  async claimsFromAuthCode(state: string, code: string, clientNonce: string): Promise<OidcLogin> {
    const loginFailed = (why: string) => new AuthMethodError(`Provider login failed: ${why}`);
    const verificationFailed = (why: string) => new AuthMethodError(`Token verification failed: ${why}`);
    if (code === '') throw loginFailed('OAuth code parameter not provided');
    const pending = this.states.take(state);
    if (!pending) throw loginFailed('Expired or missing OAuth state.');
    // As Vault's jwt plugin: a client nonce given with the auth URL request must come back with the callback.
    if (pending.clientNonce !== '' && pending.clientNonce !== clientNonce) throw new AuthMethodError('invalid client_nonce');
    const provider = await this.discovered();
    let tokens: Record<string, unknown>;
    try {
      tokens = await this.exchange(provider, code, pending.redirectUri);
    } catch (err) {
      throw loginFailed(`Error exchanging oidc code: ${(err as Error).message}`);
    }
    const rawIdToken = tokens.id_token;
    if (typeof rawIdToken !== 'string') throw verificationFailed('No id_token found in response.');
    let claims: Record<string, unknown>;
    try {
      const verified = await verifyIdToken(provider, rawIdToken, { supportedAlgs: this.config.JWTSupportedAlgs, clientId: this.config.OIDCClientID, now: this.now });
      claims = verified.claims;
      checkBoundAudiences(this.config.BoundAudiences, verified.audiences, false);
    } catch (err) {
      if (err instanceof IdTokenError) throw verificationFailed(`error validating signature: ${err.message}`);
      if (err instanceof AuthMethodError) throw verificationFailed(err.message);
      throw err;
    }
    if (claims.nonce !== pending.nonce) throw verificationFailed('Invalid ID token nonce.');
    delete claims.nonce;
    // go-sso merges what the userinfo endpoint says; its failure does not fail the login.
    if (provider.userinfoEndpoint && typeof tokens.access_token === 'string') Object.assign(claims, await this.userinfo(provider, tokens.access_token));
    try {
      return { identity: identityFromClaims(this.config, claims), meta: pending.meta };
    } catch (err) {
      if (err instanceof AuthMethodError) throw verificationFailed(err.message);
      throw err;
    }
  }

  private async discovered(): Promise<DiscoveredProvider> {
    try {
      return await this.provider.provider();
    } catch (err) {
      throw new AuthMethodError(`error creating provider: ${(err as Error).message}`);
    }
  }

  /** Go's oauth2 Exchange with AuthStyleAutoDetect: client credentials in an HTTP Basic header, and when the
   * endpoint refuses that, in the form. Throws oauth2's texts. */
  private async exchange(provider: DiscoveredProvider, code: string, redirectUri: string): Promise<Record<string, unknown>> {
    const form = [['grant_type', 'authorization_code'], ['code', code], ['redirect_uri', redirectUri]];
    const encode = (pairs: string[][]) =>
      pairs
        .slice()
        .sort((a, b) => (a[0]! < b[0]! ? -1 : 1))
        .map(([k, v]) => `${goQueryEscape(k!)}=${goQueryEscape(v!)}`)
        .join('&');
    const basic = Buffer.from(`${goQueryEscape(this.config.OIDCClientID)}:${goQueryEscape(this.config.OIDCClientSecret)}`).toString('base64');
    const post = (body: string, headers: Record<string, string>) =>
      boundedPost(provider.tokenEndpoint, {
        ca: provider.ca,
        timeoutMs: FETCH_TIMEOUT_MS,
        maxBytes: MAX_TOKEN_RESPONSE_BYTES,
        body,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      });
    let res = await post(encode(form), { Authorization: `Basic ${basic}` });
    if (res.status < 200 || res.status > 299)
      res = await post(
        encode([
          ...form,
          ['client_id', this.config.OIDCClientID],
          ['client_secret', this.config.OIDCClientSecret],
        ]),
        {},
      );
    if (res.status < 200 || res.status > 299) {
      const body = parseTokenBody(res.body, res.contentType);
      if (body && typeof body.error === 'string' && body.error !== '') {
        const parts = [body.error, body.error_description, body.error_uri].filter((p): p is string => typeof p === 'string' && p !== '');
        throw new Error(`oauth2: ${parts.map((p) => JSON.stringify(p)).join(' ')}`);
      }
      throw new Error(`oauth2: cannot fetch token: ${res.statusLine}\nResponse: ${snippet(res.body)}`);
    }
    const body = parseTokenBody(res.body, res.contentType);
    if (!body) throw new Error(`oauth2: cannot parse json: the token endpoint's answer is not a JSON object: ${snippet(res.body)}`);
    if (typeof body.access_token !== 'string' || body.access_token === '') throw new Error('oauth2: server response missing access_token');
    return body;
  }

  private async userinfo(provider: DiscoveredProvider, accessToken: string): Promise<Record<string, unknown>> {
    try {
      const res = await boundedGet(provider.userinfoEndpoint, {
        ca: provider.ca,
        timeoutMs: FETCH_TIMEOUT_MS,
        maxBytes: MAX_TOKEN_RESPONSE_BYTES,
        headers: { Authorization: `Bearer ${accessToken}` },
      });
      if (res.status !== 200) return {};
      const doc: unknown = JSON.parse(res.body.toString('utf8'));
      return isPlainObject(doc) ? doc : {};
    } catch {
      return {};
    }
  }
}

/** A token endpoint's answer: JSON, or a form (Go's oauth2 reads both by Content-Type). */
function parseTokenBody(body: Buffer, contentType: string): Record<string, unknown> | undefined {
  const ct = contentType.split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/x-www-form-urlencoded' || ct === 'text/plain') return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  try {
    const doc: unknown = JSON.parse(body.toString('utf8'));
    return isPlainObject(doc) ? doc : undefined;
  } catch {
    return undefined;
  }
}

/** go-sso's validRedirect: exact match, except that a loopback redirect (localhost, 127.0.0.1, ::1) matches an
 * allowed one on any port (RFC 8252 §7.3). */
export function validRedirect(uri: string, allowed: string[]): boolean {
  if (!goParsesUrl(uri)) return false;
  const host = hostnameOf(uri);
  if (host === undefined || !['localhost', '127.0.0.1', '::1'].includes(host)) return allowed.includes(uri);
  const bare = withoutPort(uri);
  return allowed.some((a) => withoutPort(a) === bare);
}

const AUTHORITY = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/(?:[^@/?#]*@)?)(\[[^\]/?#]*\]|[^:/?#]*)(:[0-9]*)?/;

function hostnameOf(uri: string): string | undefined {
  const m = AUTHORITY.exec(uri);
  return m ? m[2]!.replace(/^\[(.*)\]$/, '$1') : undefined;
}

function withoutPort(uri: string): string {
  return uri.replace(AUTHORITY, (_all, scheme: string, host: string) => `${scheme}${host.replace(/^\[(.*)\]$/, '$1')}`);
}

/** What Go's url.Parse refuses, near enough: control characters, spaces in the authority, bad %-escapes, an
 * unclosed IPv6 literal, a non-numeric port. */
function goParsesUrl(uri: string): boolean {
  if (/[\x00-\x1f\x7f]/.test(uri)) return false;
  if (/%(?![0-9a-fA-F]{2})/.test(uri)) return false;
  if (uri.startsWith(':')) return false;
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/.exec(uri);
  if (!m) return true;
  const authority = m[1]!.replace(/^[^@]*@/, '');
  if (authority.includes(' ')) return false;
  if (authority.startsWith('[')) return /^\[[^\]]*\](:[0-9]*)?$/.test(authority);
  return /^[^:]*(:[0-9]*)?$/.test(authority);
}

/** Go's url.QueryEscape: everything but letters, digits and `-_.~` escaped, spaces as `+`. */
function goQueryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}
