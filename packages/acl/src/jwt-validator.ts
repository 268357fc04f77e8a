// The `jwt` auth method with static keys (Consul's go-sso verifyVanillaJWT): the bearer token's signature is
// checked against JWTValidationPubKeys with node:crypto (RS*, PS*, ES*, EdDSA), then its time claims with the
// configured leeways, BoundIssuer and BoundAudiences; ClaimMappings and ListClaimMappings pick the claims that
// binding rules select on (`value.<name>`, `list.<name>`) and interpolate (`${value.<name>}`).
// JWKSURL and OIDCDiscoveryURL are not supported: configuring them is refused, not ignored.
import { X509Certificate, constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { decodeDuration, isPlainObject, typeName } from '@conclave/toolkit';
import { AuthMethodError, type AuthIdentity, type AuthValidator } from './auth-method.js';

export interface JwtConfig {
  JWTValidationPubKeys: string[];
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

const UNSUPPORTED = ['JWKSURL', 'JWKSCACert', 'OIDCDiscoveryURL', 'OIDCDiscoveryCACert'];
const OIDC_ONLY = ['OIDCClientID', 'OIDCClientSecret', 'OIDCScopes', 'OIDCACRValues', 'AllowedRedirectURIs', 'VerboseOIDCLogging'];

/** Reads and checks a jwt auth method's Config (Consul's texts, without the `Invalid Auth Method: ` prefix). */
export function parseJwtConfig(config: Record<string, unknown>): { config: JwtConfig; keys: KeyObject[] } {
  for (const k of OIDC_ONLY) if (present(config[k])) throw new AuthMethodError(`'${k}' must not be set for type "jwt"`);
  const keysPem = strings(config.JWTValidationPubKeys, 'JWTValidationPubKeys');
  const others = UNSUPPORTED.filter((k) => present(config[k]));
  if (others.length) throw new AuthMethodError(`${others.map((k) => `'${k}'`).join(', ')} is not supported here; use 'JWTValidationPubKeys'`);
  if (keysPem.length === 0) throw new AuthMethodError(`exactly one of 'JWTValidationPubKeys', 'JWKSURL', or 'OIDCDiscoveryURL' must be set for type "jwt"`);
  const keys = keysPem.map((pem, i) => {
    try {
      return publicKey(pem);
    } catch (err) {
      throw new AuthMethodError(`error parsing public key JWTValidationPubKeys[${i}]: ${(err as Error).message}`);
    }
  });
  for (const alg of strings(config.JWTSupportedAlgs, 'JWTSupportedAlgs'))
    if (!/^(RS|ES|PS)(256|384|512)$/.test(alg)) throw new AuthMethodError(`Invalid supported algorithm: ${alg}`);
  const parsed: JwtConfig = {
    JWTValidationPubKeys: keysPem,
    BoundIssuer: str(config.BoundIssuer, 'BoundIssuer'),
    BoundAudiences: strings(config.BoundAudiences, 'BoundAudiences'),
    ClaimMappings: stringMap(config.ClaimMappings, 'ClaimMappings'),
    ListClaimMappings: stringMap(config.ListClaimMappings, 'ListClaimMappings'),
    ExpirationLeeway: duration(config.ExpirationLeeway, 'ExpirationLeeway'),
    NotBeforeLeeway: duration(config.NotBeforeLeeway, 'NotBeforeLeeway'),
    ClockSkewLeeway: duration(config.ClockSkewLeeway, 'ClockSkewLeeway'),
  };
  for (const [field, mapping] of [['ClaimMappings', parsed.ClaimMappings], ['ListClaimMappings', parsed.ListClaimMappings]] as const) {
    const seen = new Set<string>();
    for (const target of Object.values(mapping)) {
      if (seen.has(target)) throw new AuthMethodError(`${field} contains multiple mappings for key ${JSON.stringify(target)}`);
      seen.add(target);
    }
  }
  return { config: parsed, keys };
}

/** A validator for one jwt auth method (config already checked by parseJwtConfig). */
export class JwtValidator implements AuthValidator {
  private readonly config: JwtConfig;
  private readonly keys: KeyObject[];

  constructor(
    rawConfig: Record<string, unknown>,
    private readonly now: () => number = Date.now,
  ) {
    const { config, keys } = parseJwtConfig(rawConfig);
    this.config = config;
    this.keys = keys;
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
    const claims = this.verifySignature(bearerToken);
    this.checkTimes(claims);
    const iss = typeof claims.iss === 'string' ? claims.iss : '';
    if (this.config.BoundIssuer && this.config.BoundIssuer !== iss) throw new AuthMethodError('error validating claims: go-jose/go-jose/jwt: validation failed, invalid issuer claim (iss)');
    const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string') : [];
    if (this.config.BoundAudiences.length === 0 && aud.length > 0) throw new AuthMethodError('error validating claims: audience claim found in JWT but no audiences are bound');
    if (this.config.BoundAudiences.length > 0 && !this.config.BoundAudiences.some((b) => aud.includes(b)))
      throw new AuthMethodError('error validating claims: aud claim does not match any bound audience');
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

  private verifySignature(token: string): Record<string, unknown> {
    const parts = token.split('.');
    if (parts.length !== 3) throw new AuthMethodError('error parsing token: go-jose/go-jose: compact JWS format must have three parts');
    let header: unknown;
    let claims: unknown;
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    } catch (err) {
      throw new AuthMethodError(`error parsing token: ${(err as Error).message}`);
    }
    if (!isPlainObject(header) || typeof header.alg !== 'string') throw new AuthMethodError('error parsing token: go-jose/go-jose: missing or invalid alg header');
    const data = Buffer.from(`${parts[0]}.${parts[1]}`);
    const sig = Buffer.from(parts[2]!, 'base64url');
    const alg = header.alg;
    if (!this.keys.some((key) => verifiesWith(alg, key, data, sig))) throw new AuthMethodError('no known key successfully validated the token signature');
    if (!isPlainObject(claims)) throw new AuthMethodError(`failed to unmarshal claims: expected an object, got ${typeName(claims)}`);
    return claims;
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

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };
const CURVE: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

/** go-jose verifies only with an algorithm that fits the key's type (and, for ECDSA, its curve). */
function verifiesWith(alg: string, key: KeyObject, data: Buffer, sig: Buffer): boolean {
  const type = key.asymmetricKeyType;
  try {
    if (/^RS(256|384|512)$/.test(alg) && type === 'rsa') return verify(HASH[alg.slice(2)]!, data, key, sig);
    if (/^PS(256|384|512)$/.test(alg) && (type === 'rsa' || type === 'rsa-pss'))
      return verify(HASH[alg.slice(2)]!, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 }, sig);
    if (/^ES(256|384|512)$/.test(alg) && type === 'ec' && key.asymmetricKeyDetails?.namedCurve === CURVE[alg])
      return verify(HASH[alg.slice(2)]!, data, { key, dsaEncoding: 'ieee-p1363' }, sig);
    if (alg === 'EdDSA' && type === 'ed25519') return verify(null, data, key, sig);
  } catch {
    return false;
  }
  return false;
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
