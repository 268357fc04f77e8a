import { describe, expect, it } from 'vitest';
import { FullSyncScheduler, nextFullSyncDelayMs, randomStagger, scaleFactor, type Timers } from '../src/anti-entropy-schedule.js';

describe('anti-entropy schedule', () => {
  it('scales with the LAN member count as Consul does (factor 1 up to 128, +1 per doubling)', () => {
    const cases: Array<[number, number]> = [
      [0, 1],
      [1, 1],
      [3, 1],
      [128, 1],
      [129, 2],
      [256, 2],
      [257, 3],
      [512, 3],
      [513, 4],
      [1024, 4],
      [4096, 6],
      // Consul's comment says 8 at 8192 nodes; its formula (followed here) gives 7.
      [8192, 7],
      [8193, 8],
    ];
    for (const [nodes, factor] of cases) expect([nodes, scaleFactor(nodes)]).toEqual([nodes, factor]);
  });

  it('treats a count that is not a number as a small cluster', () => {
    expect(scaleFactor(Number.NaN)).toBe(1);
    expect(scaleFactor(-5)).toBe(1);
  });

  it('staggers uniformly below the scaled interval', () => {
    expect(randomStagger(60_000, () => 0)).toBe(0);
    expect(randomStagger(60_000, () => 0.5)).toBe(30_000);
    expect(randomStagger(60_000, () => 0.999999)).toBe(59_999);
    expect(randomStagger(0, () => 0.5)).toBe(0);
  });

  it('waits the interval plus a stagger of up to interval × factor', () => {
    const at = (nodes: number, r: number) => nextFullSyncDelayMs(60_000, nodes, () => r);
    // Up to 128 members: 60 s to just under 120 s.
    expect(at(3, 0)).toBe(60_000);
    expect(at(3, 0.999999)).toBe(119_999);
    // 200 members (factor 2): up to 60 s + 120 s.
    expect(at(200, 0.5)).toBe(120_000);
    expect(at(200, 0.999999)).toBe(179_999);
    // 8192 members (factor 7): up to 60 s + 420 s.
    expect(at(8192, 0.999999)).toBe(479_999);
  });

  it('draws a different stagger for each run with the default random source', () => {
    const delays = new Set(Array.from({ length: 50 }, () => nextFullSyncDelayMs(60_000, 3)));
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(60_000);
      expect(d).toBeLessThan(120_000);
    }
    expect(delays.size).toBeGreaterThan(1);
  });
});

/** Timers driven by the test: `advance` fires what is due, in order. */
class ManualTimers implements Timers {
  now = 0;
  private next = 1;
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  set(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.due.set(id, { at: this.now + ms, fn });
    return id;
  }
  clear(handle: unknown): void {
    this.due.delete(handle as number);
  }
  /** When the one pending timer fires (the scheduler keeps at most one). */
  pending(): number[] {
    return [...this.due.values()].map((t) => t.at - this.now);
  }
  async advance(ms: number): Promise<void> {
    const until = this.now + ms;
    for (;;) {
      const first = [...this.due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!first || first[1].at > until) break;
      this.due.delete(first[0]);
      this.now = first[1].at;
      first[1].fn();
      await new Promise((r) => setImmediate(r)); // let the run's promise settle
    }
    this.now = until;
  }
}

describe('FullSyncScheduler', () => {
  function setup(opts: { size?: number; fail?: () => boolean } = {}) {
    const timers = new ManualTimers();
    const runs: number[] = [];
    const errors: unknown[] = [];
    let release: (() => void) | undefined;
    let hold = false;
    const scheduler = new FullSyncScheduler({
      run: () => {
        runs.push(timers.now);
        if (hold) return new Promise<void>((r) => (release = r));
        return opts.fail?.() ? Promise.reject(new Error('No known Consul servers')) : Promise.resolve();
      },
      clusterSize: () => opts.size ?? 3,
      onError: (err) => errors.push(err),
      random: () => 0.5,
      timers,
    });
    return { timers, runs, errors, scheduler, holdRuns: () => (hold = true), release: () => release?.() };
  }

  it('runs every interval plus half the scaled stagger (random 0.5), one timer at a time', async () => {
    const { timers, runs, scheduler } = setup({ size: 200 });
    scheduler.start();
    expect(timers.pending()).toEqual([60_000 + 60_000]); // factor 2: stagger up to 120 s
    await timers.advance(120_000);
    expect(runs).toEqual([120_000]);
    expect(timers.pending()).toEqual([120_000]);
    await timers.advance(120_000);
    expect(runs).toEqual([120_000, 240_000]);
  });

  it('retries a failed full sync after 15 s plus the stagger', async () => {
    let failing = true;
    const { timers, runs, errors, scheduler } = setup({ fail: () => failing });
    scheduler.start();
    await timers.advance(90_000);
    expect(runs).toEqual([90_000]);
    expect(errors).toHaveLength(1);
    expect(timers.pending()).toEqual([15_000 + 7_500]);
    failing = false;
    await timers.advance(22_500);
    expect(runs).toEqual([90_000, 112_500]);
    expect(timers.pending()).toEqual([90_000]);
  });

  it('runs soon after a server joins, and after the current run when one is in progress', async () => {
    const { timers, runs, scheduler, holdRuns, release } = setup();
    scheduler.start();
    scheduler.serverUp();
    expect(timers.pending()).toEqual([1_500]); // stagger of 3 s × factor 1
    await timers.advance(1_500);
    expect(runs).toEqual([1_500]);
    holdRuns();
    await timers.advance(90_000);
    expect(runs).toEqual([1_500, 91_500]);
    scheduler.serverUp(); // while that run is still going
    expect(timers.pending()).toEqual([]);
    release();
    await new Promise((r) => setImmediate(r));
    expect(timers.pending()).toEqual([1_500]);
  });

  it('stops: no timer left, and a server joining afterwards schedules nothing', async () => {
    const { timers, scheduler } = setup();
    scheduler.start();
    scheduler.stop();
    scheduler.serverUp();
    expect(timers.pending()).toEqual([]);
  });
});
