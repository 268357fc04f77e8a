// The catalog sync loop without processes: a fake sync that fails until told otherwise, fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SyncLoop } from '../src/sync-loop.js';
import { memoryLogger } from './support.js';

describe('SyncLoop', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('retries a failed sync after 1 s, 2 s, 4 s, ... and stops retrying once one succeeds', async () => {
    const at: number[] = [];
    let failing = true;
    const start = Date.now();
    const loop = new SyncLoop({
      sync: {
        sync: async () => {
          at.push(Date.now() - start);
          if (failing) throw new Error('No cluster leader');
        },
        fullSync: async () => {},
      },
      clusterSize: () => 1,
      logger: memoryLogger(),
    });
    loop.request();
    await vi.advanceTimersByTimeAsync(7_500);
    expect(at).toEqual([0, 1000, 3000, 7000]);
    failing = false;
    await vi.advanceTimersByTimeAsync(8_000);
    expect(at).toEqual([0, 1000, 3000, 7000, 15000]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(at).toHaveLength(5);
    loop.stop();
  });

  it('runs full syncs periodically once started, and nothing after stop', async () => {
    let full = 0;
    const loop = new SyncLoop({
      sync: { sync: async () => {}, fullSync: async () => void full++ },
      clusterSize: () => 1,
      logger: memoryLogger(),
      fullSyncIntervalMs: 1000,
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(full).toBeGreaterThanOrEqual(2);
    loop.stop();
    const after = full;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(full).toBe(after);
  });
});
