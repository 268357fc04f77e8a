// The blocking-query loop under watches and templates: ask with the last index, hand over each new result, never
// throw. Rules (Consul watch plans and consul-template views):
// - the first successful answer is always delivered; later ones only when X-Consul-Index changed;
// - an index lower than the one we hold (agent state reset, another server) resets to 0 and re-reads at once;
// - consecutive requests start at least `minGapMs` apart, so a churning key cannot spin the loop;
// - errors increment `failures` and wait `retryDelay(failures)`; a success resets it.
import { exponentialBackoff, sleep, type RetryDelay } from '@conclave/toolkit';
import type { ConsulHttp } from './consul-http.js';
import { DEFAULT_BLOCKING_WAIT_MS, type QueryOptions, type QueryParams, type QueryResult } from './query.js';

/** Consul's watch retry: 5 s × failures², at most 180 s. */
export const consulWatchBackoff: RetryDelay = (failures: number) => Math.min(5000 * failures * failures, 180_000);

export interface WatchOptions extends Omit<QueryOptions, 'index' | 'signal'> {
  /** Stops the loop (as stop()). */
  signal?: AbortSignal;
  /** Blocking wait per request; default 5 min (Consul's default). consul-template uses 60 s. */
  waitMs?: number;
  /** Minimum time between the starts of two requests; default 100 ms (consul-template). */
  minGapMs?: number;
  /** Poll period for endpoints that return no index (X-Consul-Index 0); default 1 s. */
  pollIntervalMs?: number;
  /** With stale reads: re-read without `stale` when X-Consul-LastContact exceeds this (consul-template max_stale). */
  maxStaleMs?: number;
  /** Delay before retry number `failures`; default exponentialBackoff(). consulWatchBackoff gives Consul's watch timing. */
  retryDelay?: RetryDelay;
  /** Told about every failed request (and handler exceptions, with the current failure count). */
  onError?: (error: Error, failures: number) => void;
  /** Use a 404 answer as `body: null` (KV keys). Default true. */
  nullOn404?: boolean;
}

export type WatchHandler<T> = (result: QueryResult<T | null>) => void | Promise<void>;

export interface BlockingWatch {
  /** Consecutive failed requests so far (0 after a success). */
  readonly failures: number;
  /** The index the next request will send. */
  readonly index: bigint;
  /** Results delivered so far. */
  readonly deliveries: number;
  /** Resolves once the loop has stopped. */
  readonly done: Promise<void>;
  stop(): void;
}

export function startBlockingWatch<T>(http: ConsulHttp, path: string, params: QueryParams | undefined, onResult: WatchHandler<T>, options: WatchOptions = {}): BlockingWatch {
  const controller = new AbortController();
  const external = options.signal;
  const onExternalAbort = () => controller.abort();
  if (external?.aborted) controller.abort();
  else external?.addEventListener('abort', onExternalAbort, { once: true });
  const signal = controller.signal;

  const waitMs = options.waitMs ?? DEFAULT_BLOCKING_WAIT_MS;
  const minGapMs = options.minGapMs ?? 100;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const fallbackDelay = exponentialBackoff();
  const retryDelay = options.retryDelay ?? fallbackDelay;
  const report = (err: unknown, failures: number) => {
    try {
      options.onError?.(err instanceof Error ? err : new Error(String(err)), failures);
    } catch {
      // A broken error callback must not end the loop.
    }
  };

  const state = { failures: 0, index: 0n, deliveries: 0 };
  const { signal: _s, minGapMs: _g, pollIntervalMs: _p, maxStaleMs, retryDelay: _r, onError: _e, nullOn404, waitMs: _w, ...query } = options;

  const loop = async () => {
    let lastStart = -Infinity;
    let extraWait = 0;
    while (!signal.aborted) {
      const gap = Math.max(minGapMs, extraWait) - (Date.now() - lastStart);
      if (gap > 0) await sleep(gap, signal);
      if (signal.aborted) break;
      lastStart = Date.now();
      extraWait = 0;
      let result: QueryResult<T | null>;
      try {
        const ask = (opts: QueryOptions) =>
          http.read<T | null>(path, params, { ...query, ...opts, index: state.index, waitMs, signal }, { nullOn404: nullOn404 ?? true });
        result = await ask({});
        const stale = query.stale ?? http.consistency === 'stale';
        if (maxStaleMs !== undefined && stale && result.lastContact > maxStaleMs && !signal.aborted) {
          result = await ask({ stale: false });
        }
      } catch (err) {
        if (signal.aborted) break;
        state.failures++;
        report(err, state.failures);
        let delay: number;
        try {
          delay = retryDelay(state.failures);
        } catch {
          delay = fallbackDelay(state.failures);
        }
        await sleep(Number.isFinite(delay) ? delay : fallbackDelay(state.failures), signal);
        continue;
      }
      state.failures = 0;
      if (result.index < state.index) {
        state.index = 0n;
        continue;
      }
      if (result.index === 0n) extraWait = pollIntervalMs;
      else if (state.deliveries > 0 && result.index === state.index) continue;
      state.index = result.index;
      state.deliveries++;
      try {
        await onResult(result);
      } catch (err) {
        report(err, state.failures);
      }
    }
    external?.removeEventListener('abort', onExternalAbort);
  };

  const done = loop();
  return {
    get failures() {
      return state.failures;
    },
    get index() {
      return state.index;
    },
    get deliveries() {
      return state.deliveries;
    },
    done,
    stop: () => controller.abort(),
  };
}
