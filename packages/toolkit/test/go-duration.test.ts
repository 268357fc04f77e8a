import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration, parseGoDurationBig } from '../src/index.js';

// Where the three parsers this replaced (catalog's, template's, watch's) disagreed, Go decides; the
// conformance test checks the same cases against Go itself.
describe('parseGoDuration: what the old copies got wrong', () => {
  it('does not trim spaces (catalog and watch trimmed; Go rejects " 10s")', () => {
    expect(() => parseGoDuration(' 10s')).toThrow('time: invalid duration " 10s"');
    expect(() => parseGoDuration('10s ')).toThrow('time: unknown unit "s " in duration "10s "');
  });
  it('names an unknown unit as Go does (the copies said "invalid duration")', () => {
    expect(() => parseGoDuration('1sec')).toThrow('time: unknown unit "sec" in duration "1sec"');
  });
  it('truncates fractions of a nanosecond (catalog rounded 1.5ns to 2)', () => {
    expect(parseGoDuration('1.5ns')).toBe(1);
    expect(parseGoDuration('1.9ns')).toBe(1);
  });
  it('is exact where floating point is not (0.3s summed in floats is 299999999.99999994 ns)', () => {
    expect(parseGoDuration('0.3s')).toBe(300_000_000);
    expect(parseGoDurationBig('2562047h47m16.854775807s')).toBe(9223372036854775807n);
  });
  it('rejects durations beyond int64 nanoseconds (the copies returned huge numbers)', () => {
    expect(() => parseGoDuration('2562048h')).toThrow('time: invalid duration "2562048h"');
    expect(parseGoDurationBig('-9223372036854775808ns')).toBe(-9223372036854775808n);
  });
  it('says "missing unit" for a bare number (watch said "invalid duration")', () => {
    expect(() => parseGoDuration('10')).toThrow('time: missing unit in duration "10"');
  });
  it('accepts both micro signs and signed zero', () => {
    expect(parseGoDuration('1µs')).toBe(1000);
    expect(parseGoDuration('1μs')).toBe(1000);
    expect(parseGoDuration('-0')).toBe(0);
    expect(parseGoDuration('+0')).toBe(0);
  });
});

describe('formatGoDuration', () => {
  it('prints sub-second units and hours as Go does', () => {
    expect(formatGoDuration(1)).toBe('1ns');
    expect(formatGoDuration(1500)).toBe('1.5µs');
    expect(formatGoDuration(1_000_001)).toBe('1.000001ms');
    expect(formatGoDuration(3661e9 + 1)).toBe('1h1m1.000000001s');
    expect(formatGoDuration(-5400e9)).toBe('-1h30m0s');
    expect(formatGoDuration(-9223372036854775808n)).toBe('-2562047h47m16.854775808s');
  });
});
