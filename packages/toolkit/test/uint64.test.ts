import { describe, expect, it } from 'vitest';
import { UINT64_MAX, Uint64Error, formatUint64, parseUint64, toUint64, uint64ErrorText } from '../src/index.js';

describe('uint64', () => {
  it('parses decimal text as strconv.ParseUint(s, 10, 64), canonically', () => {
    expect(parseUint64('16210313421097356768')).toBe('16210313421097356768');
    expect(parseUint64('007')).toBe('7');
    expect(parseUint64('18446744073709551616')).toBeUndefined();
    expect(parseUint64('-1')).toBeUndefined();
    expect(parseUint64(' 1')).toBeUndefined();
    expect(uint64ErrorText('18446744073709551616')).toBe('strconv.ParseUint: parsing "18446744073709551616": value out of range');
    expect(uint64ErrorText('x')).toBe('strconv.ParseUint: parsing "x": invalid syntax');
  });
  it('validates bigint, number and string inputs, with the caller choosing the error type', () => {
    expect(toUint64(UINT64_MAX)).toBe(UINT64_MAX);
    expect(toUint64(' 42 ')).toBe(42n);
    expect(toUint64(7)).toBe(7n);
    expect(() => toUint64(2 ** 60, 'Flags')).toThrow(Uint64Error);
    expect(() => toUint64(-1n, 'Flags')).toThrow('Flags -1 is outside the uint64 range 0..18446744073709551615');
    expect(() => toUint64('1.5', 'Index', (m) => new TypeError(m))).toThrow(new TypeError('Index "1.5" is not an unsigned decimal integer'));
    expect(formatUint64('0016210313421097356768')).toBe('16210313421097356768');
  });
});
