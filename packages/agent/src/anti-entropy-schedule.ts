// When anti-entropy runs its next full sync. Like Consul (agent/ae), the wait is the interval plus a random
// stagger of up to `interval × scaleFactor(cluster size)`, so that in a big cluster the agents' full syncs
// spread out and do not all hit the servers in the same minute; FullSyncScheduler runs them.

/** Above this many LAN members the stagger doubles each time the cluster doubles (Consul's scaleThreshold). */
export const SCALE_THRESHOLD = 128;

/** 1 up to 128 members; then ceil(log2(nodes) - log2(128)) + 1: 2 up to 256, 3 up to 512, ..., 7 at 8192. */
export function scaleFactor(nodes: number): number {
  if (!(nodes > SCALE_THRESHOLD)) return 1;
  return Math.ceil(Math.log2(nodes) - Math.log2(SCALE_THRESHOLD)) + 1;
}

/** Consul's RandomStagger: a uniform random duration in [0, ms). `random` returns a number in [0, 1). */
export function randomStagger(ms: number, random: () => number = Math.random): number {
  return ms <= 0 ? 0 : Math.floor(random() * ms);
}

/** Milliseconds until the next full sync: `intervalMs + randomStagger(intervalMs × scaleFactor(nodes))`. */
export function nextFullSyncDelayMs(intervalMs: number, nodes: number, random: () => number = Math.random): number {
  return intervalMs + randomStagger(intervalMs * scaleFactor(nodes), random);
}

/** Consul's retryFailIntv: a failed full sync is tried again after this (plus the stagger). */
export const RETRY_FAIL_INTERVAL_MS = 15_000;
/** Consul's serverUpIntv: after a server joins, a full sync runs within this × scaleFactor. */
export const SERVER_UP_INTERVAL_MS = 3_000;

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface FullSyncSchedulerOptions {
  /** One full sync (anti-entropy's periodic run). */
  run: () => Promise<void>;
  /** The LAN member count the stagger scales with. */
  clusterSize: () => number;
  onError: (err: unknown) => void;
  intervalMs?: number;
  random?: () => number;
  timers?: Timers;
}

/** Runs anti-entropy's periodic full sync as Consul's StateSyncer does: every interval plus the cluster-size
 * stagger; after a failure, again after RETRY_FAIL_INTERVAL_MS plus the stagger; and within a staggered
 * SERVER_UP_INTERVAL_MS when a server joins. One run at a time: the next is scheduled when a run ends. */
export class FullSyncScheduler {
  private timer: unknown;
  private running = false;
  private serverUpPending = false;
  private stopped = false;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly intervalMs: number;

  constructor(private readonly o: FullSyncSchedulerOptions) {
    this.timers = o.timers ?? realTimers;
    this.random = o.random ?? Math.random;
    this.intervalMs = o.intervalMs ?? 60_000;
  }

  /** Schedules the first periodic run (the agent syncs once at start on its own). */
  start(): void {
    this.schedule(nextFullSyncDelayMs(this.intervalMs, this.o.clusterSize(), this.random));
  }

  /** A server joined: run a full sync soon (Consul's ServerUp trigger). */
  serverUp(): void {
    if (this.stopped) return;
    if (this.running) {
      this.serverUpPending = true;
      return;
    }
    this.schedule(this.serverUpDelay());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }

  private serverUpDelay(): number {
    return randomStagger(SERVER_UP_INTERVAL_MS * scaleFactor(this.o.clusterSize()), this.random);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = this.timers.set(() => this.fire(), ms);
  }

  private fire(): void {
    this.timer = undefined;
    this.running = true;
    this.o.run().then(
      () => this.finished(this.intervalMs),
      (err: unknown) => {
        this.o.onError(err);
        this.finished(RETRY_FAIL_INTERVAL_MS);
      },
    );
  }

  private finished(baseMs: number): void {
    this.running = false;
    if (this.serverUpPending) {
      this.serverUpPending = false;
      this.schedule(this.serverUpDelay());
    } else {
      this.schedule(nextFullSyncDelayMs(baseMs, this.o.clusterSize(), this.random));
    }
  }
}
