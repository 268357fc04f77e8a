// Retry delays for blocking loops whose agent is unreachable. Always bounded; jitter keeps many watchers from
// hammering a restarting agent in lockstep.

export type RetryDelay = (failures: number) => number;

export interface ExponentialBackoffOptions {
  /** Delay after the first failure (before jitter). Default 250 ms, as consul-template's -consul-retry-backoff. */
  baseMs?: number;
  /** Ceiling. Default 60 s, as consul-template's -consul-retry-max-backoff. */
  maxMs?: number;
  /** Spread each delay uniformly over [d/2, d]. Default true. */
  jitter?: boolean;
  random?: () => number;
}

/** base × 2^(failures−1), capped, with jitter. */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): RetryDelay {
  const base = options.baseMs ?? 250;
  const max = options.maxMs ?? 60_000;
  const jitter = options.jitter ?? true;
  const random = options.random ?? Math.random;
  return (failures: number) => {
    const exp = Math.min(Math.max(failures, 1) - 1, 30);
    const d = Math.min(max, base * 2 ** exp);
    return jitter ? d / 2 + random() * (d / 2) : d;
  };
}

/** Consul's watch retry: 5 s × failures², at most 180 s. */
export const consulWatchBackoff: RetryDelay = (failures: number) => Math.min(5000 * failures * failures, 180_000);

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
