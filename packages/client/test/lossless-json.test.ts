import { describe, expect, it } from 'vitest';
import { ConsulConfigError, ConsulDecodeError, parseJsonLossless, toUint64, UINT64_MAX } from '../src/index.js';

describe('parseJsonLossless', () => {
  it('keeps integers above 2^53 exact as decimal strings and leaves the rest alone', () => {
    const text = '[{"Flags":16210313421097356768,"Key":"a \\"Flags\\":18446744073709551615","n":-12,"f":1.5e3,"big":9007199254740993,"safe":9007199254740991}]';
    expect(parseJsonLossless(text)).toEqual([
      { Flags: '16210313421097356768', Key: 'a "Flags":18446744073709551615', n: -12, f: 1500, big: '9007199254740993', safe: 9007199254740991 },
    ]);
  });
  it('reports invalid JSON as a decode error', () => {
    expect(() => parseJsonLossless('{"a":')).toThrow(ConsulDecodeError);
  });
});

describe('toUint64', () => {
  it('accepts bigint, safe numbers and decimal strings within uint64', () => {
    expect(toUint64('3304740253564472344')).toBe(3304740253564472344n);
    expect(toUint64(42)).toBe(42n);
    expect(toUint64(UINT64_MAX)).toBe(UINT64_MAX);
  });
  it('refuses lossy or out-of-range values', () => {
    expect(() => toUint64(2 ** 60, 'flags')).toThrow(ConsulConfigError);
    expect(() => toUint64('18446744073709551616', 'flags')).toThrow(/outside the uint64 range/);
    expect(() => toUint64('-1')).toThrow(/unsigned decimal/);
  });
});
