import { describe, expect, it } from 'vitest';
import { exponentialBackoff, sleep } from '../src/index.js';

describe('exponentialBackoff', () => {
  it('doubles from base to max', () => {
    const d = exponentialBackoff({ baseMs: 100, maxMs: 1000, jitter: false });
    expect([0, 1, 2, 3, 4, 5, 50].map(d)).toEqual([100, 100, 200, 400, 800, 1000, 1000]);
  });
  it('doubles from the base up to the cap, jittered within [d/2, d] by default (as client tested)', () => {
    const top = exponentialBackoff({ baseMs: 250, maxMs: 60_000, random: () => 1 });
    expect([1, 2, 3, 4, 8, 9, 20].map(top)).toEqual([250, 500, 1000, 2000, 32_000, 60_000, 60_000]);
    const bottom = exponentialBackoff({ baseMs: 250, random: () => 0 });
    expect(bottom(1)).toBe(125);
  });
  it('spreads each delay over [d × (1 − jitter), d]', () => {
    expect(exponentialBackoff({ baseMs: 100, random: () => 0 })(1)).toBe(50);
    expect(exponentialBackoff({ baseMs: 100, random: () => 1 })(1)).toBe(100);
    expect(exponentialBackoff({ baseMs: 100, jitter: 0.25, random: () => 0 })(1)).toBe(75);
  });
});

describe('sleep', () => {
  it('resolves after the delay, or at once on abort', async () => {
    const t0 = Date.now();
    await sleep(20);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(15);
    const ac = new AbortController();
    const p = sleep(60_000, ac.signal);
    ac.abort();
    await p;
    await sleep(60_000, ac.signal);
  });
});
