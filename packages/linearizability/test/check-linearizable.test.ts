import { describe, expect, it } from 'vitest';
import { checkLinearizable, type HistoryOp } from '../src/index.js';

const put = (id: number, call: number, ret: number, value: string): HistoryOp => ({ id, call, ret, op: { k: 'put', key: 'x', value }, out: 'ok' });
const get = (id: number, call: number, ret: number, out: string | null): HistoryOp => ({ id, call, ret, op: { k: 'get', key: 'x' }, out });

describe('linearizability checker', () => {
  it('accepts a sequential history and concurrent reorderings', () => {
    expect(checkLinearizable([put(1, 0, 1, 'a'), get(2, 2, 3, 'a')]).ok).toBe(true);
    // The read overlaps the write: either value is fine.
    expect(checkLinearizable([put(1, 0, 10, 'a'), get(2, 1, 2, null)]).ok).toBe(true);
    expect(checkLinearizable([put(1, 0, 10, 'a'), get(2, 1, 2, 'a')]).ok).toBe(true);
  });

  it('rejects a stale read after an acknowledged write', () => {
    const r = checkLinearizable([put(1, 0, 1, 'a'), put(2, 2, 3, 'b'), get(3, 4, 5, 'a')]);
    expect(r.ok).toBe(false);
  });

  it('rejects a read that goes back in time', () => {
    const r = checkLinearizable([put(1, 0, 100, 'a'), get(2, 1, 2, 'a'), get(3, 3, 4, null)]);
    expect(r.ok).toBe(false);
  });

  it('handles CAS and writes with unknown outcome', () => {
    const cas: HistoryOp = { id: 2, call: 2, ret: 3, op: { k: 'cas', key: 'x', from: 'a', to: 'c' }, out: true };
    expect(checkLinearizable([put(1, 0, 1, 'a'), cas, get(3, 4, 5, 'c')]).ok).toBe(true);
    expect(checkLinearizable([put(1, 0, 1, 'a'), { ...cas, out: false }, get(3, 4, 5, 'a')]).ok).toBe(false);
    // A write that never answered may take effect at any later point, or never.
    const unknown: HistoryOp = { id: 4, call: 0, ret: Infinity, op: { k: 'put', key: 'x', value: 'z' } };
    expect(checkLinearizable([unknown, get(5, 10, 11, null), get(6, 12, 13, 'z')]).ok).toBe(true);
    expect(checkLinearizable([unknown, get(5, 10, 11, 'z'), get(6, 12, 13, null)]).ok).toBe(false);
  });
});
