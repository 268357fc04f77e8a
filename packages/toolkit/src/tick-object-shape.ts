// Keeps one of Node's `process.nextTick` queue entries alive, so that V8 never forgets their hidden class.
//
// Why: nextTick builds each queue entry as an object literal with computed symbol keys
// (`{ [async_id_symbol]: …, [trigger_async_id_symbol]: …, callback, args }`). V8 holds the hidden classes
// ("maps") such a literal goes through only weakly, from their parent's transition table and from optimised
// code. When the process is idle, no entry is alive, and a full GC runs (V8's memory reducer does exactly that
// on an idle process), those maps die; the next entries get new maps, the property-definition sites inside
// nextTick see a new map each time, go megamorphic and stay so. Measured in a bare `node` (20, 22 and 24 alike):
// nextTick costs 40–60 ns warm and 200–400 ns for good after a few idle GCs (tools/bench/tick-shape.mjs). An agent's request runs about six
// ticks (stream ends, socket writes), so an agent that had been idle served KV 10–20 % slower than one that had
// not: the A/B benchmarks of issues 14 and 15 were measuring that, not metrics or ACLs.
//
// One live entry keeps its map, and through the maps' back pointers the whole chain, so new entries reuse them.
// The entry is the one running our own tick: inside a nextTick callback, `executionAsyncResource()` is the queue
// entry being run. (Not an async hook: enabling one, even for a single call, installs V8 promise hooks, which
// invalidates V8's PromiseHook protector for good, and every await in the process got ~8 % slower. What
// executionAsyncResource costs is a flag that routes native callbacks through Node's trampoline: no difference
// measured on a loopback TCP ping-pong, 14.7 µs per round trip either way.) Caught again every minute: a map can
// still be replaced (a field that generalises, e.g. an async id past the small-integer range after billions of
// ids), and the new one would be unprotected until the next catch.
import { executionAsyncResource } from 'node:async_hooks';

const RECATCH_MS = 60_000;

let kept: object | undefined;
let timer: NodeJS.Timeout | undefined;

function catchOne(): void {
  process.nextTick(function keep() {
    const entry = executionAsyncResource() as { callback?: unknown };
    // Only a nextTick entry runs this function (anything else would keep the wrong shape).
    if (entry.callback === keep) kept = entry;
  });
}

/** Starts keeping a nextTick entry alive for the life of the process (idempotent; the timer is unref'd). */
export function keepTickObjectShape(): void {
  if (timer !== undefined) return;
  catchOne();
  timer = setInterval(catchOne, RECATCH_MS);
  timer.unref();
}

/** The entry being kept, if any (for tests). */
export function keptTickObject(): object | undefined {
  return kept;
}
