// A token bucket: `rate` tokens a second, at most `burst` saved up. The one rate limiter (HTTP request limits,
// the client agent's RPC rate); time is read from an injectable clock so tests decide it.

export class TokenBucket {
  private tokens: number;
  private last: number;

  /** rate: tokens per second (Infinity or a negative number: unlimited); burst: the bucket's size (>= 1). */
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  get unlimited(): boolean {
    return !(this.rate >= 0) || this.rate === Infinity;
  }

  /** Takes one token if there is one; false when the rate is exhausted. */
  take(): boolean {
    if (this.unlimited) return true;
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
