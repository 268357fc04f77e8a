// A JSON Web Key Set fetched from a URL and cached (go-oidc's RemoteKeySet, as Consul's jwt auth method uses it for
// JWKSURL and for the jwks_uri OIDC discovery names). A token is checked against the cached keys first (those
// with its `kid`, or all when it names none); only when no cached key verifies it (mostly an unknown `kid`: the
// provider rotated) is the set fetched again. Unlike go-oidc, which fetches on every failed verification, fetches
// are at most one per MIN_REFETCH_MS (the first one aside), so a stream of tokens naming made-up key ids costs
// the URL one request per interval, and concurrent logins share the fetch in flight. A failed fetch keeps the keys
// already cached and is remembered: until the interval passes, logins that need a fetch get its error at once.
import type { KeyObject } from 'node:crypto';
import { boundedGet, isPlainObject, lazyNode } from '@conclave/toolkit';
import { verifiesWith } from './jwt-signature.js';
import { ThrottledFetch } from './throttled-fetch.js';

/** One key of the set that can verify signatures. */
export interface JsonWebKey {
  kid: string | undefined;
  /** The key's own `alg`, when it names one: then only that algorithm verifies with it. */
  alg: string | undefined;
  key: KeyObject;
}

export interface RemoteKeySetOptions {
  ca?: string;
  /** The clock the refetch interval is measured on (ms). */
  now?: () => number;
}

/** A fetch more often than this is refused (the refetch for an unknown kid waits for the next interval). */
export const MIN_REFETCH_MS = 10_000;
export const FETCH_TIMEOUT_MS = 10_000;
/** JWKS documents are a few kilobytes; this is a generous ceiling, not a size anyone should reach. */
export const MAX_JWKS_BYTES = 1 << 20;
export const MAX_JWKS_KEYS = 100;

/** A token the set does not verify, or a set that could not be fetched (go-oidc's texts, with more said when a
 * refetch was held back). */
export class KeySetError extends Error {
  override name = 'KeySetError';
}

export class RemoteKeySet {
  private keys: JsonWebKey[] = [];
  private fetchedOnce = false;
  private readonly now: () => number;
  private readonly fetcher: ThrottledFetch<JsonWebKey[]>;

  constructor(
    readonly url: string,
    opts: RemoteKeySetOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.fetcher = new ThrottledFetch(
      async () => {
        this.keys = await fetchKeySet(url, opts.ca);
        this.fetchedOnce = true;
        return this.keys;
      },
      this.now,
      MIN_REFETCH_MS,
    );
  }

  /** Fetches the set now (the check Consul makes when a method is written); throws go-oidc's texts. */
  async refresh(): Promise<void> {
    await this.fetcher.run();
  }

  /**
   * Resolves when a key of the set verifies `sig` over `data` with `alg`; rejects with KeySetError: `fetching keys
   * <why>` when the set could not be fetched, `failed to verify id token signature` otherwise.
   */
  async verify(alg: string, kid: string | undefined, data: Buffer, sig: Buffer): Promise<void> {
    const matches = (keys: JsonWebKey[]) => keys.some((k) => (kid === undefined || k.kid === kid) && (k.alg === undefined || k.alg === alg) && verifiesWith(alg, k.key, data, sig));
    if (this.fetchedOnce && matches(this.keys)) return;
    // No cached key verifies it. Most often the token names a key the provider added since (rotation); a key id
    // we hold that fails may be one the provider reused for a new key, so that fetches too (a forged token wastes
    // at most the interval's one fetch).
    const f = this.fetcher;
    let keys: JsonWebKey[];
    if (f.pending) keys = await this.fetchOrThrow(f.pending);
    else if (f.tooSoon()) {
      if (f.lastError && !this.fetchedOnce) throw new KeySetError(`fetching keys ${f.lastError.message}`);
      const ago = Math.max(0, Math.floor((this.now() - f.lastAttempt!) / 1000));
      const what =
        kid === undefined
          ? 'no cached key verifies it'
          : this.keys.some((k) => k.kid === kid)
            ? `key ${JSON.stringify(kid)} does not verify it`
            : `key ${JSON.stringify(kid)} is not in the key set`;
      const last = f.lastError ? `the last fetch ${ago}s ago failed: ${f.lastError.message}` : `it was fetched ${ago}s ago`;
      throw new KeySetError(`failed to verify id token signature (${what}; ${last}; it is fetched at most every ${MIN_REFETCH_MS / 1000}s)`);
    } else keys = await this.fetchOrThrow(f.run());
    if (!matches(keys)) throw new KeySetError('failed to verify id token signature');
  }

  private async fetchOrThrow(p: Promise<JsonWebKey[]>): Promise<JsonWebKey[]> {
    try {
      return await p;
    } catch (err) {
      throw new KeySetError(`fetching keys ${(err as Error).message}`);
    }
  }
}

/** go-oidc's updateKeys: GET, 200 only, a JSON Web Key Set. */
export async function fetchKeySet(url: string, ca: string | undefined): Promise<JsonWebKey[]> {
  let res;
  try {
    res = await boundedGet(url, { ca, timeoutMs: FETCH_TIMEOUT_MS, maxBytes: MAX_JWKS_BYTES });
  } catch (err) {
    throw new Error(`oidc: get keys failed ${(err as Error).message}`);
  }
  if (res.status !== 200) throw new Error(`oidc: get keys failed: ${res.statusLine} ${snippet(res.body)}`);
  try {
    return parseKeySet(res.body, res.contentType);
  } catch (err) {
    throw new Error(`oidc: failed to decode keys: ${(err as Error).message}`);
  }
}

/**
 * The usable signature keys of a JWKS document. As RFC 7517 §5 asks, keys of a type we do not know, missing
 * members or out of range are ignored, and so are encryption keys (`use` other than `sig`) and symmetric ones
 * (`oct`: HMAC never verifies here); only public members are read. A set whose keys are all unusable is refused.
 */
export function parseKeySet(body: Buffer, contentType = ''): JsonWebKey[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (err) {
    const ct = contentType.split(';')[0]!.trim().toLowerCase();
    const why = (err as Error).message;
    throw new Error(ct === 'application/json' ? `got Content-Type = application/json, but could not unmarshal as JSON: ${why}` : `expected Content-Type = application/json, got ${JSON.stringify(contentType)}: ${why}`);
  }
  if (!isPlainObject(doc) || !Array.isArray(doc.keys)) throw new Error('a JSON Web Key Set is an object with a "keys" array');
  if (doc.keys.length > MAX_JWKS_KEYS) throw new Error(`the key set holds ${doc.keys.length} keys, more than ${MAX_JWKS_KEYS}`);
  const keys: JsonWebKey[] = [];
  for (const jwk of doc.keys) {
    const k = publicJwk(jwk);
    if (k) keys.push(k);
  }
  if (doc.keys.length > 0 && keys.length === 0) throw new Error(`none of the ${doc.keys.length} keys is a usable signature key (RSA, EC P-256/P-384/P-521 or Ed25519)`);
  return keys;
}

function publicJwk(jwk: unknown): JsonWebKey | undefined {
  if (!isPlainObject(jwk) || typeof jwk.kty !== 'string') return undefined;
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  const pick = (...names: string[]) => {
    const out: Record<string, string> = { kty: jwk.kty as string };
    for (const n of names) {
      if (typeof jwk[n] !== 'string') return undefined;
      out[n] = jwk[n] as string;
    }
    return out;
  };
  const members = jwk.kty === 'RSA' ? pick('n', 'e') : jwk.kty === 'EC' ? pick('crv', 'x', 'y') : jwk.kty === 'OKP' && jwk.crv === 'Ed25519' ? pick('crv', 'x') : undefined;
  if (!members) return undefined;
  let key: KeyObject;
  try {
    key = lazyNode.crypto().createPublicKey({ key: members, format: 'jwk' });
  } catch {
    return undefined;
  }
  return { kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, alg: typeof jwk.alg === 'string' ? jwk.alg : undefined, key };
}

/** A server's error body in our error text: printable, short. */
export function snippet(body: Buffer): string {
  const text = body.subarray(0, 512).toString('utf8').replace(/[^\x20-\x7e]+/g, ' ').trim();
  return body.length > 512 ? `${text}…` : text;
}
