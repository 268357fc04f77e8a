// A compact JWS split into its parts, and the one rule for which algorithm may verify with which key (go-jose's):
// RS*/PS* with RSA keys, ES* with an EC key on the matching curve, EdDSA with Ed25519. `none` and HMAC never verify.
import type { KeyObject } from 'node:crypto';
import { isPlainObject, lazyNode } from '@conclave/toolkit';

export interface CompactJws {
  header: Record<string, unknown>;
  alg: string;
  kid: string | undefined;
  /** The payload's bytes (the claims JSON, not yet parsed). */
  payload: Buffer;
  /** What the signature covers: `<header>.<payload>` as sent. */
  signingInput: Buffer;
  signature: Buffer;
}

/** Throws go-jose's texts (callers add their prefix: `error parsing token: `, `oidc: malformed jwt: `). */
export function parseCompactJws(token: string): CompactJws {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('go-jose/go-jose: compact JWS format must have three parts');
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
  } catch (err) {
    throw new Error((err as Error).message);
  }
  if (!isPlainObject(header) || typeof header.alg !== 'string') throw new Error('go-jose/go-jose: missing or invalid alg header');
  return {
    header,
    alg: header.alg,
    kid: typeof header.kid === 'string' && header.kid !== '' ? header.kid : undefined,
    payload: Buffer.from(parts[1]!, 'base64url'),
    signingInput: Buffer.from(`${parts[0]}.${parts[1]}`),
    signature: Buffer.from(parts[2]!, 'base64url'),
  };
}

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };
const CURVE: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

/** go-jose verifies only with an algorithm that fits the key's type (and, for ECDSA, its curve). */
export function verifiesWith(alg: string, key: KeyObject, data: Buffer, sig: Buffer): boolean {
  const crypto = lazyNode.crypto();
  const type = key.asymmetricKeyType;
  try {
    if (/^RS(256|384|512)$/.test(alg) && type === 'rsa') return crypto.verify(HASH[alg.slice(2)]!, data, key, sig);
    if (/^PS(256|384|512)$/.test(alg) && (type === 'rsa' || type === 'rsa-pss'))
      return crypto.verify(HASH[alg.slice(2)]!, data, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 }, sig);
    if (/^ES(256|384|512)$/.test(alg) && type === 'ec' && key.asymmetricKeyDetails?.namedCurve === CURVE[alg])
      return crypto.verify(HASH[alg.slice(2)]!, data, { key, dsaEncoding: 'ieee-p1363' }, sig);
    if (alg === 'EdDSA' && type === 'ed25519') return crypto.verify(null, data, key, sig);
  } catch {
    return false;
  }
  return false;
}
