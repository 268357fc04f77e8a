// Keeps one dependency's value current: blocking queries resumed from the last index (or polling for
// endpoints that do not block: datacenters, agent self, files), delivering only real changes, retrying
// with exponential backoff and jitter while the agent is unreachable. Never throws; stop() ends it.
import { deepEqual, exponentialBackoff, sleep, type RetryDelay } from '@conclave/toolkit';
import { Dependency } from './dependency.js';
import { DependencySource, FetchResult, fetchDependency } from './dependency-source.js';

export interface WatchHandle {
  stop(): void;
  /** Resolves once the loop has ended. */
  readonly done: Promise<void>;
}

/** A source that runs its own blocking-query loop (e.g. the HTTP client's); optional. */
export interface WatchingSource extends DependencySource {
  watch?(
    request: NonNullable<Dependency['request']>,
    onResult: (r: FetchResult) => void,
    options: { waitMs: number; signal: AbortSignal; onError: (e: Error, failures: number) => void; retryDelayMs?: (failures: number) => number },
  ): { stop(): void; done: Promise<void> };
}

export interface DependencyWatchOptions {
  /** Blocking wait per query (consul-template's block_query_wait, 60 s). */
  waitMs?: number;
  /** Minimum time between two queries of the same dependency (100 ms). */
  minGapMs?: number;
  /** Retry delay after `failures` consecutive errors. */
  retryDelayMs?: (failures: number) => number;
  onError?: (dep: Dependency, error: Error, failures: number) => void;
}

/** 250 ms doubling up to 60 s, with up to 25 % jitter. */
export const defaultRetryDelay: RetryDelay = exponentialBackoff({ baseMs: 250, maxMs: 60_000, jitter: 0.25 });

export function watchDependency(
  dep: Dependency,
  source: WatchingSource,
  /** The decoded value, and the agent's reply it came from (what de-duplication mode publishes). */
  onValue: (value: unknown, raw: unknown) => void,
  options: DependencyWatchOptions = {},
): WatchHandle {
  const controller = new AbortController();
  const signal = controller.signal;
  const waitMs = options.waitMs ?? 60_000;
  const minGapMs = options.minGapMs ?? 100;
  const retryDelay = options.retryDelayMs ?? defaultRetryDelay;
  const report = (e: unknown, failures: number): void => {
    try {
      options.onError?.(dep, e instanceof Error ? e : new Error(String(e)), failures);
    } catch {
      // A faulty error callback must not end the watch.
    }
  };
  // The last raw reply delivered (a copy: consumers may change what they are given), to skip replies that change nothing.
  let last: { raw: unknown } | undefined;
  const deliver = (raw: unknown, decoded: unknown): void => {
    if (last && deepEqual(last.raw, raw)) return;
    last = { raw: structuredClone(raw) };
    onValue(decoded, raw);
  };

  // The client's own blocking loop, when the source has one and the endpoint blocks.
  if (dep.request && dep.pollIntervalMs === undefined && source.watch) {
    const inner = source.watch(
      dep.request,
      (r) => {
        try {
          deliver(r.data, dep.decode(r.data));
        } catch (e) {
          report(e, 0);
        }
      },
      { waitMs, signal, onError: (e, n) => report(e, n), retryDelayMs: options.retryDelayMs },
    );
    return {
      stop: () => {
        controller.abort();
        inner.stop();
      },
      done: inner.done,
    };
  }

  const loop = async (): Promise<void> => {
    let index = 0n;
    let failures = 0;
    let lastStart = -Infinity;
    while (!signal.aborted) {
      const polling = dep.pollIntervalMs !== undefined;
      const gap = (polling && lastStart !== -Infinity ? dep.pollIntervalMs! : minGapMs) - (Date.now() - lastStart);
      if (gap > 0) await sleep(gap, signal);
      if (signal.aborted) break;
      lastStart = Date.now();
      try {
        if (dep.kind === 'file') {
          const { value } = await fetchDependency(dep, source, { index: 0n });
          failures = 0;
          deliver(value, value);
          continue;
        }
        const r = await source.fetch(dep.request!, { index: polling ? 0n : index, waitMs, signal });
        failures = 0;
        // An index that goes backwards means the agent's state was reset: start over.
        if (!polling && r.index < index) {
          index = 0n;
          continue;
        }
        if (!polling) index = r.index;
        const data = dep.refine ? await dep.refine(r.data, source, signal) : r.data;
        deliver(data, dep.decode(data));
      } catch (e) {
        if (signal.aborted) break;
        failures++;
        report(e, failures);
        await sleep(retryDelay(failures), signal);
      }
    }
  };
  const done = loop();
  return { stop: () => controller.abort(), done };
}
