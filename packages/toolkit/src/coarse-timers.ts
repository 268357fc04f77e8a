// Long timeouts that need not fire to the millisecond, many at once: an agent holding 100,000 parked
// blocking queries, each with a 5–10 minute wait plus random jitter. One Node timer each costs ~250 bytes
// and, since jittered durations are all different, a timer list each in Node's timer heap; here they share
// buckets of `granularityMs` and one Node timer that fires for the earliest bucket. A callback never runs
// early and runs at most granularityMs late.

export class CoarseTimers {
  private readonly buckets = new Map<number, Set<() => void>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The bucket the Node timer is armed for (Infinity: none). */
  private armedSlot = Infinity;

  constructor(
    private readonly granularityMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls fn once, no sooner than ms from now; returns a cancel function. */
  after(ms: number, fn: () => void): () => void {
    const slot = Math.ceil((this.now() + Math.max(0, ms)) / this.granularityMs);
    let set = this.buckets.get(slot);
    if (!set) this.buckets.set(slot, (set = new Set()));
    set.add(fn);
    if (slot < this.armedSlot) this.arm(slot);
    return () => {
      const s = this.buckets.get(slot);
      if (!s) return;
      s.delete(fn);
      if (s.size === 0) this.buckets.delete(slot);
    };
  }

  /** Number of pending callbacks (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const s of this.buckets.values()) n += s.size;
    return n;
  }

  private arm(slot: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedSlot = slot;
    this.timer = setTimeout(() => this.sweep(), Math.max(0, slot * this.granularityMs - this.now()));
    // The sockets of the waiting requests keep the process alive, not this.
    this.timer.unref?.();
  }

  private sweep(): void {
    this.timer = undefined;
    this.armedSlot = Infinity;
    const due = Math.floor(this.now() / this.granularityMs);
    let next = Infinity;
    const fire: Array<Set<() => void>> = [];
    for (const [slot, set] of this.buckets) {
      if (slot <= due) {
        this.buckets.delete(slot);
        fire.push(set);
      } else if (slot < next) next = slot;
    }
    if (next !== Infinity) this.arm(next);
    for (const set of fire) {
      for (const fn of set) {
        try {
          fn();
        } catch {
          // One callback's failure must not stop the others.
        }
      }
    }
  }
}
