import { describe, expect, it } from 'vitest';
import type { Command } from '@conclave/state';
import { TombstoneReaper } from '../src/tombstone-reaper.js';

describe('TombstoneReaper', () => {
  it('reaps only indexes older than the TTL, once each', async () => {
    let now = 0;
    let index = 10;
    const writes: Command[] = [];
    const reaper = new TombstoneReaper(() => index, async (c) => void writes.push(c), 1000, () => now);
    await reaper.tick(); // t=0, index 10
    now = 500;
    index = 20;
    await reaper.tick(); // t=500, index 20
    expect(writes).toEqual([]);
    now = 1000;
    index = 30;
    await reaper.tick(); // index 10 is now 1000 ms old
    expect(writes).toEqual([{ type: 'kv.reap-tombstones', ReapIndex: 10 }]);
    now = 1100;
    await reaper.tick(); // nothing new is old enough
    expect(writes).toHaveLength(1);
    now = 1600;
    await reaper.tick();
    expect(writes.at(-1)).toEqual({ type: 'kv.reap-tombstones', ReapIndex: 20 });
  });
});
