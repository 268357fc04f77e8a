// Consul's blocking query loop: run the query; if its index is above ?index=, answer; otherwise wait for a
// change to exactly what it read (its WatchSet), or the timeout (wait + up to wait/16 jitter), and run it
// again. A timeout answers the current data. A client that goes away stops the wait.
//
// A list filtered by the caller's ACLs (docs/acl.md, "Blocking queries and hidden data") must neither wake its
// caller for, nor show the index of, writes the caller cannot read. Two measures: such endpoints answer an index
// made only of what the token may read where the tables keep one per entry (KV keys and tombstones, per-service
// and per-node session indexes: the loop below needs nothing more for them); for the other filtered lists, a
// re-run whose visible result equals the previous one counts as "not changed" (Consul's ErrNotChanged) and the
// wait goes on (BlockingBehaviour.aclFiltered). A wait that ends by timeout with
// nothing visible changed answers the caller's own index back, not the table's.

import { CoarseTimers, deepEqual, parseGoDuration, WatchSet } from '@conclave/toolkit';
import type { QueryResult } from '@conclave/catalog';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';
import type { ConsistencyMode } from './backend.js';

export const DEFAULT_WAIT_MS = 5 * 60 * 1000;
export const MAX_WAIT_MS = 10 * 60 * 1000;

/**
 * Timeouts of long waits (the default is 5 min) share one Node timer per second (coarse-timers.ts): an agent
 * may hold 100,000 parked queries, each with its own jittered deadline. Such a wait ends up to 1 s late, well
 * inside its wait/16 jitter; short waits keep a precise timer of their own.
 */
const longWaits = new CoarseTimers(1000);
const COARSE_FROM_MS = 10_000;

export interface BlockingOptions {
  minIndex: number;
  waitMs: number;
  mode: ConsistencyMode;
}

/** A run's result that may say ACLs left something out of it (then the answer carries Consul's header; the
 * flag is not part of what a blocked query compares). */
export type MaybeFiltered<T> = QueryResult<T> & { filtered?: boolean };

export interface BlockingBehaviour {
  /** `run` answers a value filtered by the caller's ACLs: with ACLs on, a re-run equal to the previous one is not a
   * change (the wait goes on), and a timeout with nothing visible changed answers the caller's own index. */
  aclFiltered?: boolean;
  /** The same, with or without ACLs: for a read whose index moves with writes it does not show (a summary over a
   * whole table), so that only a change to its answer wakes the caller. */
  unchangedKeepsWaiting?: boolean;
}

/** Parses ?index, ?wait, ?stale/?consistent and ?dc with Consul's error texts. */
export function parseBlockingOptions(call: ApiCall): BlockingOptions {
  call.checkDatacenter();
  const mode = call.consistency();
  const q = call.query;
  if (q.empty) return { minIndex: 0, waitMs: DEFAULT_WAIT_MS, mode };
  let minIndex = 0;
  const index = q.get('index');
  if (index !== undefined && index !== '') {
    if (!/^[0-9]+$/.test(index)) throw new ApiError(400, 'Invalid index');
    minIndex = Number(index);
  }
  let waitMs = DEFAULT_WAIT_MS;
  const wait = q.get('wait');
  if (wait !== undefined && wait !== '') {
    let ns: number;
    try {
      ns = parseGoDuration(wait);
    } catch {
      throw new ApiError(400, 'Invalid wait time');
    }
    if (ns < 0) throw new ApiError(400, 'Invalid wait time');
    waitMs = Math.min(ns / 1e6, MAX_WAIT_MS);
  }
  return { minIndex, waitMs, mode };
}

/**
 * Runs `run` as a blocking query and hands the final result to `respond`. `run` must record what it reads
 * in the WatchSet it is given (undefined when the query does not block).
 */
export async function blockingQuery<T>(
  call: ApiCall,
  opts: BlockingOptions,
  run: (ws: WatchSet | undefined) => QueryResult<T>,
  respond: (result: QueryResult<T>) => void,
  behaviour: BlockingBehaviour = {},
): Promise<void> {
  if (opts.mode === 'consistent') await call.backend.log.barrier();
  if (opts.minIndex === 0) {
    respond(run(undefined));
    return;
  }
  const jitter = Math.random() * (opts.waitMs / 16);
  const deadline = Date.now() + opts.waitMs + jitter;
  const hub = call.backend.state.watches;
  const quiet = behaviour.unchangedKeepsWaiting === true || (behaviour.aclFiltered === true && call.backend.acl !== undefined);
  // What the caller must see beyond to be answered: raised past a re-run that changed nothing visible.
  let floor = opts.minIndex;
  let previous: QueryResult<T> | undefined;
  // Whether every re-run so far equalled the first (then a timeout answers the caller's own index).
  let unchanged = true;
  for (;;) {
    const ws = new WatchSet();
    const result = run(ws);
    if (quiet && previous) {
      if (deepEqual(previous.value, result.value)) floor = Math.max(floor, result.index);
      else unchanged = false;
    }
    // Kept only where a re-run is compared with it: otherwise each parked query would hold its first answer.
    if (quiet) previous ??= result;
    const left = deadline - Date.now();
    if (result.index > floor) {
      respond(result);
      return;
    }
    if (left <= 0) {
      respond(quiet && unchanged ? quietTimeout(result, opts.minIndex) : result);
      return;
    }
    const outcome = await new Promise<'changed' | 'timeout' | 'closed'>((resolve) => {
      let settled = false;
      const finish = (why: 'changed' | 'timeout' | 'closed') => {
        if (settled) return;
        settled = true;
        cancel();
        cancelTimer();
        call.res.off('close', onClose);
        resolve(why);
      };
      const onClose = () => finish('closed');
      const cancel = hub.subscribe(ws, () => finish('changed'));
      const onTimeout = () => finish('timeout');
      let cancelTimer: () => void;
      if (left >= COARSE_FROM_MS) cancelTimer = longWaits.after(left, onTimeout);
      else {
        const timer = setTimeout(onTimeout, left);
        cancelTimer = () => clearTimeout(timer);
      }
      call.res.on('close', onClose);
    });
    if (outcome === 'closed') return;
    if (outcome === 'timeout') {
      const result = run(undefined);
      if (quiet && unchanged && previous && !deepEqual(previous.value, result.value)) unchanged = false;
      respond(quiet && unchanged && previous ? quietTimeout(result, opts.minIndex) : result);
      return;
    }
    if (opts.mode === 'consistent') await call.backend.log.barrier();
  }
}

/** A filtered list's timeout when nothing it shows changed since the wait began: the data, at the index the
 * caller sent (the first run's was not above it), so writes it cannot read do not move the index it sees. */
function quietTimeout<T>(result: QueryResult<T>, minIndex: number): QueryResult<T> {
  return { ...result, index: minIndex };
}
