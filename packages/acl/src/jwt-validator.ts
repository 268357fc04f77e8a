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
import type { KeyObject } from 'node:crypto';
import { isPlainObject, lazyNode, typeName } from '@conclave/toolkit';
import { AuthMethodError, type AuthIdentity, type AuthValidator } from './auth-method.js';
import { blankClaimsIdentity, checkClaimMappings, identityFromClaims } from './claim-mappings.js';
import { checkCa, checkSupportedAlgs, duration, present, str, stringMap, strings } from './config-fields.js';
import { IdTokenError, claimsObject, verifyIdToken } from './id-token.js';
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
  checkSupportedAlgs(parsed.JWTSupportedAlgs);
  checkClaimMappings(parsed);
  return { config: parsed, keys };
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
    return blankClaimsIdentity(this.config);
  }

  async validateLogin(bearerToken: string): Promise<AuthIdentity> {
    if (bearerToken === '') throw new AuthMethodError('missing jwt');
    const claims = this.oidc ? await this.verifyOidcToken(bearerToken) : await this.verifyVanillaJwt(bearerToken);
    return identityFromClaims(this.config, claims);
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
      claims = claimsObject(jws.payload, 'failed to unmarshal claims: ', AuthMethodError);
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
    checkBoundAudiences(this.config.BoundAudiences, aud, true);
    return claims;
  }

  /** go-sso's verifyOIDCToken with go-oidc's verifier (SkipClientIDCheck), then BoundAudiences, not strictly (an
   * audience with none bound is fine here). */
  private async verifyOidcToken(token: string): Promise<Record<string, unknown>> {
    let provider;
    try {
      provider = await this.oidc!.provider();
    } catch (err) {
      throw new AuthMethodError(`error creating provider: ${(err as Error).message}`);
    }
    let verified;
    try {
      verified = await verifyIdToken(provider, token, { supportedAlgs: this.config.JWTSupportedAlgs, now: this.now });
    } catch (err) {
      if (err instanceof IdTokenError) throw new AuthMethodError(`error validating signature: ${err.message}`);
      throw err;
    }
    checkBoundAudiences(this.config.BoundAudiences, verified.audiences, false);
    return verified.claims;
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
  if (pem.includes('-----BEGIN CERTIFICATE-----')) return new (lazyNode.crypto().X509Certificate)(pem).publicKey;
  const key = lazyNode.crypto().createPublicKey(pem);
  if (!['rsa', 'rsa-pss', 'ec', 'ed25519'].includes(key.asymmetricKeyType ?? '')) throw new Error('data does not contain any valid RSA, ECDSA, or ED25519 public keys');
  return key;
}

/** go-sso's validateAudience, `error validating claims: ` included. */
export function checkBoundAudiences(bound: string[], aud: string[], strict: boolean): void {
  if (strict && bound.length === 0 && aud.length > 0) throw new AuthMethodError('error validating claims: audience claim found in JWT but no audiences are bound');
  if (bound.length > 0 && !bound.some((b) => aud.includes(b))) throw new AuthMethodError('error validating claims: aud claim does not match any bound audience');
}
