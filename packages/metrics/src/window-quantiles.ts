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

  /** The value at each quantile (nearest rank) over the observations of the last maxAge; NaN when there were none. */
  quantiles(qs: readonly number[], now: number): number[] {
    const pairs: Array<[number, number]> = [];
    let total = 0;
    for (const b of this.buckets) {
      if (b.count === 0 || now - b.start >= this.maxAgeMs) continue;
      const stored = b.stored;
      const weight = b.count / stored;
      for (let i = 0; i < stored; i++) pairs.push([b.values[i], weight]);
      total += b.count;
    }
    if (pairs.length === 0) return qs.map(() => NaN);
    pairs.sort((a, b) => a[0] - b[0]);
    return qs.map((q) => {
      const rank = Math.max(1, Math.ceil(q * total));
      let seen = 0;
      for (const [v, w] of pairs) {
        seen += w;
        if (seen >= rank - 1e-9) return v;
      }
      return pairs[pairs.length - 1][0];
    });
  }
}
