import type { Clock } from '../../src/clock.js';

/**
 * Virtual time for the simulator: callbacks keyed by the millisecond they are due at. Nothing here
 * reads the real clock, so a run is a pure function of its seed. Callbacks due at the same
 * millisecond run in the order they were scheduled.
 */
export class Scheduler {
  now = 0;
  private due = new Map<number, (() => void)[]>();

  /** Runs fn at virtual time `at`; never in the millisecond being run (work it causes runs after it). */
  at(at: number, fn: () => void): void {
    const t = Math.max(at, this.now + 1);
    const list = this.due.get(t);
    if (list) list.push(fn);
    else this.due.set(t, [fn]);
  }

  /** Runs what is due now. */
  runDue(): void {
    const list = this.due.get(this.now);
    if (!list) return;
    this.due.delete(this.now);
    for (const fn of list) fn();
  }

  /**
   * A node's clock. `scale` > 1 is a slow clock (its milliseconds last longer: clock drift), and
   * `alive` turns it off when the node crashes, so a dead incarnation's timers never fire.
   */
  clock(scale: number, alive: () => boolean): Clock {
    return {
      now: () => Math.floor(this.now / scale),
      after: (ms, fn) => {
        let live = true;
        this.at(this.now + Math.max(1, Math.round(ms * scale)), () => {
          if (live && alive()) fn();
        });
        return () => {
          live = false;
        };
      },
    };
  }
}

/** Lets every promise continuation the last step caused run: microtasks drain before a macrotask. */
export const drainMicrotasks = (): Promise<void> => new Promise((r) => setImmediate(r));
