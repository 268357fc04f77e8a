// Differential fuzzing against Go: seeded random templates from a grammar (actions, pipelines,
// parenthesised calls, variables, if/range/with/else nesting, every builtin, printf verbs) over JSON
// data; Go's output or error message must equal Conclave's for every one.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseTemplate } from '../src/internal.js';
import { ConformanceCase, GoOracle, GoResult } from './go-oracle.js';

let seed = 20261127;
const rand = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return (seed >> 4) % n; };
const pick = <T>(a: T[]): T => a[rand(a.length)]!;
const lits = ['1', '0', '-3', '2.5', '1.0', '"s"', '""', '`raw`', "'a'", 'true', 'false', 'nil', '0x1f', '1e3'];
const fields = ['.', '.a', '.b', '.b.c', '.n', '.l', '.m', '.m.k', '.z', '.f', '.s', '.i', '.e', '.a.x', '.l.x'];
const fns = ['len', 'index', 'slice', 'print', 'printf', 'println', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'not', 'html', 'js', 'urlquery'];
const fmts = ['"%v"', '"%d"', '"%s"', '"%q"', '"%x"', '"%5.2f"', '"%-4v|"', '"%t"', '"%T"', '"%v %v"'];
function operand(d: number, vars: string[]): string {
  const r = rand(10);
  if (r < 4) return pick(fields);
  if (r < 6) return pick(lits);
  if (r < 7 && vars.length) return pick(vars) + (rand(3) === 0 ? '.k' : '');
  if (r < 8) return '$' + (rand(3) === 0 ? '.a' : '');
  if (d < 3) return '(' + pipeline(d + 1, vars) + ')';
  return pick(fields);
}
function command(d: number, vars: string[]): string {
  if (rand(3) === 0) return operand(d, vars);
  const f = pick(fns);
  const n = f === 'printf' ? 0 : rand(4);
  const args = [];
  if (f === 'printf') args.push(pick(fmts));
  for (let i = 0; i < n + (f === 'printf' ? rand(3) : 0); i++) args.push(operand(d, vars));
  return [f, ...args].join(' ');
}
function pipeline(d: number, vars: string[]): string {
  let p = command(d, vars);
  const k = rand(4) === 0 ? 1 : 0;
  for (let i = 0; i < k; i++) p += ' | ' + pick(['print', 'len', 'printf "%v"', 'not', 'html', 'eq 1', 'index .m', 'slice .l']);
  return p;
}
function body(d: number, vars: string[]): string {
  let out = '';
  const n = 1 + rand(3);
  for (let i = 0; i < n; i++) {
    const r = rand(12);
    if (r < 2) out += pick(['x', ' ', '\n', '-', 'é']);
    else if (r < 6) out += '{{' + pipeline(0, vars) + '}}';
    else if (r < 7) { const v = '$v' + rand(3); out += `{{${v} := ${pipeline(0, vars)}}}`; vars = [...vars, v]; }
    else if (r < 8 && vars.length) out += `{{${pick(vars)} = ${pipeline(0, vars)}}}`;
    else if (d < 3) {
      const kw = pick(['if', 'range', 'with', 'range']);
      const decl = kw === 'range' && rand(2) ? '$i, $e := ' : '';
      const inner = decl ? [...vars, '$i', '$e'] : vars;
      out += `{{${kw} ${decl}${pipeline(0, vars)}}}${body(d + 1, inner)}${rand(2) ? '{{else}}' + body(d + 1, vars) : ''}{{end}}`;
    } else out += '{{.}}';
  }
  return out;
}
const data = { a: [1, 'two', null, { c: 3 }], b: { c: 'd' }, n: null, l: [3, 1.5, 'z'], m: { k: 'v', j: 2 }, e: [], f: false, s: 'str', i: 7, z: 0 };

const CASES = 1500;
const cases: ConformanceCase[] = [];
for (let i = 0; i < CASES; i++) cases.push({ name: `fuzz ${i}`, template: body(0, []), data });

let oracle: GoOracle;
let expected: GoResult[];
beforeAll(() => {
  oracle = GoOracle.build();
  expected = oracle.render(cases);
}, 180_000);
afterAll(() => oracle?.dispose());

it(`${CASES} random templates render exactly as Go renders them`, () => {
  let outputs = 0;
  let execErrors = 0;
  const mismatches: string[] = [];
  cases.forEach((c, i) => {
    let ours: GoResult;
    try {
      ours = { output: parseTemplate('t', c.template).execute(c.data) };
    } catch (e) {
      ours = { error: (e as Error).message };
    }
    const go = expected[i]!;
    if ('output' in go) outputs++;
    else if (/executing/.test(go.error ?? '')) execErrors++;
    if (JSON.stringify(ours) !== JSON.stringify(go)) mismatches.push(`${JSON.stringify(c.template)}\n  go: ${JSON.stringify(go)}\n  us: ${JSON.stringify(ours)}`);
  });
  expect(mismatches.slice(0, 5)).toEqual([]);
  // The generator must keep exercising both successful renders and execution errors.
  expect(outputs).toBeGreaterThan(CASES / 10);
  expect(execErrors).toBeGreaterThan(CASES / 10);
});
