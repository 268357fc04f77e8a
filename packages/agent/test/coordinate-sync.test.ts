// The agent's coordinate updates: Consul's rate-scaled interval, and what is proposed.
import { describe, expect, it } from 'vitest';
import { createLogger } from '@conclave/toolkit';
import type { Command } from '@conclave/state';
import { CoordinateSync, rateScaledIntervalMs } from '../src/coordinate-sync.js';

describe('coordinate sync', () => {
  it('waits at least the minimum interval, longer when the cluster would exceed the rate target', () => {
    expect(rateScaledIntervalMs(64, 15_000, 10)).toBe(15_000);
    expect(rateScaledIntervalMs(64, 15_000, 64 * 15)).toBe(15_000);
    expect(rateScaledIntervalMs(64, 15_000, 6400)).toBe(100_000);
    expect(rateScaledIntervalMs(0, 15_000, 6400)).toBe(15_000);
  });

  it('proposes the node’s coordinate as a batch of one, and nothing without a coordinate', async () => {
    const proposed: Command[] = [];
    const coord = { Vec: [0.001, 0, 0, 0, 0, 0, 0, 0], Error: 0.4, Adjustment: 0, Height: 1e-5 };
    let current: typeof coord | undefined;
    const sync = new CoordinateSync({
      node: 'web-1',
      coordinate: () => current,
      clusterSize: () => 3,
      minIntervalMs: 15_000,
      rateTarget: 64,
      propose: async (cmd) => void proposed.push(cmd),
      logger: createLogger('off'),
    });
    await sync.send();
    expect(proposed).toEqual([]);
    current = coord;
    await sync.send();
    expect(proposed).toEqual([{ type: 'coordinate.batch-update', Updates: [{ Node: 'web-1', Segment: '', Coord: coord }] }]);
  });
});
