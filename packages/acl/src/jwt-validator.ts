// The `jwt` auth method (Consul's go-sso ClaimsFromJWT). The bearer token's signature is checked with node:crypto
// (RS*, PS*, ES*, EdDSA) against exactly one key source: JWTValidationPubKeys (static PEM keys), JWKSURL (a JSON Web
// Key Set fetched over HTTPS, trusting JWKSCACert when set) or OIDCDiscoveryURL (OpenID Connect discovery: the keys
// at the provider's jwks_uri, trusting OIDCDiscoveryCACert). Static keys and JWKSURL then take go-sso's vanilla path
// (time claims with the configured leeways, BoundIssuer, BoundAudiences strictly); discovery takes go-oidc's
// verifier (the token's `iss` must be the discovered issuer, `exp` required, `nbf` with a minute's leeway, the
// algorithm one of JWTSupportedAlgs or else what the provider advertises, BoundAudiences when set).
// ClaimMappings and ListClaimMappings pick the claims that binding rules select on (`value.<name>`, `list.<name>`)
// and interpolate (`${value.<name>}`). Remote keys are cached and fetched again only for a token no cached key
// could have signed, at most once per interval (remote-key-set.ts); a fetch failure is a login error.
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { decodeDuration, isPlainObject, typeName } from '@conclave/toolkit';
import { AuthMethodError, type AuthIdentity, type AuthValidator } from './auth-method.js';
import { parseCaBundle } from './bounded-get.js';
import { parseCompactJws, verifiesWith, type CompactJws } from './jwt-signature.js';
import { OidcProvider } from './oidc-provider.js';
import { KeySetError, RemoteKeySet } from './remote-key-set.js';

export interface JwtConfig {
  JWTValidationPubKeys: string[];
  JWKSURL: string;
  JWKSCACert: string;
  OIDCDiscoveryURL: string;
  OIDCDiscoveryCACert: string;
  JWTSupportedAlgs: string[];
  BoundIssuer: string;
  BoundAudiences: string[];
  ClaimMappings: Record<string, string>;
  ListClaimMappings: Record<string, string>;
  /** ns; 0: default (150 s for the derived claims), negative: none. */
  ExpirationLeeway: number;
  NotBeforeLeeway: number;
  /** ns; 0: go-jose's default 60 s, negative: none. */
  ClockSkewLeeway: number;
}

/** go-sso's claimDefaultLeeway (s) and go-jose's jwt.DefaultLeeway (s). */
const CLAIM_DEFAULT_LEEWAY_S = 150;
const CLOCK_SKEW_DEFAULT_S = 60;
/** go-oidc's leeway on `nbf` (s). */
const OIDC_NBF_LEEWAY_S = 60;

const OIDC_ONLY = ['OIDCClientID', 'OIDCClientSecret', 'OIDCScopes', 'OIDCACRValues', 'AllowedRedirectURIs', 'VerboseOIDCLogging'];

/**
 * Reads and checks a jwt auth method's Config, in go-sso's Config.Validate order (Consul's texts, without the
 * `Invalid Auth Method: ` prefix). What needs the network (fetching JWKSURL, discovering OIDCDiscoveryURL) is
 * JwtValidator.checkConfig's, after these.
 */
export function parseJwtConfig(config: Record<string, unknown>): { config: JwtConfig; keys: KeyObject[] } {
  for (const k of OIDC_ONLY) if (present(config[k])) throw new AuthMethodError(`'${k}' must not be set for type "jwt"`);
  const parsed: JwtConfig = {
    JWTValidationPubKeys: strings(config.JWTValidationPubKeys, 'JWTValidationPubKeys'),
    JWKSURL: str(config.JWKSURL, 'JWKSURL'),
    JWKSCACert: str(config.JWKSCACert, 'JWKSCACert'),
    OIDCDiscoveryURL: str(config.OIDCDiscoveryURL, 'OIDCDiscoveryURL'),
    OIDCDiscoveryCACert: str(config.OIDCDiscoveryCACert, 'OIDCDiscoveryCACert'),
    JWTSupportedAlgs: strings(config.JWTSupportedAlgs, 'JWTSupportedAlgs'),
    BoundIssuer: str(config.BoundIssuer, 'BoundIssuer'),
    BoundAudiences: strings(config.BoundAudiences, 'BoundAudiences'),
    ClaimMappings: stringMap(config.ClaimMappings, 'ClaimMappings'),
    ListClaimMappings: stringMap(config.ListClaimMappings, 'ListClaimMappings'),
    ExpirationLeeway: duration(config.ExpirationLeeway, 'ExpirationLeeway'),
    NotBeforeLeeway: duration(config.NotBeforeLeeway, 'NotBeforeLeeway'),
    ClockSkewLeeway: duration(config.ClockSkewLeeway, 'ClockSkewLeeway'),
  };
  const sources = [parsed.JWTValidationPubKeys.length > 0, parsed.JWKSURL !== '', parsed.OIDCDiscoveryURL !== ''].filter(Boolean).length;
  if (sources !== 1) throw new AuthMethodError(`exactly one of 'JWTValidationPubKeys', 'JWKSURL', or 'OIDCDiscoveryURL' must be set for type "jwt"`);
  if (parsed.JWKSURL) checkCa(parsed.JWKSCACert, 'JWKSCACert');
  else if (parsed.JWKSCACert) throw new AuthMethodError("'JWKSCACert' should not be set unless 'JWKSURL' is set");
  const keys = parsed.JWTValidationPubKeys.map((pem, i) => {
    try {
      return publicKey(pem);
    } catch (err) {
      throw new AuthMethodError(`error parsing public key JWTValidationPubKeys[${i}]: ${(err as Error).message}`);
    }
  });
  if (parsed.OIDCDiscoveryURL) checkCa(parsed.OIDCDiscoveryCACert, 'OIDCDiscoveryCACert');
  else if (parsed.OIDCDiscoveryCACert) throw new AuthMethodError("'OIDCDiscoveryCACert' should not be set unless 'OIDCDiscoveryURL' is set");
  for (const alg of parsed.JWTSupportedAlgs) if (!/^(RS|ES|PS)(256|384|512)$/.test(alg)) throw new AuthMethodError(`Invalid supported algorithm: ${alg}`);
  for (const [field, mapping] of [['ClaimMappings', parsed.ClaimMappings], ['ListClaimMappings', parsed.ListClaimMappings]] as const) {
    const seen = new Set<string>();
    for (const target of Object.values(mapping)) {
      if (seen.has(target)) throw new AuthMethodError(`${field} contains multiple mappings for key ${JSON.stringify(target)}`);
      seen.add(target);
    }
  }
  return { config: parsed, keys };
}

function checkCa(pem: string, field: string): void {
  if (!pem) return;
  try {
    parseCaBundle(pem);
  } catch (err) {
    throw new AuthMethodError(`error checking ${field}: ${(err as Error).message}`);
  }
}

/** A validator for one jwt auth method (config already checked by parseJwtConfig). */
export class JwtValidator implements AuthValidator {
  private readonly config: JwtConfig;
  private readonly keys: KeyObject[];
  private readonly keySet: RemoteKeySet | undefined;
  private readonly oidc: OidcProvider | undefined;

  constructor(
    rawConfig: Record<string, unknown>,
    private readonly now: () => number = Date.now,
  ) {
    const { config, keys } = parseJwtConfig(rawConfig);
    this.config = config;
    this.keys = keys;
    if (config.JWKSURL) this.keySet = new RemoteKeySet(config.JWKSURL, { ca: config.JWKSCACert || undefined, now });
    if (config.OIDCDiscoveryURL) this.oidc = new OidcProvider(config.OIDCDiscoveryURL, config.OIDCDiscoveryCACert || undefined, now);
  }

  /** What Consul's Config.Validate fetches when a method is written: the JWKS, or the discovery document. */
  async checkConfig(): Promise<void> {
    if (this.keySet) {
      try {
        await this.keySet.refresh();
      } catch (err) {
        throw new AuthMethodError(`error checking JWKSURL: fetching keys ${(err as Error).message}`);
      }
    }
    if (this.oidc) {
      try {
        await this.oidc.provider();
      } catch (err) {
        throw new AuthMethodError(`error checking OIDCDiscoveryURL: ${(err as Error).message}`);
      }
    }
  }

  /** The selectable fields and variables every identity of this method has, empty (for validating rules). */
  blankIdentity(): AuthIdentity {
    const value: Record<string, string> = {};
    const vars: Record<string, string> = {};
    for (const k of Object.values(this.config.ClaimMappings)) {
      value[k] = '';
      vars[`value.${k}`] = '';
    }
    const list: Record<string, string[]> = {};
    for (const k of Object.values(this.config.ListClaimMappings)) list[k] = [];
    return { selectable: { value, list }, projectedVars: vars };
  }

  async validateLogin(bearerToken: string): Promise<AuthIdentity> {
    if (bearerToken === '') throw new AuthMethodError('missing jwt');
    const claims = this.oidc ? await this.verifyOidcToken(bearerToken) : await this.verifyVanillaJwt(bearerToken);
    const id = this.blankIdentity();
    const value = id.selectable.value as Record<string, string>;
    const list = id.selectable.list as Record<string, string[]>;
    for (const [source, target] of Object.entries(this.config.ClaimMappings)) {
      const raw = claimAt(claims, source);
      if (raw === undefined || raw === null) continue;
      const s = stringify(raw);
      if (s === undefined) throw new AuthMethodError(`error converting claim '${source}' to string from unknown type ${goTypeName(raw)}`);
      value[target] = s;
      id.projectedVars[`value.${target}`] = s;
    }
    for (const [source, target] of Object.entries(this.config.ListClaimMappings)) {
      const raw = claimAt(claims, source);
      if (raw === undefined || raw === null) continue;
      const items = Array.isArray(raw) ? raw : isPlainObject(raw) ? undefined : [raw];
      if (!items) throw new AuthMethodError(`${JSON.stringify(source)} list claim could not be converted to string list`);
      list[target] = items.flatMap((item) => {
        const s = stringify(item);
        if (s === undefined) throw new AuthMethodError(`value ${JSON.stringify(item)} in ${JSON.stringify(source)} list claim could not be parsed as string`);
        return s === '' ? [] : [s];
      });
    }
    return id;
  }

  /** go-sso's verifyVanillaJWT: static keys or the JWKS, then the time claims, BoundIssuer, BoundAudiences. */
  private async verifyVanillaJwt(token: string): Promise<Record<string, unknown>> {
    let claims: Record<string, unknown>;
    if (this.keySet) {
      let jws: CompactJws;
      try {
        jws = parseCompactJws(token);
      } catch (err) {
        throw new AuthMethodError(`error verifying token: oidc: malformed jwt: ${(err as Error).message}`);
      }
      try {
        await this.keySet.verify(jws.alg, jws.kid, jws.signingInput, jws.signature);
      } catch (err) {
        if (err instanceof KeySetError) throw new AuthMethodError(`error verifying token: ${err.message}`);
        throw err;
      }
      claims = claimsObject(jws.payload, 'failed to unmarshal claims: ');
    } else {
      let jws: CompactJws;
      try {
        jws = parseCompactJws(token);
      } catch (err) {
        throw new AuthMethodError(`error parsing token: ${(err as Error).message}`);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(jws.payload.toString('utf8'));
      } catch (err) {
        throw new AuthMethodError(`error parsing token: ${(err as Error).message}`);
      }
      if (!this.keys.some((key) => verifiesWith(jws.alg, key, jws.signingInput, jws.signature))) throw new AuthMethodError('no known key successfully validated the token signature');
      if (!isPlainObject(parsed)) throw new AuthMethodError(`failed to unmarshal claims: expected an object, got ${typeName(parsed)}`);
      claims = parsed;
    }
    this.checkTimes(claims);
    const iss = typeof claims.iss === 'string' ? claims.iss : '';
    if (this.config.BoundIssuer && this.config.BoundIssuer !== iss) throw new AuthMethodError('error validating claims: go-jose/go-jose/jwt: validation failed, invalid issuer claim (iss)');
    const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string') : [];
    this.checkAudience(aud, true);
    return claims;
  }

  /**
   * go-sso's verifyOIDCToken through go-oidc's IDTokenVerifier (SkipClientIDCheck): the cheap checks on the claims
   * first (issuer, expiry, nbf, algorithm), so that a token refused by them never makes the key set be fetched;
   * then the signature; then BoundAudiences, not strictly (an audience with none bound is fine here).
   */
  private async verifyOidcToken(token: string): Promise<Record<string, unknown>> {
    let provider;
    try {
      provider = await this.oidc!.provider();
    } catch (err) {
      throw new AuthMethodError(`error creating provider: ${(err as Error).message}`);
    }
    const fail = (why: string) => new AuthMethodError(`error validating signature: ${why}`);
    let jws: CompactJws;
    try {
      jws = parseCompactJws(token);
    } catch (err) {
      throw fail(`oidc: malformed jwt: ${(err as Error).message}`);
    }
    const claims = claimsObject(jws.payload, 'error validating signature: oidc: failed to unmarshal claims: ');
    // JSON null is as good as absent to Go's decoder.
    const iss = claims.iss ?? '';
    const exp = claims.exp ?? GO_ZERO_TIME_S;
    const nbf = claims.nbf ?? undefined;
    const aud = audiences(claims.aud);
    if (typeof iss !== 'string') throw fail('oidc: failed to unmarshal claims: json: cannot unmarshal non-string into Go struct field idToken.iss of type string');
    if (typeof exp !== 'number' || !Number.isFinite(exp)) throw fail('oidc: failed to unmarshal claims: exp is not a number');
    if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf))) throw fail('oidc: failed to unmarshal claims: nbf is not a number');
    if (!aud) throw fail('oidc: failed to unmarshal claims: aud is neither a string nor a list of strings');
    if (iss !== provider.issuer) throw fail(`oidc: id token issued by a different provider, expected ${JSON.stringify(provider.issuer)} got ${JSON.stringify(iss)}`);
    const nowMs = this.now();
    if (Math.trunc(exp) * 1000 < nowMs) throw fail(`oidc: token is expired (Token Expiry: ${goTime(Math.trunc(exp) * 1000)})`);
    if (typeof nbf === 'number' && nowMs + OIDC_NBF_LEEWAY_S * 1000 < Math.trunc(nbf) * 1000)
      throw fail(`oidc: current time ${goTime(nowMs)} before the nbf (not before) time: ${goTime(Math.trunc(nbf) * 1000)}`);
    const supported = this.config.JWTSupportedAlgs.length ? this.config.JWTSupportedAlgs : provider.algorithms.length ? provider.algorithms : ['RS256'];
    if (!supported.includes(jws.alg))
      throw fail(`oidc: id token signed with unsupported algorithm, expected [${supported.map((a) => JSON.stringify(a)).join(' ')}] got ${JSON.stringify(jws.alg)}`);
    try {
      await provider.keySet.verify(jws.alg, jws.kid, jws.signingInput, jws.signature);
    } catch (err) {
      if (err instanceof KeySetError) throw fail(`failed to verify signature: ${err.message}`);
      throw err;
    }
    this.checkAudience(aud, false);
    return claims;
  }

  /** go-sso's validateAudience. */
  private checkAudience(aud: string[], strict: boolean): void {
    const bound = this.config.BoundAudiences;
    if (strict && bound.length === 0 && aud.length > 0) throw new AuthMethodError('error validating claims: audience claim found in JWT but no audiences are bound');
    if (bound.length > 0 && !bound.some((b) => aud.includes(b))) throw new AuthMethodError('error validating claims: aud claim does not match any bound audience');
  }

  /** go-sso's defaults for missing time claims, then go-jose's ValidateWithLeeway (seconds, as NumericDate). */
  private checkTimes(claims: Record<string, unknown>): void {
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);
    const iat = num(claims.iat);
    let exp = num(claims.exp);
    let nbf = num(claims.nbf);
    if (iat === 0 && exp === 0 && nbf === 0) throw new AuthMethodError('no issue time, notbefore, or expiration time encoded in token');
    const leeway = (ns: number) => (ns < 0 ? 0 : ns === 0 ? CLAIM_DEFAULT_LEEWAY_S : Math.trunc(ns / 1e9));
    if (exp === 0) exp = Math.max(iat, nbf) + leeway(this.config.ExpirationLeeway);
    if (nbf === 0) nbf = iat !== 0 ? iat : exp - leeway(this.config.NotBeforeLeeway);
    const skew = this.config.ClockSkewLeeway < 0 ? 0 : this.config.ClockSkewLeeway === 0 ? CLOCK_SKEW_DEFAULT_S : this.config.ClockSkewLeeway / 1e9;
    const now = this.now() / 1000;
    const prefix = 'error validating claims: go-jose/go-jose/jwt: ';
    if (now + skew < nbf) throw new AuthMethodError(`${prefix}validation failed, token not valid yet (nbf)`);
    if (now - skew > exp) throw new AuthMethodError(`${prefix}validation failed, token is expired (exp)`);
    if (iat !== 0 && now + skew < iat) throw new AuthMethodError(`${prefix}validation field, token issued in the future (iat)`);
  }
}

/** A public key from PEM: SPKI, PKCS#1 or a certificate (as Vault's certutil.ParsePublicKeyPEM). */
function publicKey(pem: string): KeyObject {
  if (pem.includes('-----BEGIN CERTIFICATE-----')) return new X509Certificate(pem).publicKey;
  const key = createPublicKey(pem);
  if (!['rsa', 'rsa-pss', 'ec', 'ed25519'].includes(key.asymmetricKeyType ?? '')) throw new Error('data does not contain any valid RSA, ECDSA, or ED25519 public keys');
  return key;
}

/** getClaim: a JSON pointer when the name starts with `/`, else the top-level claim. */
function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (!name.startsWith('/')) return claims[name];
  let at: unknown = claims;
  for (const raw of name.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(at) && /^\d+$/.test(part)) at = at[Number(part)];
    else if (isPlainObject(at)) at = at[part];
    else return undefined;
  }
  return at;
}

/** stringifyMetadataValue: strings as they are, booleans, numbers truncated to integers. */
function stringify(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number' && Number.isFinite(v)) return String(Math.trunc(v));
  return undefined;
}

function goTypeName(v: unknown): string {
  if (Array.isArray(v)) return '[]interface {}';
  if (isPlainObject(v)) return 'map[string]interface {}';
  return typeof v;
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '' && v !== false && !(Array.isArray(v) && v.length === 0);
}

function str(v: unknown, field: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new AuthMethodError(`error decoding config: '${field}' expected type 'string', got ${typeName(v)}`);
  return v;
}

function strings(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new AuthMethodError(`error decoding config: '${field}' expected a list of strings, got ${typeName(v)}`);
  return v as string[];
}

function stringMap(v: unknown, field: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isPlainObject(v) || Object.values(v).some((x) => typeof x !== 'string'))
    throw new AuthMethodError(`error decoding config: '${field}' expected a map of strings, got ${typeName(v)}`);
  return v as Record<string, string>;
}

function duration(v: unknown, field: string): number {
  if (v === undefined || v === null || v === '') return 0;
  try {
    return decodeDuration(v, field);
  } catch (err) {
    throw new AuthMethodError(`error decoding config: ${(err as Error).message}`);
  }
}

/** Go's zero time.Time in Unix seconds (a missing `exp` is that, so it has expired). */
const GO_ZERO_TIME_S = -62135596800;

/** Go's time.Time String() in UTC: `2006-01-02 15:04:05.999 +0000 UTC`. */
function goTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  const frac = iso.slice(19, 23).replace(/\.?0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac} +0000 UTC`;
}

function claimsObject(payload: Buffer, prefix: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw new AuthMethodError(`${prefix}${(err as Error).message}`);
  }
  if (!isPlainObject(parsed)) throw new AuthMethodError(`${prefix}expected an object, got ${typeName(parsed)}`);
  return parsed;
}

/** An `aud` claim as a list (a string is a list of one); undefined when it is neither. */
function audiences(aud: unknown): string[] | undefined {
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.every((a) => typeof a === 'string') ? (aud as string[]) : undefined;
  return aud === undefined || aud === null ? [] : undefined;
}
