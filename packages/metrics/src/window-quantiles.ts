// The quantiles of a Prometheus summary as go-metrics configures it (MaxAge 10 s, client_golang's 5 age buckets):
// what was observed in the last 10 s, in five 2-second buckets that expire in turn. A bucket keeps up to CAP values
// and beyond that a uniform sample of them (reservoir sampling), so memory stays bounded under any load and an
// observation costs a comparison and a store; the sorting happens at scrape time. The sampling uses a fixed-seed
// xorshift, so a run is reproducible.

const CAP = 512;

let seed = 0x9e3779b9;

/** xorshift32: a uniform integer in [0, n). */
function randomBelow(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}

class Bucket {
  start = 0;
  count = 0;
  values = new Float64Array(16);

  reset(start: number): void {
    this.start = start;
    this.count = 0;
  }

  add(v: number): void {
    const n = this.count++;
    if (n < CAP) {
      if (n === this.values.length) {
        const grown = new Float64Array(Math.min(CAP, n * 2));
        grown.set(this.values);
        this.values = grown;
      }
      this.values[n] = v;
      return;
    }
    const j = randomBelow(n + 1);
    if (j < CAP) this.values[j] = v;
  }

  get stored(): number {
    return Math.min(this.count, CAP);
  }
}

export class WindowQuantiles {
  private readonly buckets: Bucket[];
  private readonly span: number;
  private head = 0;

  constructor(
    private readonly maxAgeMs = 10_000,
    ageBuckets = 5,
  ) {
    this.span = maxAgeMs / ageBuckets;
    this.buckets = Array.from({ length: ageBuckets }, () => new Bucket());
    this.buckets[0].start = -Infinity;
  }

  observe(v: number, now: number): void {
    let b = this.buckets[this.head];
    if (now - b.start >= this.span) {
      this.head = (this.head + 1) % this.buckets.length;
      b = this.buckets[this.head];
      b.reset(now);
    }
    b.add(v);
  }

  /** The value at each quantile (`qs` ascending; nearest rank) over the observations of the last maxAge; NaN when
   * there were none. */
  quantiles(qs: readonly number[], now: number): number[] {
    let stored = 0;
    let total = 0;
    let uniform = true;
    for (const b of this.buckets) {
      if (b.count === 0 || now - b.start >= this.maxAgeMs) continue;
      stored += b.stored;
      total += b.count;
      if (b.count !== b.stored) uniform = false;
    }
    if (stored === 0) return qs.map(() => NaN);
    const values = new Float64Array(stored);
    let at = 0;
    for (const b of this.buckets) {
      if (b.count === 0 || now - b.start >= this.maxAgeMs) continue;
      const n = b.stored;
      values.set(b.values.subarray(0, n), at);
      at += n;
    }
    if (uniform) {
      // Every observation kept: a numeric sort of a typed array and the nearest rank.
      values.sort();
      return qs.map((q) => values[Math.min(stored, Math.max(1, Math.ceil(q * total))) - 1]);
    }
    // Sampled buckets stand for more observations than they keep: each bucket's values sorted on their own (a
    // numeric typed-array sort), then merged in order, summing each value's weight up to the rank.
    const runs: Array<{ v: Float64Array; w: number; i: number }> = [];
    at = 0;
    for (const b of this.buckets) {
      if (b.count === 0 || now - b.start >= this.maxAgeMs) continue;
      const v = values.subarray(at, at + b.stored).sort();
      runs.push({ v, w: b.count / b.stored, i: 0 });
      at += b.stored;
    }
    const ranks = qs.map((q) => Math.max(1, Math.ceil(q * total)) - 1e-9);
    const out = qs.map(() => NaN);
    let seen = 0;
    let next = 0;
    let last = NaN;
    while (next < ranks.length) {
      let best: { v: Float64Array; w: number; i: number } | undefined;
      for (const r of runs) if (r.i < r.v.length && (!best || r.v[r.i] < best.v[best.i])) best = r;
      if (!best) break;
      last = best.v[best.i++];
      seen += best.w;
      while (next < ranks.length && seen >= ranks[next]) out[next++] = last;
    }
    while (next < ranks.length) out[next++] = last;
    return out;
  }
}
