// Anti-entropy's schedule around CatalogSync: a sync on every local change, retried with backoff (1 s doubling
// to a minute) when it fails (no leader yet, server unreachable), and the periodic full sync staggered by
// cluster size (anti-entropy-schedule.ts).
import { formatGoDuration, type Logger } from '@conclave/toolkit';
import { FullSyncScheduler } from './anti-entropy-schedule.js';

/** Anti-entropy's full sync interval before the cluster-size stagger: Consul's 1 minute. */
export const FULL_SYNC_INTERVAL_MS = 60_000;
/** First retry of a failed catalog sync; doubles up to MAX_SYNC_RETRY_MS. */
export const SYNC_RETRY_MS = 1000;
export const MAX_SYNC_RETRY_MS = 60_000;

export interface SyncLoopOptions {
  sync: { sync(): Promise<unknown>; fullSync(): Promise<void> };
  clusterSize: () => number;
  logger: Logger;
  fullSyncIntervalMs?: number;
}

export class SyncLoop {
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = SYNC_RETRY_MS;
  private readonly fullSyncs: FullSyncScheduler;
  private stopped = false;

  constructor(private readonly o: SyncLoopOptions) {
    this.fullSyncs = new FullSyncScheduler({
      run: () => o.sync.fullSync(),
      clusterSize: o.clusterSize,
      // Consul's agent.anti_entropy line.
      onError: (err) => o.logger.error('failed to sync remote state', { error: err }),
      intervalMs: o.fullSyncIntervalMs ?? FULL_SYNC_INTERVAL_MS,
    });
  }

  /** Syncs the local services and checks now; on failure retries with backoff until one sync succeeds. */
  request(): void {
    void this.o.sync.sync().then(
      () => {
        this.retryMs = SYNC_RETRY_MS;
      },
      (err: unknown) => {
        if (this.stopped) return;
        this.o.logger.error('failed to sync remote state', { error: err, retry_in: formatGoDuration(this.retryMs * 1e6) });
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.request(), this.retryMs);
        this.retryTimer.unref();
        this.retryMs = Math.min(this.retryMs * 2, MAX_SYNC_RETRY_MS);
      },
    );
  }

  /** The first sync and the periodic full syncs. */
  start(): void {
    this.request();
    this.fullSyncs.start();
  }

  /** Consul's ServerUp: a client syncs soon after a server of its datacenter (re)appears. */
  serverUp(): void {
    this.fullSyncs.serverUp();
  }

  stop(): void {
    this.stopped = true;
    this.fullSyncs.stop();
    clearTimeout(this.retryTimer);
  }
}
