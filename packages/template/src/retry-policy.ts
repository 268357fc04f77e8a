// consul-template's retry policy for failing queries (config/retry.go RetryFunc): the delay before retry
// number n (0-based) is backoff × 2^n, capped at max_backoff once 2^n would pass it; after `attempts` retries
// (0 = unlimited) the view gives up and consul-template exits. Disabled retries give up at the first error.
import type { RetrySpec } from './template-config.js';

export const RETRY_DEFAULTS = { attempts: 12, backoffMs: 250, maxBackoffMs: 60_000 } as const;

export interface RetryPolicy {
  /** Delay before the next try after `failures` consecutive failures (1-based, as the watch loops count). */
  delayMs(failures: number): number;
  /** Retries allowed before giving up (the next failure is fatal); undefined = retry forever. */
  maxRetries: number | undefined;
}

export function retryPolicy(spec: RetrySpec = {}): RetryPolicy {
  const enabled = spec.enabled ?? true;
  const attempts = spec.attempts ?? RETRY_DEFAULTS.attempts;
  const base = spec.backoffMs ?? RETRY_DEFAULTS.backoffMs;
  const max = spec.maxBackoffMs ?? RETRY_DEFAULTS.maxBackoffMs;
  return {
    maxRetries: !enabled ? 0 : attempts > 0 ? attempts : undefined,
    delayMs(failures: number): number {
      const retry = Math.max(0, failures - 1);
      if (max > 0 && base > 0) {
        const tillMax = Math.trunc(Math.log2(max / base));
        if (retry > tillMax) return max;
      }
      return Math.pow(2, retry) * base;
    },
  };
}
