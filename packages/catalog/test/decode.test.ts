import { describe, expect, it } from 'vitest';
import { formatGoDuration, getField, parseGoBool, parseGoDuration } from '../src/decode.js';

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
  it('parses booleans as strconv.ParseBool', () => {
    expect(parseGoBool('True')).toBe(true);
    expect(parseGoBool('f')).toBe(false);
    expect(parseGoBool('yes')).toBeUndefined();
  });
});
