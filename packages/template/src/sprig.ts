// Masterminds/sprig's template functions as consul-template registers them (sprig.TxtFuncMap() under a
// `sprig_` prefix), written from sprig 3.2's source: strings, lists, dicts, integer and float math, type
// conversion (spf13/cast's rules), defaults, encodings, hashes, paths, semver and dates. Checked against the
// real library through tools/go-sprig. Functions that need what a template renderer should not do (random
// keys and certificates, bcrypt, DNS lookups) or that are not written yet are refused by name.
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { posix } from 'node:path';
import { GoRegexp, deepEqual, formatGoDuration } from '@conclave/toolkit';
import { FuncSpec, fn } from './func-spec.js';
import { goSprint, goSprintf } from './go-format.js';
import { goJsonMarshal, goTimeFormat } from './helpers.js';
import { GO_TYPE, GoFloat, GoStringMap, kindOf, mapGet, numberValue, typeName } from './values.js';
import { parseSemver, semverConstraintMatches } from './semver.js';

/** Go's time.Time as sprig's date functions take and return it. */
export class GoTime {
  readonly [GO_TYPE] = 'time.Time';
  constructor(readonly date: Date) {}
  Unix(): number {
    return Math.floor(this.date.getTime() / 1000);
  }
  UTC(): GoTime {
    return this;
  }
  Format(layout: string): string {
    return goTimeFormat(this.date, layout);
  }
}

const f64 = (n: number): number | GoFloat => (Number.isInteger(n) ? new GoFloat(n) : n);

/** fmt's %v, which is how sprig's strval ends for anything but strings. */
function strval(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (v instanceof Error) return v.message;
  return goSprint([v]);
}

/** Go's strconv.ParseInt(s, 0, 64) as cast uses it: base prefixes, underscores only with a prefix; NaN when invalid. */
function parseGoIntBase0(s: string): number {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|0[0-7_]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return NaN;
  let body = m[2]!;
  const sign = m[1] === '-' ? -1 : 1;
  if (body.includes('_')) {
    if (!/^0[xXbBoO]?/.test(body) || /__|_$/.test(body)) return NaN;
    body = body.replace(/_/g, '');
  }
  let n: number;
  if (/^0[xX]/.test(body)) n = parseInt(body.slice(2), 16);
  else if (/^0[bB]/.test(body)) n = parseInt(body.slice(2), 2);
  else if (/^0[oO]/.test(body)) n = parseInt(body.slice(2), 8);
  else if (body.length > 1 && body[0] === '0') n = parseInt(body.slice(1), 8);
  else n = parseInt(body, 10);
  return sign * n;
}

/** spf13/cast's ToInt64 (errors become 0). */
export function toInt64(v: unknown): number {
  switch (kindOf(v)) {
    case 'int':
      return v as number;
    case 'uint':
      return Number(BigInt.asIntN(64, v as bigint));
    case 'float':
      return Math.trunc(numberValue(v));
    case 'bool':
      return v ? 1 : 0;
    case 'string': {
      // cast trims a zero decimal part ("3.0" → "3") before parsing.
      const s = (v as string).replace(/^([+-]?\d+)\.0*$/, '$1');
      const n = parseGoIntBase0(s);
      return Number.isNaN(n) ? 0 : n;
    }
    default:
      return 0;
  }
}

/** spf13/cast's ToFloat64 (errors become 0). */
export function toFloat64(v: unknown): number {
  switch (kindOf(v)) {
    case 'int':
    case 'float':
      return numberValue(v);
    case 'uint':
      return Number(v as bigint);
    case 'bool':
      return v ? 1 : 0;
    case 'string': {
      const s = v as string;
      if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|[iI]nf(inity)?|NaN)$/.test(s)) return 0;
      return Number(s.replace(/^([+-]?)[iI]nf(inity)?$/, '$1Infinity'));
    }
    default:
      return 0;
  }
}

/** sprig's `empty`: Go's zero values, empty collections, nil. */
export function sprigEmpty(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return true;
    case 'bool':
      return !v;
    case 'int':
    case 'float':
      return numberValue(v) === 0;
    case 'uint':
      return v === 0n;
    case 'string':
      return (v as string).length === 0;
    case 'slice':
      return (v as unknown[]).length === 0;
    case 'map':
      return v instanceof Map ? v.size === 0 : Object.keys(v as object).length === 0;
    default:
      return false;
  }
}

function asList(v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Uint8Array) return [...v];
  throw new Error(`Cannot ${what} type ${goKindName(v)}`);
}

/** reflect.Kind's name, as sprig's "Cannot push on type X" messages print it. */
function goKindName(v: unknown): string {
  switch (kindOf(v)) {
    case 'int':
      return 'int';
    case 'uint':
      return 'uint64';
    case 'float':
      return 'float64';
    case 'struct':
      return 'ptr';
    case 'nil':
    case 'invalid':
      return 'invalid';
    default:
      return kindOf(v);
  }
}

function strslice(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined).map(strval);
  if (v === null || v === undefined) return [];
  return [strval(v)];
}

type Dict = Record<string, unknown>;

function asDict(v: unknown, fnName: string): Dict {
  if (v instanceof GoStringMap || v instanceof Map) return Object.fromEntries(v as Map<string, unknown>);
  if (kindOf(v) === 'map') return v as Dict;
  throw new Error(`wrong type for value; expected map[string]interface {}; got ${typeName(v)} (${fnName})`);
}

function indexMap(list: Array<[number, string]>): Dict {
  const out: Dict = {};
  for (const [i, s] of list) out[`_${i}`] = s;
  return out;
}

/** Go's strings.SplitN. */
function splitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const chars = [...s];
    if (n < 0 || n >= chars.length) return chars;
    return [...chars.slice(0, n - 1), chars.slice(n - 1).join('')];
  }
  const parts = s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

/** Go's strings.Title (deprecated but what sprig calls): upper-cases letters that follow a separator. */
function goTitle(s: string): string {
  const isSeparator = (c: string): boolean => {
    if (c.charCodeAt(0) < 0x80) return !/[A-Za-z0-9_]/.test(c);
    if (/[\p{L}\p{N}]/u.test(c)) return false;
    return /\s/u.test(c);
  };
  let prev = ' ';
  let out = '';
  for (const c of s) {
    out += isSeparator(prev) ? c.toUpperCase() : c;
    prev = c;
  }
  return out;
}

/** goutils.Abbreviate(s, width) for width ≥ 4. */
function abbreviate(s: string, width: number): string {
  if (s.length <= width) return s;
  return s.slice(0, width - 3) + '...';
}

/** goutils.Initials: the first rune of each space-separated word. */
function initials(s: string): string {
  return s
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => [...w][0])
    .join('');
}

/** xstrings' case conversions, for the common ASCII word shapes. */
function words(s: string): string[] {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}

function sprigUntilStep(start: number, stop: number, step: number): number[] {
  const v: number[] = [];
  if (stop < start) {
    if (step >= 0) return v;
    for (let i = start; i > stop; i += step) v.push(i);
    return v;
  }
  if (step <= 0) return v;
  for (let i = start; i < stop; i += step) v.push(i);
  return v;
}

/** Go's math.Round semantics with sprig's round(a, precision, roundOn=0.5). */
function sprigRound(a: unknown, p: number, rOpt: unknown[]): number {
  const roundOn = rOpt.length > 0 ? toFloat64(rOpt[0]) : 0.5;
  const val = toFloat64(a);
  const pow = Math.pow(10, p);
  const digit = pow * val;
  const div = digit % 1;
  let round = digit >= 0 ? Math.floor(digit) : Math.ceil(digit);
  if (div >= roundOn) round = Math.ceil(digit);
  return round / pow;
}

const REFUSED = [
  'bcrypt', 'htpasswd', 'genPrivateKey', 'derivePassword', 'buildCustomCert', 'genCA', 'genCAWithKey', 'genSelfSignedCert',
  'genSelfSignedCertWithKey', 'genSignedCert', 'genSignedCertWithKey', 'encryptAES', 'decryptAES', 'getHostByName',
  'regexFind', 'mustRegexFind', 'regexFindAll', 'mustRegexFindAll', 'regexSplit', 'mustRegexSplit', 'regexReplaceAllLiteral',
  'mustRegexReplaceAllLiteral', 'toDate', 'mustToDate', 'dateModify', 'mustDateModify', 'date_modify', 'must_date_modify',
  'ago', 'durationRound', 'toDecimal', 'wrap', 'wrapWith', 'abbrevboth', 'swapcase', 'shuffle', 'urlParse', 'urlJoin',
  'typeIsLike', 'expandenv',
];

/** The functions that read the clock or the environment, made per template (tests pin the clock). */
function clockAndEnvFuncs(now: () => Date, env: () => Record<string, string | undefined>): Record<string, FuncSpec> {
  const timeOf = (v: unknown): Date => {
    if (v instanceof GoTime) return v.date;
    if (v instanceof Date) return v;
    if (kindOf(v) === 'int' || kindOf(v) === 'uint') return new Date(Number(v) * 1000);
    return now();
  };
  const dateIn = (layout: string, d: unknown, zone: string): string => {
    if (zone !== 'UTC' && zone !== 'Local' && zone !== '') throw new Error(`unknown time zone ${zone}`);
    return goTimeFormat(timeOf(d), layout);
  };
  return {
    env: fn(['string'], (k: string) => env()[k] ?? ''),
    // dates (formatted in UTC: Go's Local is the machine's zone, UTC in containers)
    now: fn([], () => new GoTime(now())),
    date: fn(['string', 'any'], (layout: string, d: unknown) => dateIn(layout, d, 'Local')),
    dateInZone: fn(['string', 'any', 'string'], dateIn),
    date_in_zone: fn(['string', 'any', 'string'], dateIn),
    htmlDate: fn(['any'], (d: unknown) => dateIn('2006-01-02', d, 'Local')),
    htmlDateInZone: fn(['any', 'string'], (d: unknown, z: string) => dateIn('2006-01-02', d, z)),
    unixEpoch: fn(['any'], (d: unknown) => String(Math.floor(timeOf(d).getTime() / 1000))),
  };
}

let staticFuncs: Record<string, FuncSpec> | undefined;

/** The sprig_* functions that do not depend on a template's options, built once and shared. */
export function sprigSharedFuncs(): Record<string, FuncSpec> {
  staticFuncs ??= prefixed(staticSprigFuncs());
  return staticFuncs;
}

/** sprig_now, sprig_date..., sprig_env: per template, on its clock and environment. */
export function sprigClockFuncs(opts: { now?: () => Date; env?: () => Record<string, string | undefined> } = {}): Record<string, FuncSpec> {
  return prefixed(clockAndEnvFuncs(opts.now ?? (() => new Date()), opts.env ?? (() => process.env)));
}

/** Every sprig_* function (the shared ones and those on the given clock and environment). */
export function sprigFuncs(opts: { now?: () => Date; env?: () => Record<string, string | undefined> } = {}): Record<string, FuncSpec> {
  return { ...sprigSharedFuncs(), ...sprigClockFuncs(opts) };
}

function prefixed(m: Record<string, FuncSpec>): Record<string, FuncSpec> {
  const out: Record<string, FuncSpec> = {};
  for (const [k, v] of Object.entries(m)) out[`sprig_${k}`] = v;
  return out;
}

function staticSprigFuncs(): Record<string, FuncSpec> {
  const math2 = (op: (a: number, b: number) => number) => (a: unknown, b: unknown) => op(toInt64(a), toInt64(b));
  const floatFold = (op: (a: number, b: number) => number) => (a: unknown, ...rest: unknown[]) => f64(rest.reduce<number>((acc, x) => op(acc, toFloat64(x)), toFloat64(a)));
  const s: Record<string, FuncSpec> = {
    hello: fn([], () => 'Hello!'),
    // strings
    trim: fn(['string'], (x: string) => x.replace(/^[\s\u0085\u00a0]+|[\s\u0085\u00a0]+$/gu, '')),
    upper: fn(['string'], (x: string) => x.toUpperCase()),
    lower: fn(['string'], (x: string) => x.toLowerCase()),
    title: fn(['string'], goTitle),
    // goutils.Uncapitalize: the first letter of every whitespace-separated word.
    untitle: fn(['string'], (x: string) => x.replace(/(^|\s)(\S)/gu, (_m, sp: string, c: string) => sp + c.toLowerCase())),
    substr: fn(['int', 'int', 'string'], (start: number, end: number, x: string) => {
      const b = Buffer.from(x, 'utf8');
      const slice = (a: number, z: number) => {
        if (a < 0 || z > b.length || a > z) throw new Error(`runtime error: slice bounds out of range [${a}:${z}]`);
        return b.subarray(a, z).toString('utf8');
      };
      if (start < 0) return slice(0, end);
      if (end < 0 || end > b.length) return slice(start, b.length);
      return slice(start, end);
    }),
    repeat: fn(['int', 'string'], (n: number, x: string) => {
      if (n < 0) throw new Error('strings: negative Repeat count');
      return x.repeat(n);
    }),
    trimall: fn(['string', 'string'], (cut: string, x: string) => trimCutset(x, cut)),
    trimAll: fn(['string', 'string'], (cut: string, x: string) => trimCutset(x, cut)),
    trimSuffix: fn(['string', 'string'], (suf: string, x: string) => (suf !== '' && x.endsWith(suf) ? x.slice(0, -suf.length) : x)),
    trimPrefix: fn(['string', 'string'], (pre: string, x: string) => (x.startsWith(pre) ? x.slice(pre.length) : x)),
    nospace: fn(['string'], (x: string) => x.replace(/\s+/gu, '')),
    initials: fn(['string'], initials),
    abbrev: fn(['int', 'string'], (w: number, x: string) => (w < 4 ? x : abbreviate(x, w))),
    trunc: fn(['int', 'string'], (c: number, x: string) => {
      const b = Buffer.from(x, 'utf8');
      if (c < 0 && b.length + c > 0) return b.subarray(b.length + c).toString('utf8');
      if (c >= 0 && b.length > c) return b.subarray(0, c).toString('utf8');
      return x;
    }),
    randAlphaNum: fn(['int'], (n: number) => randomFrom('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', n)),
    randAlpha: fn(['int'], (n: number) => randomFrom('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', n)),
    randAscii: fn(['int'], (n: number) => randomFrom(Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join(''), n)),
    randNumeric: fn(['int'], (n: number) => randomFrom('0123456789', n)),
    randInt: fn(['int', 'int'], (min: number, max: number) => {
      if (max - min <= 0) throw new Error('invalid argument to Intn');
      return randomInt(min, max);
    }),
    snakecase: fn(['string'], (x: string) => words(x).map((w) => w.toLowerCase()).join('_')),
    kebabcase: fn(['string'], (x: string) => words(x).map((w) => w.toLowerCase()).join('-')),
    camelcase: fn(['string'], (x: string) => x.split('_').filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')),
    contains: fn(['string', 'string'], (sub: string, x: string) => x.includes(sub)),
    hasPrefix: fn(['string', 'string'], (p: string, x: string) => x.startsWith(p)),
    hasSuffix: fn(['string', 'string'], (p: string, x: string) => x.endsWith(p)),
    quote: fn([], (...xs: unknown[]) => xs.filter((x) => x !== null && x !== undefined).map((x) => goSprintf('%q', [strval(x)])).join(' '), 'any'),
    squote: fn([], (...xs: unknown[]) => xs.filter((x) => x !== null && x !== undefined).map((x) => `'${goSprint([x])}'`).join(' '), 'any'),
    cat: fn([], (...xs: unknown[]) => xs.filter((x) => x !== null && x !== undefined).map((x) => goSprint([x])).join(' '), 'any'),
    indent: fn(['int', 'string'], (n: number, x: string) => ' '.repeat(n) + x.split('\n').join('\n' + ' '.repeat(n))),
    nindent: fn(['int', 'string'], (n: number, x: string) => '\n' + ' '.repeat(n) + x.split('\n').join('\n' + ' '.repeat(n))),
    replace: fn(['string', 'string', 'string'], (o: string, n: string, x: string) => (o === '' ? goReplaceEmpty(x, n) : x.split(o).join(n))),
    plural: fn(['string', 'string', 'int'], (one: string, many: string, n: number) => (n === 1 ? one : many)),
    toString: fn(['any'], strval),
    toStrings: fn(['any'], strslice),
    atoi: fn(['string'], (x: string) => (/^[+-]?\d+$/.test(x) ? Number(x) : 0)),
    int: fn(['any'], toInt64),
    int64: fn(['any'], toInt64),
    float64: fn(['any'], (x: unknown) => f64(toFloat64(x))),
    seq: fn([], (...p: number[]) => {
      const [a, b, c] = p;
      if (p.length === 0) return '';
      if (p.length === 1) return sprigUntilStep(1, a! + (a! >= 1 ? 1 : -1), a! >= 1 ? 1 : -1).join(' ');
      if (p.length === 2) return (a! <= b! ? sprigUntilStep(a!, b! + 1, 1) : sprigUntilStep(a!, b! - 1, -1)).join(' ');
      if (p.length === 3) {
        // seq START STEP END
        const [start, step, end] = [a!, b!, c!];
        if (end < start) return step > 0 ? '' : sprigUntilStep(start, end - 1, step).join(' ');
        return step < 0 ? '' : sprigUntilStep(start, end + 1, step).join(' ');
      }
      return '';
    }, 'int'),
    split: fn(['string', 'string'], (sep: string, x: string) => indexMap(x.split(sep).map((p, i) => [i, p]))),
    splitList: fn(['string', 'string'], (sep: string, x: string) => (sep === '' ? [...x] : x.split(sep))),
    splitn: fn(['string', 'int', 'string'], (sep: string, n: number, x: string) => indexMap(splitN(x, sep, n).map((p, i) => [i, p]))),
    join: fn(['string', 'any'], (sep: string, v: unknown) => strslice(v).join(sep)),
    sortAlpha: fn(['any'], (v: unknown) => (Array.isArray(v) ? strslice(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) : [strval(v)])),
    until: fn(['int'], (n: number) => sprigUntilStep(0, n, n < 0 ? -1 : 1)),
    untilStep: fn(['int', 'int', 'int'], sprigUntilStep),
    // math (int64 through cast, floats through decimal arithmetic in sprig: plain doubles here)
    add1: fn(['any'], (x: unknown) => toInt64(x) + 1),
    add: fn([], (...xs: unknown[]) => xs.reduce<number>((a, x) => a + toInt64(x), 0), 'any'),
    sub: fn(['any', 'any'], math2((a, b) => a - b)),
    mul: fn(['any'], (a: unknown, ...xs: unknown[]) => xs.reduce<number>((acc, x) => acc * toInt64(x), toInt64(a)), 'any'),
    div: fn(['any', 'any'], math2((a, b) => {
      if (b === 0) throw new Error('runtime error: integer divide by zero');
      return Math.trunc(a / b);
    })),
    mod: fn(['any', 'any'], math2((a, b) => {
      if (b === 0) throw new Error('runtime error: integer divide by zero');
      return a % b;
    })),
    add1f: fn(['any'], (x: unknown) => f64(toFloat64(x) + 1)),
    addf: fn([], (...xs: unknown[]) => f64(xs.reduce<number>((a, x) => a + toFloat64(x), 0)), 'any'),
    subf: fn(['any'], floatFold((a, b) => a - b), 'any'),
    mulf: fn(['any'], floatFold((a, b) => a * b), 'any'),
    divf: fn(['any'], floatFold((a, b) => {
      if (b === 0) throw new Error('decimal division by 0');
      return a / b;
    }), 'any'),
    max: fn(['any'], (a: unknown, ...xs: unknown[]) => xs.reduce<number>((m, x) => Math.max(m, toInt64(x)), toInt64(a)), 'any'),
    biggest: fn(['any'], (a: unknown, ...xs: unknown[]) => xs.reduce<number>((m, x) => Math.max(m, toInt64(x)), toInt64(a)), 'any'),
    min: fn(['any'], (a: unknown, ...xs: unknown[]) => xs.reduce<number>((m, x) => Math.min(m, toInt64(x)), toInt64(a)), 'any'),
    maxf: fn(['any'], (a: unknown, ...xs: unknown[]) => f64(xs.reduce<number>((m, x) => Math.max(m, toFloat64(x)), toFloat64(a))), 'any'),
    minf: fn(['any'], (a: unknown, ...xs: unknown[]) => f64(xs.reduce<number>((m, x) => Math.min(m, toFloat64(x)), toFloat64(a))), 'any'),
    ceil: fn(['any'], (x: unknown) => f64(Math.ceil(toFloat64(x)))),
    floor: fn(['any'], (x: unknown) => f64(Math.floor(toFloat64(x)))),
    round: fn(['any', 'int'], (a: unknown, p: number, ...r: unknown[]) => f64(sprigRound(a, p, r)), 'any'),
    // defaults and flow
    default: fn(['any'], (d: unknown, ...given: unknown[]) => (given.length === 0 || sprigEmpty(given[0]) ? d : given[0]), 'any'),
    empty: fn(['any'], sprigEmpty),
    coalesce: fn([], (...xs: unknown[]) => xs.find((x) => !sprigEmpty(x)) ?? null, 'any'),
    all: fn([], (...xs: unknown[]) => xs.every((x) => !sprigEmpty(x)), 'any'),
    any: fn([], (...xs: unknown[]) => xs.some((x) => !sprigEmpty(x)), 'any'),
    ternary: fn(['any', 'any', 'bool'], (t: unknown, f: unknown, c: boolean) => (c ? t : f)),
    fail: fn(['string'], (msg: string) => {
      throw new Error(msg);
    }),
    fromJson: fn(['string'], (x: string) => {
      try {
        return jsonToGo(JSON.parse(x));
      } catch {
        return null;
      }
    }),
    mustFromJson: fn(['string'], (x: string) => jsonToGo(JSON.parse(x))),
    toJson: fn(['any'], (v: unknown) => goJsonMarshal(v)),
    mustToJson: fn(['any'], (v: unknown) => goJsonMarshal(v)),
    toPrettyJson: fn(['any'], (v: unknown) => goJsonMarshal(v, '  ')),
    mustToPrettyJson: fn(['any'], (v: unknown) => goJsonMarshal(v, '  ')),
    toRawJson: fn(['any'], (v: unknown) => goJsonMarshal(v, '', false)),
    mustToRawJson: fn(['any'], (v: unknown) => goJsonMarshal(v, '', false)),
    deepCopy: fn(['any'], (v: unknown) => structuredClone(v)),
    mustDeepCopy: fn(['any'], (v: unknown) => structuredClone(v)),
    // reflection
    typeOf: fn(['any'], (v: unknown) => goSprintf('%T', [v])),
    typeIs: fn(['string', 'any'], (t: string, v: unknown) => t === goSprintf('%T', [v])),
    kindOf: fn(['any'], (v: unknown) => goKindName(v)),
    kindIs: fn(['string', 'any'], (t: string, v: unknown) => t === goKindName(v)),
    deepEqual: fn(['any', 'any'], (a: unknown, b: unknown) => deepEqual(a, b)),
    // paths (path and, on Unix, path/filepath: the same)
    base: fn(['string'], goBase),
    dir: fn(['string'], goDir),
    clean: fn(['string'], goClean),
    ext: fn(['string'], goExt),
    isAbs: fn(['string'], (p: string) => p.startsWith('/')),
    osBase: fn(['string'], goBase),
    osDir: fn(['string'], goDir),
    osClean: fn(['string'], goClean),
    osExt: fn(['string'], goExt),
    osIsAbs: fn(['string'], (p: string) => p.startsWith('/')),
    // encodings and hashes
    b64enc: fn(['string'], (x: string) => Buffer.from(x, 'utf8').toString('base64')),
    b64dec: fn(['string'], (x: string) => decodeBase64Strict(x)),
    b32enc: fn(['string'], (x: string) => base32Encode(Buffer.from(x, 'utf8'))),
    b32dec: fn(['string'], (x: string) => base32Decode(x)),
    sha1sum: fn(['string'], (x: string) => createHash('sha1').update(x, 'utf8').digest('hex')),
    sha256sum: fn(['string'], (x: string) => createHash('sha256').update(x, 'utf8').digest('hex')),
    adler32sum: fn(['string'], (x: string) => String(adler32(Buffer.from(x, 'utf8')))),
    uuidv4: fn([], () => randomUUID()),
    randBytes: fn(['int'], (n: number) => randomBytes(n).toString('base64')),
    // regular expressions (Go syntax, RE2 engine)
    regexMatch: fn(['string', 'string'], (re: string, x: string) => {
      try {
        return GoRegexp.compile(re).test(x);
      } catch {
        return false;
      }
    }),
    mustRegexMatch: fn(['string', 'string'], (re: string, x: string) => GoRegexp.compile(re).test(x)),
    regexReplaceAll: fn(['string', 'string', 'string'], (re: string, x: string, repl: string) => GoRegexp.compile(re).replaceAll(x, repl)),
    mustRegexReplaceAll: fn(['string', 'string', 'string'], (re: string, x: string, repl: string) => GoRegexp.compile(re).replaceAll(x, repl)),
    regexQuoteMeta: fn(['string'], (x: string) => x.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')),
    // semver (Masterminds/semver v3)
    semver: fn(['string'], (v: string) => parseSemver(v)),
    semverCompare: fn(['string', 'string'], (c: string, v: string) => semverConstraintMatches(c, v)),
    // sprig takes a string or an int64 only: a template's int constant is neither and gives 0s.
    duration: fn(['any'], (sec: unknown) => formatGoDuration(typeof sec === 'string' && /^[+-]?\d+$/.test(sec) ? Number(sec) * 1e9 : 0)),
    // lists
    list: fn([], (...xs: unknown[]) => xs, 'any'),
    tuple: fn([], (...xs: unknown[]) => xs, 'any'),
    append: fn(['any', 'any'], (l: unknown, v: unknown) => [...asList(l, 'push on'), v]),
    push: fn(['any', 'any'], (l: unknown, v: unknown) => [...asList(l, 'push on'), v]),
    mustAppend: fn(['any', 'any'], (l: unknown, v: unknown) => [...asList(l, 'push on'), v]),
    mustPush: fn(['any', 'any'], (l: unknown, v: unknown) => [...asList(l, 'push on'), v]),
    prepend: fn(['any', 'any'], (l: unknown, v: unknown) => [v, ...asList(l, 'prepend on')]),
    mustPrepend: fn(['any', 'any'], (l: unknown, v: unknown) => [v, ...asList(l, 'prepend on')]),
    first: fn(['any'], (l: unknown) => asList(l, 'find first on')[0] ?? null),
    mustFirst: fn(['any'], (l: unknown) => asList(l, 'find first on')[0] ?? null),
    last: fn(['any'], (l: unknown) => asList(l, 'find last on').at(-1) ?? null),
    mustLast: fn(['any'], (l: unknown) => asList(l, 'find last on').at(-1) ?? null),
    rest: fn(['any'], (l: unknown) => {
      const a = asList(l, 'find rest on');
      return a.slice(1);
    }),
    initial: fn(['any'], (l: unknown) => {
      const a = asList(l, 'find initial on');
      return a.slice(0, -1);
    }),
    reverse: fn(['any'], (l: unknown) => [...asList(l, 'find reverse on')].reverse()),
    uniq: fn(['any'], (l: unknown) => {
      const out: unknown[] = [];
      for (const x of asList(l, 'find uniq on')) if (!out.some((y) => deepEqual(x, y))) out.push(x);
      return out;
    }),
    without: fn(['any'], (l: unknown, ...omit: unknown[]) => asList(l, 'find without on').filter((x) => !omit.some((o) => deepEqual(o, x))), 'any'),
    has: fn(['any', 'any'], (needle: unknown, l: unknown) => (l === null || l === undefined ? false : asList(l, 'find has on').some((x) => deepEqual(x, needle)))),
    compact: fn(['any'], (l: unknown) => asList(l, 'compact on').filter((x) => !sprigEmpty(x))),
    concat: fn([], (...ls: unknown[]) => ls.flatMap((l) => asList(l, 'concat')), 'any'),
    chunk: fn(['int', 'any'], (size: number, l: unknown) => {
      const a = asList(l, 'chunk');
      const out: unknown[][] = [];
      for (let i = 0; i < a.length; i += size) out.push(a.slice(i, i + size));
      return out;
    }),
    slice: fn(['any'], (l: unknown, ...idx: unknown[]) => {
      const a = asList(l, 'slice');
      const start = idx.length > 0 ? toInt64(idx[0]) : 0;
      const end = idx.length > 1 ? toInt64(idx[1]) : a.length;
      if (start < 0 || end > a.length || start > end) throw new Error(`runtime error: slice bounds out of range [${start}:${end}]`);
      return a.slice(start, end);
    }, 'any'),
    // dicts
    dict: fn([], (...kv: unknown[]) => {
      const out: Dict = {};
      for (let i = 0; i < kv.length; i += 2) out[strval(kv[i])] = i + 1 < kv.length ? kv[i + 1] : '';
      return out;
    }, 'any'),
    get: fn(['any', 'string'], (d: unknown, k: string) => {
      const v = mapGet(asDict(d, 'get') as object, k);
      return v === undefined ? '' : v;
    }),
    set: fn(['any', 'string', 'any'], (d: unknown, k: string, v: unknown) => {
      const m = asDict(d, 'set');
      m[k] = v;
      return m;
    }),
    unset: fn(['any', 'string'], (d: unknown, k: string) => {
      const m = asDict(d, 'unset');
      delete m[k];
      return m;
    }),
    hasKey: fn(['any', 'string'], (d: unknown, k: string) => Object.prototype.hasOwnProperty.call(asDict(d, 'hasKey'), k)),
    pluck: fn(['string'], (k: string, ...ds: unknown[]) => ds.map((d) => asDict(d, 'pluck')).filter((d) => k in d).map((d) => d[k]), 'any'),
    keys: fn([], (...ds: unknown[]) => ds.flatMap((d) => Object.keys(asDict(d, 'keys'))), 'any'),
    values: fn(['any'], (d: unknown) => Object.values(asDict(d, 'values'))),
    pick: fn(['any'], (d: unknown, ...ks: string[]) => {
      const m = asDict(d, 'pick');
      return Object.fromEntries(ks.filter((k) => k in m).map((k) => [k, m[k]]));
    }, 'string'),
    omit: fn(['any'], (d: unknown, ...ks: string[]) => {
      const m = asDict(d, 'omit');
      return Object.fromEntries(Object.entries(m).filter(([k]) => !ks.includes(k)));
    }, 'string'),
    merge: fn(['any'], (dst: unknown, ...srcs: unknown[]) => mergeInto(asDict(dst, 'merge'), srcs.map((x) => asDict(x, 'merge')), false), 'any'),
    mustMerge: fn(['any'], (dst: unknown, ...srcs: unknown[]) => mergeInto(asDict(dst, 'merge'), srcs.map((x) => asDict(x, 'merge')), false), 'any'),
    mergeOverwrite: fn(['any'], (dst: unknown, ...srcs: unknown[]) => mergeInto(asDict(dst, 'mergeOverwrite'), srcs.map((x) => asDict(x, 'mergeOverwrite')), true), 'any'),
    mustMergeOverwrite: fn(['any'], (dst: unknown, ...srcs: unknown[]) => mergeInto(asDict(dst, 'mergeOverwrite'), srcs.map((x) => asDict(x, 'mergeOverwrite')), true), 'any'),
    dig: fn([], (...args: unknown[]) => {
      if (args.length < 3) throw new Error(`dig: wrong number of args: want at least 3 got ${args.length}`);
      const dict = asDict(args[args.length - 1], 'dig');
      const def = args[args.length - 2];
      const ks = args.slice(0, -2).map((k) => String(k));
      let cur: unknown = dict;
      for (const k of ks) {
        if (kindOf(cur) !== 'map') return def;
        const next = mapGet(cur as object, k);
        if (next === undefined) return def;
        cur = next;
      }
      return cur;
    }, 'any'),
  };
  for (const name of REFUSED) {
    s[name] = fn([], () => {
      throw new Error(`sprig_${name} is not supported by conclave-template`);
    }, 'any');
  }
  return s;
}

/** mergo.Merge (and WithOverride), recursing into nested maps as sprig's merge does. */
function mergeInto(dst: Dict, srcs: Dict[], override: boolean): Dict {
  for (const src of srcs) {
    for (const [k, v] of Object.entries(src)) {
      const cur = dst[k];
      if (kindOf(cur) === 'map' && kindOf(v) === 'map') mergeInto(cur as Dict, [v as Dict], override);
      else if (!(k in dst) || sprigEmpty(cur) || (override && !sprigEmpty(v))) dst[k] = v;
    }
  }
  return dst;
}

/** JSON.parse's result in Go's shapes: numbers are float64 (encoding/json into interface{}). */
function jsonToGo(v: unknown): unknown {
  if (typeof v === 'number') return f64(v);
  if (Array.isArray(v)) return v.map(jsonToGo);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonToGo(x)]));
  return v;
}

function trimCutset(s: string, cut: string): string {
  const set = new Set([...cut]);
  const chars = [...s];
  let a = 0;
  let z = chars.length;
  while (a < z && set.has(chars[a]!)) a++;
  while (z > a && set.has(chars[z - 1]!)) z--;
  return chars.slice(a, z).join('');
}

/** strings.Replace with an empty old string: the new string around every rune. */
function goReplaceEmpty(s: string, n: string): string {
  return n + [...s].join(n) + (s.length > 0 ? n : '');
}

function randomFrom(alphabet: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

function goClean(p: string): string {
  if (p === '') return '.';
  const out = posix.normalize(p);
  return out.length > 1 && out.endsWith('/') ? out.slice(0, -1) : out;
}

function goBase(p: string): string {
  if (p === '') return '.';
  const t = p.replace(/\/+$/, '');
  if (t === '') return '/';
  return t.slice(t.lastIndexOf('/') + 1);
}

function goDir(p: string): string {
  const i = p.lastIndexOf('/');
  return goClean(p.slice(0, i + 1));
}

function goExt(p: string): string {
  for (let i = p.length - 1; i >= 0 && p[i] !== '/'; i--) if (p[i] === '.') return p.slice(i);
  return '';
}

/** sprig's b64dec returns Go's error text instead of failing. */
function decodeBase64Strict(s: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) {
    let i = 0;
    while (i < s.length && /[A-Za-z0-9+/]/.test(s[i]!)) i++;
    if (i >= s.length) i = s.length - (s.length % 4 || 4);
    return `illegal base64 data at input byte ${Math.max(i, 0)}`;
  }
  return Buffer.from(s, 'base64').toString('utf8');
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Encode(b: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of b) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

function base32Decode(s: string): string {
  if (s.length % 8 !== 0 || !/^[A-Z2-7]*=*$/.test(s)) {
    let i = 0;
    while (i < s.length && /[A-Z2-7]/.test(s[i]!)) i++;
    return `illegal base32 data at input byte ${i}`;
  }
  const body = s.replace(/=+$/, '');
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const c of body) {
    value = (value << 5) | B32.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function adler32(b: Buffer): number {
  let a = 1;
  let c = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    c = (c + a) % 65521;
  }
  return ((c << 16) | a) >>> 0;
}
