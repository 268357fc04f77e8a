// The OIDC flow's pending logins (go-sso's oidcStates): an auth URL request leaves a random state id with its
// nonce, redirect URI, client nonce and token Meta; the callback takes it back exactly once. States expire after
// OIDC_STATE_TTL_MS on the injected clock. The store is bounded in entries and bytes, so that unauthenticated auth
// URL requests cannot grow the server's memory: when full, the oldest pending logins are dropped (their callbacks
// then read "Expired or missing OAuth state."), and one request larger than MAX_OIDC_STATE_BYTES is refused.
import { lazyNode } from '@conclave/toolkit';

/** go-sso's oidcStateTimeout. */
export const OIDC_STATE_TTL_MS = 10 * 60_000;
/** Pending logins held per auth method. */
export const MAX_OIDC_STATES = 4096;
/** Their total size per auth method (an estimate: the UTF-16 length of what they hold). */
export const MAX_OIDC_STATES_BYTES = 4 << 20;
/** One pending login's size at most (redirect URI, client nonce and Meta). */
export const MAX_OIDC_STATE_BYTES = 64 << 10;

export interface PendingLogin {
  /** The nonce the provider must put in the id token. */
  nonce: string;
  redirectUri: string;
  /** The caller's ClientNonce at auth-url time ('' when none was given). */
  clientNonce: string;
  meta: Record<string, string>;
}

interface Held extends PendingLogin {
  expiresAt: number;
  bytes: number;
}

export class OidcStateStore {
  private readonly states = new Map<string, Held>();
  private bytes = 0;

  constructor(
    private readonly now: () => number,
    private readonly limits: { maxStates: number; maxBytes: number } = { maxStates: MAX_OIDC_STATES, maxBytes: MAX_OIDC_STATES_BYTES },
  ) {}

  get size(): number {
    return this.states.size;
  }

  /** Holds a pending login; returns its state id and nonce (20 random bytes each, in hex, as go-sso makes them).
   * Throws when the login alone is larger than MAX_OIDC_STATE_BYTES. */
  create(login: Omit<PendingLogin, 'nonce'>): { state: string; nonce: string } {
    const bytes = 2 * (80 + login.redirectUri.length + login.clientNonce.length + Object.entries(login.meta).reduce((n, [k, v]) => n + k.length + v.length, 0));
    if (bytes > MAX_OIDC_STATE_BYTES) throw new Error(`the login is too large to hold: ${bytes} bytes, at most ${MAX_OIDC_STATE_BYTES}`);
    this.sweep();
    // Insertion order is expiry order: the first entries are the oldest.
    for (const [id, held] of this.states) {
      if (this.states.size < this.limits.maxStates && this.bytes + bytes <= this.limits.maxBytes) break;
      this.drop(id, held);
    }
    const random = lazyNode.crypto().randomBytes(40);
    const state = random.subarray(0, 20).toString('hex');
    const nonce = random.subarray(20).toString('hex');
    this.states.set(state, { ...login, nonce, expiresAt: this.now() + OIDC_STATE_TTL_MS, bytes });
    this.bytes += bytes;
    return { state, nonce };
  }

  /** The pending login of `state`, removed whether or not it is still valid; undefined when unknown or expired. */
  take(state: string): PendingLogin | undefined {
    this.sweep();
    const held = this.states.get(state);
    if (!held) return undefined;
    this.drop(state, held);
    const { expiresAt, bytes: _bytes, ...login } = held;
    return expiresAt > this.now() ? login : undefined;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, held] of this.states) {
      if (held.expiresAt > now) break;
      this.drop(id, held);
    }
  }

  private drop(id: string, held: Held): void {
    this.states.delete(id);
    this.bytes -= held.bytes;
  }
}
