// At most one call of an expensive function per period: a caller arriving sooner waits for the next slot and
// shares its result with everyone else waiting. The Prometheus endpoint goes through one, so scrapers hammering
// it get a bounded number of renderings (and answers) a second however fast they ask, and whatever else the
// process serves (KV) keeps its CPU. Clock and timer are injected for tests.

export interface PacedOptions {
  periodMs: number;
  now?: () => number;
  /** Runs `fn` after `ms`; default setTimeout. */
  schedule?: (fn: () => void, ms: number) => void;
}

export class Paced<T> {
  private last = -Infinity;
  private waiting: Promise<T> | undefined;
  private readonly now: () => number;
  private readonly schedule: (fn: () => void, ms: number) => void;
  /** How many times `fn` ran. */
  calls = 0;

  constructor(
    private readonly fn: () => T,
    private readonly options: PacedOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.schedule = options.schedule ?? ((f, ms) => void setTimeout(f, ms));
  }

  get(): Promise<T> {
    if (this.waiting) return this.waiting;
    const wait = this.last + this.options.periodMs - this.now();
    if (wait <= 0) return Promise.resolve(this.run());
    this.waiting = new Promise((resolve, reject) =>
      this.schedule(() => {
        this.waiting = undefined;
        try {
          resolve(this.run());
        } catch (err) {
          reject(err);
        }
      }, wait),
    );
    return this.waiting;
  }

  private run(): T {
    this.last = this.now();
    this.calls++;
    return this.fn();
  }
}
