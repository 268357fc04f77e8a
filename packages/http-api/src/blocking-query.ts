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

import { CoarseTimers, deepEqual, parseGoDuration, WatchSet, type CoarseTimeout, type Waiter } from '@conclave/toolkit';
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
 * in the WatchSet it is given (undefined when the query does not block). Rejects with what `run`, `respond` or a
 * consistent read's barrier throws.
 */
export function blockingQuery<T>(
  call: ApiCall,
  opts: BlockingOptions,
  run: (ws: WatchSet | undefined) => QueryResult<T>,
  respond: (result: QueryResult<T>) => void,
  behaviour: BlockingBehaviour = {},
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const query = new BlockingQuery(call, opts, run, respond, behaviour, resolve, reject);
    if (opts.mode === 'consistent') call.backend.log.barrier().then(() => query.step(), reject);
    else query.step();
  });
}

/** The query parked on each response that has one, for the one shared 'close' listener below. */
const parkedOn = new WeakMap<object, { closed(): void }>();

/** A client that goes away ends its parked query (registered while parked; `this` is the response). */
function onParkedClose(this: object): void {
  parkedOn.get(this)?.closed();
}

/** Node's timer calls this for a short wait, with the query as its argument (no closure per wait). */
function onPreciseTimeout(query: CoarseTimeout): void {
  query.due();
}

/**
 * One blocking query from first run to answer. While parked it is, by itself, the hub's waiter (fire), the
 * coarse timer's item (due) and the target of the close listener: 100,000 parked queries each hold this object,
 * its WatchSet and their table entries, not a suspended async frame, a promise and eight closures with their
 * contexts (~1.2 KB each, docs/benchmarks.md).
 */
class BlockingQuery<T> implements Waiter, CoarseTimeout {
  /** The hub's flag: set when it fires this waiter, and by unpark. */
  done = true;
  private readonly quiet: boolean;
  private readonly deadline: number;
  /** What the caller must see beyond to be answered: raised past a re-run that changed nothing visible. */
  private floor: number;
  /** The first result, kept only where a re-run is compared with it (quiet): otherwise each parked query would
   * hold its first answer. */
  private previous: QueryResult<T> | undefined;
  /** Whether every re-run so far equalled the first (then a timeout answers the caller's own index). */
  private unchanged = true;
  /** While parked: what it waits on, and its timer (a coarse bucket, or a Node timer for a short wait). */
  private ws: WatchSet | undefined;
  private slot = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly call: ApiCall,
    private readonly opts: BlockingOptions,
    private readonly run: (ws: WatchSet | undefined) => QueryResult<T>,
    private readonly respond: (result: QueryResult<T>) => void,
    behaviour: BlockingBehaviour,
    private readonly resolve: () => void,
    private readonly reject: (e: unknown) => void,
  ) {
    this.quiet = behaviour.unchangedKeepsWaiting === true || (behaviour.aclFiltered === true && call.backend.acl !== undefined);
    this.floor = opts.minIndex;
    this.deadline = opts.minIndex === 0 ? 0 : Date.now() + opts.waitMs + Math.random() * (opts.waitMs / 16);
  }

  /** Runs the query: answers, or parks until a change, the deadline or the client's going away. */
  step(): void {
    try {
      if (this.opts.minIndex === 0) return this.answer(this.run(undefined));
      const ws = new WatchSet();
      const result = this.run(ws);
      if (this.quiet) {
        if (this.previous === undefined) this.previous = result;
        else if (deepEqual(this.previous.value, result.value)) this.floor = Math.max(this.floor, result.index);
        else this.unchanged = false;
      }
      const left = this.deadline - Date.now();
      if (result.index > this.floor) return this.answer(result);
      if (left <= 0) return this.answer(this.quiet && this.unchanged ? quietTimeout(result, this.opts.minIndex) : result);
      this.park(ws, left);
    } catch (e) {
      this.reject(e);
    }
  }

  /** The hub: something the last run read changed. The re-run waits for the apply that changed it to finish
   * (a microtask, as an awaited promise did), and for a consistent read's barrier. */
  fire(): void {
    if (!this.unpark()) return;
    queueMicrotask(() => {
      if (this.opts.mode === 'consistent') this.call.backend.log.barrier().then(() => this.step(), this.reject);
      else this.step();
    });
  }

  /** The deadline: answer what is current now. */
  due(): void {
    if (!this.unpark()) return;
    try {
      const result = this.run(undefined);
      if (this.quiet && this.unchanged && this.previous && !deepEqual(this.previous.value, result.value)) this.unchanged = false;
      this.answer(this.quiet && this.unchanged && this.previous ? quietTimeout(result, this.opts.minIndex) : result);
    } catch (e) {
      this.reject(e);
    }
  }

  /** The client went away: nothing to answer. */
  closed(): void {
    if (this.unpark()) this.resolve();
  }

  private answer(result: QueryResult<T>): void {
    this.respond(result);
    this.resolve();
  }

  private park(ws: WatchSet, left: number): void {
    // A client that left while a wake's re-run waited (a consistent read's barrier is a round trip) has had its
    // 'close' already: parked now, it would hold its place until the deadline.
    if (this.call.req.destroyed || this.call.res.destroyed) return this.resolve();
    this.ws = ws;
    this.call.backend.state.watches.park(ws, this);
    if (left >= COARSE_FROM_MS) this.slot = longWaits.schedule(left, this);
    else this.timer = setTimeout(onPreciseTimeout, left, this);
    parkedOn.set(this.call.res, this);
    this.call.res.on('close', onParkedClose);
  }

  /** Ends the park; false when it had already ended (each end runs once). */
  private unpark(): boolean {
    const ws = this.ws;
    if (ws === undefined) return false;
    this.ws = undefined;
    this.call.backend.state.watches.unpark(ws, this);
    if (this.timer !== undefined) clearTimeout(this.timer);
    else longWaits.cancel(this.slot, this);
    this.timer = undefined;
    this.call.res.off('close', onParkedClose);
    parkedOn.delete(this.call.res);
    return true;
  }
}

/** A filtered list's timeout when nothing it shows changed since the wait began: the data, at the index the
 * caller sent (the first run's was not above it), so writes it cannot read do not move the index it sees. */
function quietTimeout<T>(result: QueryResult<T>, minIndex: number): QueryResult<T> {
  return { ...result, index: minIndex };
}
