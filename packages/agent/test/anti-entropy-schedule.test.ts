import { describe, expect, it } from 'vitest';
import { nextFullSyncDelayMs, randomStagger, scaleFactor } from '../src/anti-entropy-schedule.js';

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
