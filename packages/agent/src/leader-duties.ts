// What the leader does besides answering: reconcile gossip membership into the catalog (on every membership
// event, on gaining leadership and every minute), run the session TTL timers, and reap KV tombstones. In -dev
// the agent is always the leader; on a server these follow Raft leadership; a client has none of them.
import type { SessionTimers } from '@conclave/state';
import type { Logger } from '@conclave/toolkit';
import type { TombstoneReaper } from './tombstone-reaper.js';

/** How often the leader reconciles gossip membership into the catalog besides every membership event (Consul: 60s). */
export const RECONCILE_INTERVAL_MS = 60_000;
/** How often the leader records the index for tombstone reaping. */
export const TOMBSTONE_TICK_MS = 60_000;

export interface LeaderDutiesOptions {
  isLeader: () => boolean;
  /** Gossip membership into the catalog; undefined while gossip is off. */
  reconciler: () => { reconcile(): Promise<void> } | undefined;
  sessionTimers: Pick<SessionTimers, 'start' | 'stop'>;
  tombstones: Pick<TombstoneReaper, 'tick' | 'reset'>;
  logger: Logger;
  reconcileIntervalMs?: number;
  tombstoneTickMs?: number;
  /** Once on gaining leadership (and at start in -dev): the autopilot configuration's first write, acl.tokens.initial_management. */
  onLeader?: () => void;
}

export class LeaderDuties {
  private reconcileTimer: NodeJS.Timeout | undefined;
  private tombstoneTimer: NodeJS.Timeout | undefined;
  private leading = false;

  constructor(private readonly o: LeaderDutiesOptions) {}

  /** Starts the periodic duties; `alwaysLeader` (-dev) starts the session timers at once. */
  start(alwaysLeader: boolean): void {
    if (alwaysLeader) {
      this.o.sessionTimers.start();
      this.o.onLeader?.();
    }
    this.reconcileTimer = setInterval(() => this.reconcile(), this.o.reconcileIntervalMs ?? RECONCILE_INTERVAL_MS);
    this.reconcileTimer.unref();
    this.tombstoneTimer = setInterval(() => {
      if (!this.o.isLeader()) return this.o.tombstones.reset();
      this.o.tombstones.tick().catch((err) => this.o.logger.warn('Tombstone reaping failed', { error: err }));
    }, this.o.tombstoneTickMs ?? TOMBSTONE_TICK_MS);
    this.tombstoneTimer.unref();
  }

  /** Raft leadership changed (server mode). */
  onLeadership(leader: boolean): void {
    if (leader) {
      this.leading = true;
      this.o.logger.info('cluster leadership acquired');
      this.reconcile();
      this.o.sessionTimers.start();
      this.o.onLeader?.();
    } else {
      // Raft tells every state change; only a leader that steps down has lost leadership.
      if (this.leading) this.o.logger.info('cluster leadership lost');
      this.leading = false;
      this.o.sessionTimers.stop();
    }
  }

  /** Leader only: gossip membership into the catalog (serfHealth, the servers' `consul` service). */
  reconcile(): void {
    const reconciler = this.o.reconciler();
    if (!reconciler || !this.o.isLeader()) return;
    reconciler.reconcile().catch((err) => this.o.logger.warn('Member reconcile failed', { error: err }));
  }

  stop(): void {
    this.o.sessionTimers.stop();
    clearInterval(this.reconcileTimer);
    clearInterval(this.tombstoneTimer);
  }
}
