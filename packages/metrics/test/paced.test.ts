// One call per period, later callers sharing the next slot's result: on a manual clock and scheduler.
import { expect, it } from 'vitest';
import { Paced } from '../src/index.js';

it('runs at once when the period has passed, otherwise once at the next slot for everyone waiting', async () => {
  const clock = { now: 1000 };
  const timers: Array<{ at: number; fn: () => void }> = [];
  let n = 0;
  const paced = new Paced(() => ++n, { periodMs: 100, now: () => clock.now, schedule: (fn, ms) => timers.push({ at: clock.now + ms, fn }) });
  expect(await paced.get()).toBe(1);
  clock.now = 1030;
  const waiting = [paced.get(), paced.get(), paced.get()];
  expect(timers.map((t) => t.at)).toEqual([1100]);
  clock.now = 1100;
  timers.shift()!.fn();
  expect(await Promise.all(waiting)).toEqual([2, 2, 2]);
  clock.now = 1250;
  expect(await paced.get()).toBe(3);
  expect(paced.calls).toBe(3);
  expect(timers).toEqual([]);
});
