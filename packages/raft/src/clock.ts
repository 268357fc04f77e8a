/**
 * Time as the driver sees it. RaftNode takes it as an option so the same code runs on the wall clock in
 * production and on the simulator's virtual clock (where a run must be a pure function of its seed).
 */
export interface Clock {
  /** Milliseconds, monotonic enough for deadlines and "last heard from the leader". */
  now(): number;
  /** Calls fn once, about ms later. The returned function cancels the call (a no-op once it has run). */
  after(ms: number, fn: () => void): () => void;
}

/** The real clock: Date.now and setTimeout. */
export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};
