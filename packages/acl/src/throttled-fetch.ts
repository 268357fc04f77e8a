// One remote document fetched on demand by many concurrent logins (a JWKS, an OIDC discovery document): callers
// share the fetch in flight, and the last attempt's time and error are kept so that the owner can refuse to fetch
// again within an interval (a hostile stream of tokens must not make the agent hammer the URL).

export class ThrottledFetch<T> {
  private inflight: Promise<T> | undefined;
  /** When the last fetch started (the owner's clock), undefined before the first. */
  lastAttempt: number | undefined;
  /** The last fetch's error; cleared by a fetch that succeeds. */
  lastError: Error | undefined;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly now: () => number,
    private readonly minIntervalMs: number,
  ) {}

  /** The fetch in flight, if any. */
  get pending(): Promise<T> | undefined {
    return this.inflight;
  }

  /** Whether a fetch now would start within the interval of the last one (a clock gone backwards holds none back). */
  tooSoon(): boolean {
    if (this.lastAttempt === undefined) return false;
    const elapsed = this.now() - this.lastAttempt;
    return elapsed >= 0 && elapsed < this.minIntervalMs;
  }

  /** The fetch in flight, else a new one. */
  run(): Promise<T> {
    if (this.inflight) return this.inflight;
    this.lastAttempt = this.now();
    const p = this.load().then(
      (v) => {
        this.lastError = undefined;
        return v;
      },
      (err: Error) => {
        this.lastError = err;
        throw err;
      },
    );
    this.inflight = p;
    const clear = () => {
      if (this.inflight === p) this.inflight = undefined;
    };
    p.then(clear, clear);
    return p;
  }
}
