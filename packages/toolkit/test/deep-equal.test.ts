import { describe, expect, it } from 'vitest';
import { deepEqual } from '../src/index.js';

describe('deepEqual', () => {
  it('ignores object key order (JSON.stringify equality did not)', () => {
    expect(deepEqual({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })).toBe(true);
  });
  it('keeps array order', () => {
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
    expect(deepEqual({ Tags: ['a', 'b'] }, { Tags: ['a', 'b'] })).toBe(true);
  });
  it('treats a key holding undefined as absent, as JSON does', () => {
    expect(deepEqual({ a: 1, meta: undefined }, { a: 1 })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: null })).toBe(false);
  });
  it('compares bigints, byte arrays and scalars by value', () => {
    expect(deepEqual({ i: 10n }, { i: 10n })).toBe(true);
    expect(deepEqual(Buffer.from('ab'), new Uint8Array([97, 98]))).toBe(true);
    expect(deepEqual(Buffer.from('ab'), Buffer.from('ac'))).toBe(false);
    expect(deepEqual(NaN, NaN)).toBe(true);
    expect(deepEqual(1, '1')).toBe(false);
    expect(deepEqual(null, {})).toBe(false);
    expect(deepEqual([], {})).toBe(false);
  });
});
