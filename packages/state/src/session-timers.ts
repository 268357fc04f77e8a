// Session TTLs live on the leader, outside the log (a renew is not a write, as in Consul): one timer per
// session with a TTL, reset by renew, firing after 2 × TTL (Consul's grace), which proposes session.destroy
// stamped with the leader's clock. The timers follow the sessions table through its watch topic, so sessions
// created by any path (HTTP, txn, replication, snapshot restore) get a timer and destroyed ones lose it.

import { parseGoDuration, WatchSet } from '@conclave/toolkit';
import type { SessionDestroyCommand } from './session-commands.js';
import type { Session } from './session-commands.js';
import { TOPIC_SESSIONS } from './session-state.js';
import type { StateMachine } from './state-machine.js';

/** Consul's SessionTTLMultiplier: a session expires after twice its TTL without renewal. */
export const SESSION_TTL_MULTIPLIER = 2;

export interface SessionTimersOptions {
  state: StateMachine;
  /** Proposes the destroy through the log. */
  propose: (command: SessionDestroyCommand) => Promise<unknown>;
  /** Clock for the destroy's `Now` (default Date.now). */
  now?: () => number;
  onExpire?: (session: Session) => void;
  onError?: (err: unknown) => void;
}

export class SessionTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private cancelWatch: (() => void) | undefined;
  private running = false;

  constructor(private readonly opts: SessionTimersOptions) {}

  /** Starts timers for every session with a TTL and follows the table from now on. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.follow();
  }

  stop(): void {
    this.running = false;
    this.cancelWatch?.();
    this.cancelWatch = undefined;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** Resets the session's timer; answers the session, or undefined when it does not exist. */
  renew(id: string): Session | undefined {
    const s = this.opts.state.sessions.get(id);
    if (!s) return undefined;
    if (this.running && s.TTL) this.arm(s);
    return s;
  }

  /** Number of sessions with a running timer (for tests and metrics). */
  get size(): number {
    return this.timers.size;
  }

  private follow(): void {
    this.cancelWatch?.();
    this.cancelWatch = undefined;
    if (!this.running) return;
    const ws = new WatchSet();
    const sessions = this.opts.state.sessions.list(ws).value;
    const live = new Set<string>();
    for (const s of sessions) {
      if (!s.TTL) continue;
      live.add(s.ID);
      if (!this.timers.has(s.ID)) this.arm(s);
    }
    for (const [id, t] of this.timers) {
      if (live.has(id)) continue;
      clearTimeout(t);
      this.timers.delete(id);
    }
    // The hub fires once, inside apply: look again just after it, then subscribe afresh.
    this.cancelWatch = this.opts.state.watches.subscribe(ws, () => queueMicrotask(() => this.follow()));
  }

  private arm(s: Session): void {
    const old = this.timers.get(s.ID);
    if (old) clearTimeout(old);
    let ttlNs: number;
    try {
      ttlNs = parseGoDuration(s.TTL);
    } catch {
      return;
    }
    const t = setTimeout(() => this.expire(s.ID), (ttlNs / 1e6) * SESSION_TTL_MULTIPLIER);
    t.unref();
    this.timers.set(s.ID, t);
  }

  private expire(id: string): void {
    this.timers.delete(id);
    const s = this.opts.state.sessions.get(id);
    if (!s || !this.running) return;
    this.opts.onExpire?.(s);
    const now = (this.opts.now ?? Date.now)();
    this.opts.propose({ type: 'session.destroy', ID: id, Now: now }).catch((err) => this.opts.onError?.(err));
  }
}
