import { describe, expect, it } from 'vitest';
import { FlagError, parseFlags } from '../src/flags.js';

const specs = {
  server: { kind: 'bool' as const },
  dev: { kind: 'bool' as const },
  node: { kind: 'string' as const },
  'bootstrap-expect': { kind: 'int' as const },
  join: { kind: 'list' as const },
};

describe('parseFlags', () => {
  it('accepts every Go form', () => {
    const { values, rest } = parseFlags(
      ['-server', '--node=web-1', '-bootstrap-expect', '3', '-join', 'a', '-join=b', '-dev=false', 'cmd', '-x'],
      specs,
    );
    expect(values).toEqual({ server: true, node: 'web-1', 'bootstrap-expect': 3, join: ['a', 'b'], dev: false });
    expect(rest).toEqual(['cmd', '-x']);
  });
  it('stops at --', () => {
    expect(parseFlags(['-dev', '--', '-node'], specs).rest).toEqual(['-node']);
  });
  it('names unknown flags and missing values as Go does', () => {
    expect(() => parseFlags(['-nope'], specs)).toThrow(new FlagError('flag provided but not defined: -nope'));
    expect(() => parseFlags(['-node'], specs)).toThrow('flag needs an argument: -node');
    expect(() => parseFlags(['-bootstrap-expect', 'x'], specs)).toThrow('invalid value "x"');
  });
});
