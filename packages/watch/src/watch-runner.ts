// Runs one watch: the blocking-query loop of @conclave/client on the definition's read, plus Consul's plan rules on
// top (api/watch/plan.go):
// - the first successful result always runs the handler, even empty (`null` for a missing key);
// - later results run it only when the index changed (the client's loop) AND the data differs (deep equality
//   with the last result handed over), so one change never runs it twice;
// - an index going backwards resets to 0 (the client's loop); errors back off 5 s × failures², at most 180 s;
// - the handler runs inside the loop, so never concurrently with itself; changes that arrive meanwhile are read by
//   the next request, which returns at once with the latest data, so the handler runs once more with it.
import { consulWatchBackoff, type ConsulClient } from '@conclave/client';
import { deepEqual, silentLogger, sleep, type Logger, type RetryDelay } from '@conclave/toolkit';
import { resolveServiceTarget } from './service-target.js';
import type { WatchDefinition } from './watch-definition.js';
import type { WatchHandler } from './watch-handler.js';
import { buildWatchQuery, type ServiceTarget } from './watch-query.js';

export interface WatchRunOptions {
  client: ConsulClient;
  handler: WatchHandler;
  logger?: Logger;
  /** Delay before retry number `failures`; default Consul's 5 s × failures², max 180 s. */
  retryDelay?: RetryDelay;
  /** Blocking wait per request; default the agent's (5 min). */
  waitMs?: number;
  /** Minimum gap between request starts; default 100 ms. */
  minGapMs?: number;
  signal?: AbortSignal;
}

export interface RunningWatch {
  /** Handler runs started so far. */
  readonly invocations: number;
  /** Consecutive failed reads (0 after a success). */
  readonly failures: number;
  /** Index of the last result read. */
  readonly index: bigint;
  /** The service and tags a `service` watch reads, once resolved. */
  readonly target: ServiceTarget | undefined;
  /** Resolves when the watch has stopped and its last handler run has finished. */
  readonly done: Promise<void>;
  stop(): void;
}

export function startWatch(def: WatchDefinition, options: WatchRunOptions): RunningWatch {
  const controller = new AbortController();
  const external = options.signal;
  const onExternalAbort = () => controller.abort();
  if (external?.aborted) controller.abort();
  else external?.addEventListener('abort', onExternalAbort, { once: true });
  const signal = controller.signal;
  const logger = options.logger ?? silentLogger;
  const retryDelay = options.retryDelay ?? consulWatchBackoff;
  const queryOptions = { datacenter: def.datacenter || undefined, token: def.token || undefined, stale: def.stale || undefined };

  const state = {
    invocations: 0,
    failures: 0,
    index: 0n,
    target: undefined as ServiceTarget | undefined,
    handled: false,
    lastResult: undefined as unknown,
    previousIndex: undefined as bigint | undefined,
  };

  // The client's loop, once started: it knows the failure count after successes that deliver nothing new.
  let loopRef: { readonly failures: number } | undefined;

  const logError = (err: Error, failures: number) => {
    state.failures = failures;
    logger.error('Watch errored', { type: def.type, error: err, retry: `${retryDelay(failures) / 1000}s` });
  };

  const resolveTarget = async (): Promise<ServiceTarget | undefined> => {
    if (def.type !== 'service') return undefined;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const t = await resolveServiceTarget(options.client, def.service!, def.tags, { ...queryOptions, signal });
        if (t.split) logger.info('No service by that name; watching the tagged service instead', { service: def.service, watching: t.service, tag: t.tags[0] });
        state.failures = 0;
        return { service: t.service, tags: t.tags };
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        logError(err as Error, failures);
        await sleep(retryDelay(failures), signal);
      }
    }
    return undefined;
  };

  const run = async () => {
    const target = await resolveTarget();
    if (signal.aborted) return;
    state.target = target;
    const query = buildWatchQuery(def, target);
    const loop = options.client.watch<unknown>(
      query.path,
      query.params,
      async (result) => {
        state.failures = 0;
        const previous = state.previousIndex;
        state.previousIndex = result.index;
        state.index = result.index;
        let data: unknown;
        try {
          // `previous` even when the index went down: the event-list index is a hash of the newest event's ID, so
          // it goes down as often as up, and the events after the last one handed over are still the new ones.
          data = query.select(result.body, previous);
        } catch (err) {
          logger.error('Watch result not understood', { type: def.type, error: err as Error });
          return;
        }
        if (state.handled && deepEqual(state.lastResult, data)) {
          logger.trace('Watch result unchanged', { type: def.type, index: result.index });
          return;
        }
        state.handled = true;
        state.lastResult = data;
        state.invocations++;
        try {
          await options.handler(result.index, data, signal);
        } catch (err) {
          logger.error('Watch handler failed', { type: def.type, error: err as Error });
        }
      },
      { ...queryOptions, signal, retryDelay, waitMs: options.waitMs, minGapMs: options.minGapMs, onError: logError },
    );
    loopRef = loop;
    await loop.done;
  };

  const done = run().finally(() => external?.removeEventListener('abort', onExternalAbort));
  return {
    get invocations() {
      return state.invocations;
    },
    get failures() {
      return loopRef ? loopRef.failures : state.failures;
    },
    get index() {
      return state.index;
    },
    get target() {
      return state.target;
    },
    done,
    stop: () => controller.abort(),
  };
}
