// Long timeouts that need not fire to the millisecond, many at once: an agent holding 100,000 parked
// blocking queries, each with a 5–10 minute wait plus random jitter. One Node timer each costs ~250 bytes
// and, since jittered durations are all different, a timer list each in Node's timer heap; here they share
// buckets of `granularityMs` and one Node timer that fires for the earliest bucket. A callback never runs
// early and runs at most granularityMs late.

/** What a bucket holds: the object whose `due()` runs when its time comes (a parked query is its own). */
export interface CoarseTimeout {
  due(): void;
}

export class CoarseTimers {
  private readonly buckets = new Map<number, Set<CoarseTimeout>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The bucket the Node timer is armed for (Infinity: none). */
  private armedSlot = Infinity;

  constructor(
    private readonly granularityMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Calls item.due() once, no sooner than ms from now; returns the bucket, which `cancel` takes. Allocates
   * nothing per call beyond the bucket's entry: a caller holding many at once keeps no closure for each.
   */
  schedule(ms: number, item: CoarseTimeout): number {
    const slot = Math.ceil((this.now() + Math.max(0, ms)) / this.granularityMs);
    let set = this.buckets.get(slot);
    if (!set) this.buckets.set(slot, (set = new Set()));
    set.add(item);
    if (slot < this.armedSlot) this.arm(slot);
    return slot;
  }

  /** Cancels a scheduled item; harmless when it already ran or was cancelled. */
  cancel(slot: number, item: CoarseTimeout): void {
    const s = this.buckets.get(slot);
    if (!s) return;
    s.delete(item);
    if (s.size === 0) this.buckets.delete(slot);
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
    const fire: Array<Set<CoarseTimeout>> = [];
    for (const [slot, set] of this.buckets) {
      if (slot <= due) {
        this.buckets.delete(slot);
        fire.push(set);
      } else if (slot < next) next = slot;
    }
    if (next !== Infinity) this.arm(next);
    for (const set of fire) {
      for (const item of set) {
        try {
          item.due();
        } catch {
          // One callback's failure must not stop the others.
        }
      }
    }
  }
}
