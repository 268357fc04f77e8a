// GoRegexp against Go's regexp package (tools/go-toolkit): compile errors, MatchString and ReplaceAllString with
// regexp.Expand templates, over a corpus chosen where JS RegExp and Go disagree (leftmost-first alternation, \z,
// (?s), $ without multiline, \pL, (?P<name>), empty matches next to a previous match, $1x as ${1x}).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoRegexp, GoRegexpError } from '../src/index.js';
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
    if (!(e instanceof GoRegexpError)) throw e;
    return { error: e.message };
  }
}

const PATTERNS = [
  'a', '^a', 'a$', '^$', '(a+)+$', 'a|ab', 'ab|a', '(a|ab)(c|bcd)', 'a*', 'a*?', '(?i)WEB', '(?s)a.b', 'a.b', '\\Aa', 'a\\z',
  '(?m)^b$', '^b$', '\\pL+', '\\p{Greek}', '\\PL', '[[:alpha:]]+', '[^a-c]', '\\d+', '\\w+\\b', '\\bfoo\\b', '(?P<svc>[a-z]+)-(?P<n>\\d+)',
  '(?U)a+', 'x{2,3}', 'x{2,}', '(x)?y', '\\.', '[\\]]', '\\Q.*\\E', '(', ')', '[a', 'x**', 'a{1001}', '\\8', '\\Z', '(?P<n>a)(?P<n>b)', '(?P<n>x)|(?P<n>y)|[(?P<n>]', '\\Q(?P<n>\\E(?P<n>b)(?P<n>a)',
  '(?z)', '\\pX', '[z-a]', '*', '+a', '?', '(?i)σ', 'é+', '.', '^', '$', '', '\\x{1F600}', 'a{,3}', '(?:ab)+', '\\C',
];
const INPUTS = ['', 'a', 'ab', 'abcd', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa!', 'web', 'WEB-1', 'a\nb', 'b\na', 'a\n', 'xxx', 'y', 'xy',
  'ΑβΓ', 'éé', '😀x', 'foo bar', 'a.b', 'a*b', 'db-12 web-3', 'σΣς', '[]', '12 34'];
const TEMPLATES = ['<$0>', '$1', '${1}', '$1x', '${1}x', '$$', '$', '$svc:$n', '${svc}', '$missing', '$01', '${10}', '[$2]', 'x', '$n'];

describe('GoRegexp against Go', () => {
  it('compiles and matches as regexp.MatchString', () => {
    const cases = PATTERNS.flatMap((pattern) => INPUTS.map((input) => ({ op: 'regexpMatch' as const, pattern, input })));
    const go = oracle.regexp(cases);
    const mine = cases.map((c) => ({ ...c, ...ours(() => String(GoRegexp.compile(c.pattern).test(c.input))) }));
    expect(mine.filter((m, i) => m.output !== go[i]!.output || m.error !== go[i]!.error)).toEqual([]);
  });

  it('replaces as regexp.ReplaceAllString', () => {
    const valid = PATTERNS.filter((p) => ours(() => GoRegexp.compile(p).source).output !== undefined);
    const cases = valid.flatMap((pattern) =>
      INPUTS.flatMap((input) => TEMPLATES.map((repl) => ({ op: 'regexpReplaceAll' as const, pattern, input, repl }))),
    );
    const go = oracle.regexp(cases);
    const mine = cases.map((c) => ({ ...c, ...ours(() => GoRegexp.compile(c.pattern).replaceAll(c.input, c.repl)) }));
    expect(mine.filter((m, i) => m.output !== go[i]!.output || m.error !== go[i]!.error)).toEqual([]);
  });

  it('runs on the linear-time engine: the ReDoS pattern over the issue input answers, and the engine is an automaton', () => {
    expect(GoRegexp.engine).toBe('re2js');
    expect(GoRegexp.compile('(a+)+$').test('aaaaaaaaaaaaaaaaaaaaaaaaaaaa!')).toBe(false);
    expect(GoRegexp.compile('(a+)+$').test(`${'a'.repeat(100_000)}!`)).toBe(false);
  });
});
