// Seeded generators for the ?filter conformance test: catalog-like data for each filtered type, and expressions
// over it — mostly valid (selectors from the type's own field configurations, every operator, values of every
// literal form), some deliberately wrong (unknown selectors, operators a field does not take, values that do not
// coerce, bad regular expressions) and some broken as text (a token dropped, doubled or swapped) to reach the
// parser's error messages.
import { fieldConfigurations, type FieldConfig, type GoType } from '../src/bexpr-fields.js';

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** mulberry32 */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const STRINGS = ['web', 'db', '', 'web-1', 'passing', 'critical', 'warning', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa!', 'é', 'Web', 'a b', '10.0.0.1', 'prod', 'v1', 'x.y'];
const KEYS = ['env', 'rack', 'version', 'a b', 'x.y', 'lan', 'wan', 'Env'];
const INTS = [0, 1, 2, 5, 80, 255, 3306, 8080, -1, 65535];

/** A JSON value of the given Go type; pointers are never nil (go-bexpr 0.1.2 panics on a nil pointer it walks). */
export function generateValue(rng: Rng, type: GoType): unknown {
  switch (type.kind) {
    case 'string':
      return rng.pick(STRINGS);
    case 'bool':
      return rng.chance(0.5);
    case 'ptr':
      return generateValue(rng, type.elem);
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const f of type.fields) {
        // Leaving a field out is Go's zero value on both sides; pointers stay.
        if (f.type.kind !== 'ptr' && rng.chance(0.15)) continue;
        out[f.name] = generateValue(rng, f.type);
      }
      return out;
    }
    case 'slice': {
      const n = rng.int(4);
      return Array.from({ length: n }, () => generateValue(rng, type.elem));
    }
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const k of KEYS) if (rng.chance(0.3)) out[k] = generateValue(rng, type.elem);
      return out;
    }
    default: {
      // Within the field's range, or Go's JSON decoding refuses the item.
      const bits = Number(/\d+$/.exec(type.kind)?.[0] ?? 64);
      const unsigned = type.kind.startsWith('uint');
      return rng.pick(INTS.filter((n) => (unsigned ? n >= 0 && n < 2 ** bits : Math.abs(n) < 2 ** (bits - 1))));
    }
  }
}

const IDENT = /^[a-zA-Z][a-zA-Z0-9_]*$/;

function quote(rng: Rng, s: string): string {
  if (rng.chance(0.3) && !s.includes('`')) return '`' + s + '`';
  return JSON.stringify(s);
}

function renderSelector(rng: Rng, path: string[]): string {
  let out = path[0]!;
  for (const part of path.slice(1)) {
    if (IDENT.test(part) && rng.chance(0.7)) out += '.' + part;
    else out += `[${rng.chance(0.2) ? ' ' : ''}${quote(rng, part)}]`;
  }
  return out;
}

function renderValue(rng: Rng, v: string): string {
  if (/^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/.test(v) && rng.chance(0.6)) return v;
  if (IDENT.test(v) && rng.chance(0.5)) return v;
  return quote(rng, v);
}

/** A selector path through the configurations: mostly valid, sometimes one step wrong. */
function randomSelector(rng: Rng, fields: Map<string, FieldConfig>): { path: string[]; config: FieldConfig | undefined } {
  const path: string[] = [];
  let configs: Map<string, FieldConfig> = fields;
  let config: FieldConfig | undefined;
  while (configs.size > 0) {
    if (rng.chance(0.04)) {
      path.push(rng.pick(['Foo', 'service', 'Checks', 'Meta', 'Port', 'X1']));
      return { path, config: undefined };
    }
    const name: string = rng.pick([...configs.keys()]);
    path.push(name === '' ? rng.pick(KEYS) : name);
    const next: FieldConfig = configs.get(name) as FieldConfig;
    config = next;
    // Stop at a field that takes operators, or go on into its fields.
    if (!next.subFields || (next.operators.length > 0 && rng.chance(0.5))) break;
    configs = next.subFields;
  }
  return { path, config };
}

const OPERATORS = ['==', '!=', 'contains', 'not contains', 'in', 'not in', 'matches', 'not matches', 'is empty', 'is not empty'] as const;
const REGEXES = ['^web', 'a+$', '(a+)+$', '(?i)WEB', '^$', '[', 'x**', '\\pL', '.', 'db|web', '^(?P<n>[a-z]+)-1$'];

function randomValue(rng: Rng, config: FieldConfig | undefined, operator: string): string {
  if (operator.endsWith('matches')) return rng.pick(REGEXES);
  const kind = config?.coerce;
  if (kind === 'bool') return rng.pick(['true', 'false', 'True', '1', '0', 't', 'yes']);
  if (kind && kind !== 'string')
    return rng.pick(['0', '1', '2', '5', '80', '3306', '-1', '0x50', '0o17', '017', '1_000', 'abc', '1.5', '99999999999999999999', '65535', '255', '256', '-0', '+5', '0b101', '0x_50']);
  return rng.pick([...STRINGS, ...KEYS, '80', 'true']);
}

function matchExpression(rng: Rng, fields: Map<string, FieldConfig>): string {
  const { path, config } = randomSelector(rng, fields);
  // Mostly an operator the field takes; sometimes any.
  const takes = config?.operators ?? [];
  let op: string = rng.pick(OPERATORS);
  if (takes.length > 0 && rng.chance(0.85)) {
    const map: Record<string, string[]> = {
      Equal: ['=='],
      'Not Equal': ['!='],
      In: ['in', 'contains'],
      'Not In': ['not in', 'not contains'],
      'Is Empty': ['is empty'],
      'Is Not Empty': ['is not empty'],
      Matches: ['matches'],
      'Not Matches': ['not matches'],
    };
    const taken: string = rng.pick(takes);
    op = rng.pick(map[taken] ?? ['==']);
  }
  const sel = renderSelector(rng, path);
  if (op === 'is empty' || op === 'is not empty') return `${sel} ${op}`;
  const value = renderValue(rng, randomValue(rng, config, op));
  if (op === 'in' || op === 'not in') return `${value} ${op} ${sel}`;
  const sp = rng.chance(0.2) ? '' : ' ';
  return op === '==' || op === '!=' ? `${sel}${sp}${op}${sp}${value}` : `${sel} ${op} ${value}`;
}

function expression(rng: Rng, fields: Map<string, FieldConfig>, depth: number): string {
  const r = rng.next();
  if (depth > 2 || r < 0.45) return matchExpression(rng, fields);
  if (r < 0.6) return `not ${expression(rng, fields, depth + 1)}`;
  if (r < 0.75) return `(${rng.chance(0.3) ? ' ' : ''}${expression(rng, fields, depth + 1)})`;
  return `${expression(rng, fields, depth + 1)} ${rng.pick(['and', 'or'])} ${expression(rng, fields, depth + 1)}`;
}

/** Breaks an expression as text: a character dropped, doubled or replaced. */
function mangle(rng: Rng, text: string): string {
  const i = rng.int(text.length + 1);
  switch (rng.int(4)) {
    case 0:
      return text.slice(0, i) + text.slice(i + 1);
    case 1:
      return text.slice(0, i) + text[i] + text.slice(i);
    case 2:
      return text.slice(0, i) + rng.pick(['(', ')', '"', '`', '[', ']', '=', '!', '-', '.', ' ', '\n', 'x', '0', 'é']) + text.slice(i);
    default:
      return text.slice(0, i);
  }
}

export function generateExpression(rng: Rng, type: GoType): string {
  const text = expression(rng, fieldConfigurations(type), 0);
  return rng.chance(0.15) ? mangle(rng, text) : text;
}
