import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CoarseTimers } from '../src/index.js';

describe('CoarseTimers', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => void vi.useRealTimers());

  it('fires each callback once, never early and at most one bucket late, earliest first', () => {
    const t = new CoarseTimers(1000);
    const fired: string[] = [];
    t.schedule(2500, { due: () => fired.push('b') });
    t.schedule(1200, { due: () => fired.push('a') });
    t.schedule(2999, { due: () => fired.push('b2') });
    expect(t.size).toBe(3);
    vi.advanceTimersByTime(1199);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(801); // t = 2000: the bucket ending at 2000 holds 1200
    expect(fired).toEqual(['a']);
    vi.advanceTimersByTime(999);
    expect(fired).toEqual(['a']);
    vi.advanceTimersByTime(1); // t = 3000
    expect(fired).toEqual(['a', 'b', 'b2']);
    expect(t.size).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(fired).toEqual(['a', 'b', 'b2']);
  });

  it('a cancelled callback does not run, and a later, earlier deadline re-arms the timer', () => {
    const t = new CoarseTimers(100);
    const fired: number[] = [];
    const item = { due: () => fired.push(5000) };
    const slot = t.schedule(5000, item);
    t.schedule(9000, { due: () => fired.push(9000) });
    t.schedule(300, { due: () => fired.push(300) });
    t.cancel(slot, item);
    t.cancel(slot, item); // twice is harmless
    vi.advanceTimersByTime(300);
    expect(fired).toEqual([300]);
    vi.advanceTimersByTime(8700);
    expect(fired).toEqual([300, 9000]);
  });

  it('schedule() calls the due() of an item once; cancel() before then stops it', () => {
    const t = new CoarseTimers(100);
    const fired: string[] = [];
    const a = { due: () => fired.push('a') };
    const b = { due: () => fired.push('b') };
    const slotA = t.schedule(250, a);
    const slotB = t.schedule(250, b);
    expect(slotA).toBe(slotB);
    t.cancel(slotB, b);
    t.cancel(slotB, b);
    expect(t.size).toBe(1);
    vi.advanceTimersByTime(300);
    expect(fired).toEqual(['a']);
    t.cancel(slotA, a); // after it ran: harmless
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual(['a']);
  });

  it('one failing callback does not stop the others', () => {
    const t = new CoarseTimers(10);
    const fired: number[] = [];
    t.schedule(5, {
      due: () => {
        throw new Error('boom');
      },
    });
    t.schedule(5, { due: () => fired.push(1) });
    vi.advanceTimersByTime(10);
    expect(fired).toEqual([1]);
  });
});
