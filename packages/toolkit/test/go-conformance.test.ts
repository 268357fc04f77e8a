// The Go-compatible helpers against Go itself (tools/go-toolkit), for tables that include every case where the
// copies this toolkit replaced disagreed with each other or with Go.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatGoDuration, goJsonQuote, parseGoBool, parseGoDurationBig, splitHostPort } from '../src/index.js';
import { GoOracle, type GoResult } from './go-oracle.js';

let oracle: GoOracle;
beforeAll(() => {
  oracle = GoOracle.build();
}, 120_000);
afterAll(() => oracle?.dispose());

function ours(fn: () => string): GoResult {
  try {
    return { output: fn() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function compare(op: Parameters<GoOracle['run']>[0], inputs: string[], fn: (input: string) => string): void {
  const go = oracle.run(op, inputs);
  const mine = inputs.map((input) => ({ input, ...ours(() => fn(input)) }));
  expect(mine).toEqual(inputs.map((input, i) => ({ input, ...go[i] })));
}

const DURATIONS = [
  '0', '+0', '-0', '', '+', '-', '.', 's', '1', '10', '1s', '-1s', '+1s', '1.5s', '1.s', '.5s', '1.5ns', '1.9ns', '0.5ns',
  '1h30m', '1h-30m', '2h45m30.5s', '300ms', '1us', '1µs', '1μs', '1.000000001s', '0.1s', '0.3s', '1.0000000005s',
  '15.0s', '1sec', '1S', '1 s', ' 10s', '10s ', '1h 2m', '10', '1e3s', '0x10s', '1..5s', '1.5.5s', '9223372036854775807ns',
  '9223372036854775808ns', '-9223372036854775808ns', '2562047h47m16.854775807s', '2562047h47m16.854775808s', '2562048h',
  '1.00000000000000000000000001s', '0.000000000000000000001h', '5m3.27s', '1µ', 'µs', '10"s', 'caf\u00e9',
];

const NANOS = [
  '0', '1', '-1', '999', '1000', '1500', '999999', '1000000', '1500000', '999999999', '1000000000', '1500000000',
  '60000000000', '90000000000', '3600000000000', '3661000000001', '5400000000000', '-5400000000000', '86400000000000',
  '9223372036854775807', '-9223372036854775808', '123456789', '100000', '1000001',
];

describe('against Go', () => {
  it('time.ParseDuration', () => compare('parseDuration', DURATIONS, (s) => parseGoDurationBig(s).toString()));
  it('time.Duration.String', () => compare('formatDuration', NANOS, (s) => formatGoDuration(BigInt(s))));
  it('strconv.ParseBool', () =>
    compare('parseBool', ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False', '', 'yes', 'tRUE', ' true', '2'], (s) => {
      const b = parseGoBool(s);
      if (b === undefined) throw new Error(`strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`);
      return String(b);
    }));
  it('net.SplitHostPort', () =>
    compare(
      'splitHostPort',
      ['host:80', 'host', ':80', 'host:', '1.2.3.4:8301', '[fe80::1]:8301', 'fe80::1', '[fe80::1]', '[fe80::1%eth0]:1', '[::1]:',
        '[::1]80', '[::1]:80:', 'a:b:c', '[a]b:80', 'a[b]:80', 'a]:80', '[a:80', '[[a]]:80', '', ':', '[]:80'],
      (s) => {
        const { host, port } = splitHostPort(s);
        return `${host}|${port}`;
      },
    ));
  // \b and \f are left out: Go 1.22 and later (current Consul) write them short, the Go 1.19 here as \u0008, \u000c.
  const STRINGS = ['plain', '<a href="x">&amp;</a>', 'tab\tnl\nret\r', '\u0000\u0001\u001f\u007f', '\u2028\u2029', 'é😀', 'back\\slash "q"', '\ud800x'];
  it('encoding/json strings, HTML-escaped', () => compare('jsonString', STRINGS, (s) => goJsonQuote(s)));
  it('encoding/json strings, SetEscapeHTML(false)', () => compare('jsonStringNoHTML', STRINGS, (s) => goJsonQuote(s, false)));
});
