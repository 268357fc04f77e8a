// Retry delays for loops whose agent or peer is unreachable, and the abortable sleep they wait with. Always
// bounded; jitter keeps many watchers from hammering a restarting agent in lockstep.

export type RetryDelay = (failures: number) => number;

export interface ExponentialBackoffOptions {
  /** Delay after the first failure (before jitter). Default 250 ms, as consul-template's -consul-retry-backoff. */
  baseMs?: number;
  /** Ceiling. Default 60 s, as consul-template's -consul-retry-max-backoff. */
  maxMs?: number;
  /** Spread each delay uniformly over [d × (1 − jitter), d]; `true` is 0.5, `false` is 0 (no jitter). Default 0.5. */
  jitter?: boolean | number;
  random?: () => number;
}

/** base × 2^(failures−1), capped at max, with jitter. */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): RetryDelay {
  const base = options.baseMs ?? 250;
  const max = options.maxMs ?? 60_000;
  const jitter = options.jitter === undefined || options.jitter === true ? 0.5 : options.jitter === false ? 0 : options.jitter;
  const random = options.random ?? Math.random;
  return (failures: number) => {
    const exp = Math.min(Math.max(failures, 1) - 1, 30);
    const d = Math.min(max, base * 2 ** exp);
    return jitter > 0 ? d * (1 - jitter) + random() * d * jitter : d;
  };
}

/** Resolves after `ms`, or at once when the signal aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) {
      resolve();
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
