import { describe, expect, it } from 'vitest';
import { DecodeError, DurationError, decodeDuration, formatGoDuration, getField, hasField, parseGoBool, parseGoDuration } from '../src/index.js';

describe('Go durations', () => {
  it('parses the forms Consul users write', () => {
    expect(parseGoDuration('10s')).toBe(10e9);
    expect(parseGoDuration('15.0s')).toBe(15e9);
    expect(parseGoDuration('0.001s')).toBe(1e6);
    expect(parseGoDuration('120000ms')).toBe(120e9);
    expect(parseGoDuration('1h30m')).toBe(5400e9);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('-1.5ms')).toBe(-1.5e6);
  });
  it('rejects what Go rejects, with Go words', () => {
    expect(() => parseGoDuration('10')).toThrow('missing unit');
    expect(() => parseGoDuration('ten seconds')).toThrow('invalid duration');
    expect(() => parseGoDuration('')).toThrow('invalid duration');
  });
  it('formats like time.Duration.String', () => {
    expect(formatGoDuration(10e9)).toBe('10s');
    expect(formatGoDuration(90e9)).toBe('1m30s');
    expect(formatGoDuration(1.5e9)).toBe('1.5s');
    expect(formatGoDuration(500e6)).toBe('500ms');
    expect(formatGoDuration(3600e9)).toBe('1h0m0s');
    expect(formatGoDuration(0)).toBe('0s');
  });
});

describe('Go decoding', () => {
  it('matches keys case-insensitively and snake_case', () => {
    const o = { name: 'web', deregister_critical_service_after: '1m' };
    expect(getField(o, 'Name')).toBe('web');
    expect(getField(o, 'DeregisterCriticalServiceAfter')).toBe('1m');
  });
  it('finds fields under any of their names', () => {
    expect(hasField({ Check_ID: 'x' }, 'CheckID', 'ID')).toBe(true);
    expect(hasField({ other: 1 }, 'CheckID')).toBe(false);
  });
  it('decodes a duration from a Go string or a number of nanoseconds, naming the field when it cannot', () => {
    expect(decodeDuration('1m', 'Interval')).toBe(60e9);
    expect(decodeDuration(1500.7, 'Interval')).toBe(1500);
    expect(() => decodeDuration('1x', 'Interval')).toThrow(new DecodeError('Interval: time: unknown unit "x" in duration "1x"'));
    expect(() => decodeDuration(true, 'Interval')).toThrow('Interval: expected a duration string such as "10s", got a boolean');
  });
  it('reports a bad duration as a DecodeError, so HTTP handlers answer 400', () => {
    expect(() => parseGoDuration('soon')).toThrow(DurationError);
    expect(() => parseGoDuration('soon')).toThrow(DecodeError);
  });
  it('parses booleans as strconv.ParseBool', () => {
    expect(parseGoBool('True')).toBe(true);
    expect(parseGoBool('f')).toBe(false);
    expect(parseGoBool('yes')).toBeUndefined();
  });
});
