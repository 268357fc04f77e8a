import { describe, expect, it } from 'vitest';
import { goJsonQuote, goJsonStringify } from '../src/index.js';

describe('goJsonStringify', () => {
  it('escapes like encoding/json: HTML characters, U+2028/2029, and lone surrogates as U+FFFD', () => {
    expect(goJsonStringify({ a: '<b>&', s: '\u2028', bad: '\ud800' })).toBe('{"a":"\\u003cb\\u003e\\u0026","s":"\\u2028","bad":"\ufffd"}');
    expect(goJsonStringify({ a: '<b>&\u2029' }, { escapeHtml: false })).toBe('{"a":"<b>&\\u2029"}');
  });
  it('indents as json.MarshalIndent and writes undefined as null', () => {
    expect(goJsonStringify({ k: [1] }, { indent: '    ' })).toBe('{\n    "k": [\n        1\n    ]\n}');
    expect(goJsonStringify(undefined)).toBe('null');
  });
  it('applies a replacer before the string rules', () => {
    expect(goJsonStringify({ n: 5n }, { replacer: (_k, v) => (typeof v === 'bigint' ? `<${v}>` : v) })).toBe('{"n":"\\u003c5\\u003e"}');
  });
  it('writes \\b and \\f short, as Go 1.22+ (the template copy wrote \\u0008, \\u000c as Go 1.21 and older)', () => {
    expect(goJsonQuote('\b\f')).toBe('"\\b\\f"');
  });
});
