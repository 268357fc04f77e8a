// go-oidc's IDTokenVerifier as go-sso uses it, for the jwt method's OIDCDiscoveryURL (no client id checked) and
// the oidc method's ID tokens (the audience must hold OIDCClientID). The cheap checks on the claims come first
// (issuer, audience, expiry, nbf, algorithm), so that a token refused by them never makes the key set be fetched;
// then the signature against the provider's keys. Errors are go-oidc's texts, without go-sso's prefix.
import { isPlainObject, typeName } from '@conclave/toolkit';
import { parseCompactJws, type CompactJws } from './jwt-signature.js';
import type { DiscoveredProvider } from './oidc-provider.js';
import { KeySetError } from './remote-key-set.js';

/** go-oidc's leeway on `nbf` (s). */
const OIDC_NBF_LEEWAY_S = 60;

/** Go's zero time.Time in Unix seconds (a missing `exp` is that, so it has expired). */
const GO_ZERO_TIME_S = -62135596800;

export interface IdTokenCheck {
  /** JWTSupportedAlgs; empty: the provider's advertised ones, else RS256. */
  supportedAlgs: string[];
  /** The audience the token must name (the oidc method's client id); undefined: not checked. */
  clientId?: string;
  now: () => number;
}

export interface VerifiedIdToken {
  claims: Record<string, unknown>;
  audiences: string[];
}

/** An id token that does not verify; the message is go-oidc's (`oidc: …`). */
export class IdTokenError extends Error {
  override name = 'IdTokenError';
}

export async function verifyIdToken(provider: DiscoveredProvider, token: string, check: IdTokenCheck): Promise<VerifiedIdToken> {
  let jws: CompactJws;
  try {
    jws = parseCompactJws(token);
  } catch (err) {
    throw new IdTokenError(`oidc: malformed jwt: ${(err as Error).message}`);
  }
  const claims = claimsObject(jws.payload, 'oidc: failed to unmarshal claims: ', IdTokenError);
  // JSON null is as good as absent to Go's decoder.
  const iss = claims.iss ?? '';
  const exp = claims.exp ?? GO_ZERO_TIME_S;
  const nbf = claims.nbf ?? undefined;
  const aud = audiences(claims.aud);
  if (typeof iss !== 'string') throw new IdTokenError('oidc: failed to unmarshal claims: json: cannot unmarshal non-string into Go struct field idToken.iss of type string');
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new IdTokenError('oidc: failed to unmarshal claims: exp is not a number');
  if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf))) throw new IdTokenError('oidc: failed to unmarshal claims: nbf is not a number');
  if (!aud) throw new IdTokenError('oidc: failed to unmarshal claims: aud is neither a string nor a list of strings');
  if (iss !== provider.issuer) throw new IdTokenError(`oidc: id token issued by a different provider, expected ${JSON.stringify(provider.issuer)} got ${JSON.stringify(iss)}`);
  if (check.clientId !== undefined && !aud.includes(check.clientId))
    throw new IdTokenError(`oidc: expected audience ${JSON.stringify(check.clientId)} got [${aud.map((a) => JSON.stringify(a)).join(' ')}]`);
  const nowMs = check.now();
  if (Math.trunc(exp) * 1000 < nowMs) throw new IdTokenError(`oidc: token is expired (Token Expiry: ${goTime(Math.trunc(exp) * 1000)})`);
  if (typeof nbf === 'number' && nowMs + OIDC_NBF_LEEWAY_S * 1000 < Math.trunc(nbf) * 1000)
    throw new IdTokenError(`oidc: current time ${goTime(nowMs)} before the nbf (not before) time: ${goTime(Math.trunc(nbf) * 1000)}`);
  const supported = check.supportedAlgs.length ? check.supportedAlgs : provider.algorithms.length ? provider.algorithms : ['RS256'];
  if (!supported.includes(jws.alg))
    throw new IdTokenError(`oidc: id token signed with unsupported algorithm, expected [${supported.map((a) => JSON.stringify(a)).join(' ')}] got ${JSON.stringify(jws.alg)}`);
  try {
    await provider.keySet.verify(jws.alg, jws.kid, jws.signingInput, jws.signature);
  } catch (err) {
    if (err instanceof KeySetError) throw new IdTokenError(`failed to verify signature: ${err.message}`);
    throw err;
  }
  return { claims, audiences: aud };
}

/** Go's time.Time String() in UTC: `2006-01-02 15:04:05.999 +0000 UTC`. */
export function goTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  const frac = iso.slice(19, 23).replace(/\.?0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac} +0000 UTC`;
}

/** A JWT payload as a JSON object; anything else throws `ErrorType` with `prefix` and the reason. */
export function claimsObject(payload: Buffer, prefix: string, ErrorType: new (message: string) => Error): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw new ErrorType(`${prefix}${(err as Error).message}`);
  }
  if (!isPlainObject(parsed)) throw new ErrorType(`${prefix}expected an object, got ${typeName(parsed)}`);
  return parsed;
}

/** An `aud` claim as a list (a string is a list of one); undefined when it is neither. */
function audiences(aud: unknown): string[] | undefined {
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.every((a) => typeof a === 'string') ? (aud as string[]) : undefined;
  return aud === undefined || aud === null ? [] : undefined;
}
