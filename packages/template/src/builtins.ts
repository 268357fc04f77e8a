// text/template's predefined functions with Go's semantics and error messages.
import { FuncSpec, fn } from './func-spec.js';
import { goSprint, goSprintf, goSprintln } from './go-format.js';
import { GoStringMap, isTrue, kindOf, mapGet, mapSize, numberValue, typeName } from './values.js';

/** Go's indirectInterface: a nil interface becomes an invalid value. */
function ind(v: unknown): unknown {
  return v === null ? undefined : v;
}

function indexArg(index: unknown, cap: number): number {
  const k = kindOf(index);
  let x: number;
  if (k === 'int') x = index as number;
  else if (k === 'uint') x = Number(index as bigint);
  else if (k === 'invalid' || k === 'nil') throw new Error('cannot index slice/array with nil');
  else throw new Error(`cannot index slice/array with type ${typeName(index)}`);
  if (x < 0 || x > cap) throw new Error(`index out of range: ${x}`);
  return x;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  item = ind(item);
  if (item === undefined) throw new Error('index of untyped nil');
  for (let idx of indexes) {
    idx = ind(idx);
    if (item === null) throw new Error('index of nil pointer');
    const k = kindOf(item);
    if (k === 'slice' || k === 'string') {
      const len = k === 'string' ? Buffer.byteLength(item as string) : (item as unknown[]).length;
      const x = indexArg(idx, len);
      if (x === len) throw new Error(`reflect: ${k === 'string' ? 'string' : 'slice'} index out of range`);
      item = k === 'string' ? Buffer.from(item as string)[x] : (item as unknown[])[x];
      if (item === undefined) item = null;
    } else if (k === 'map') {
      if (idx === undefined) throw new Error('value is nil; should be of type string');
      // Maps keyed by numbers (Go's map[int]..., e.g. byPort) take int keys; all others string keys.
      const numericMap = item instanceof Map && [...item.keys()].some((k) => typeof k === 'number');
      if (numericMap) {
        if (kindOf(idx) !== 'int') throw new Error(`value has type ${typeName(idx)}; should be int`);
        const x = (item as Map<unknown, unknown>).get(idx);
        item = x === undefined ? null : x;
        continue;
      }
      if (typeof idx !== 'string') throw new Error(`value has type ${typeName(idx)}; should be string`);
      const x = mapGet(item as object, idx);
      item = x === undefined ? (item instanceof GoStringMap ? '' : null) : x;
    } else if (k === 'invalid') {
      throw new Error('unreachable');
    } else {
      throw new Error(`can't index item of type ${typeName(item)}`);
    }
  }
  return item;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  item = ind(item);
  if (item === undefined) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  const k = kindOf(item);
  let cap: number;
  let len: number;
  if (k === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    cap = len = Buffer.byteLength(item as string);
  } else if (k === 'slice') {
    cap = len = (item as unknown[]).length;
  } else throw new Error(`can't slice item of type ${typeName(item)}`);
  const idx = [0, len, 0];
  indexes.forEach((x, i) => {
    idx[i] = indexArg(ind(x), cap);
  });
  if (idx[0]! > idx[1]!) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) throw new Error(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (k === 'string') return Buffer.from(item as string).subarray(idx[0], idx[1]).toString('utf8');
  return (item as unknown[]).slice(idx[0], idx[1]);
}

function length(item: unknown): number {
  if (item === null) throw new Error('len of nil pointer');
  switch (kindOf(item)) {
    case 'string':
      return Buffer.byteLength(item as string);
    case 'slice':
      return (item as unknown[]).length;
    case 'map':
      return mapSize(item as object);
    case 'invalid':
      // What Go's reflect reports for len of a missing value.
      throw new Error('reflect: call of reflect.Value.Type on zero Value');
  }
  throw new Error(`len of type ${typeName(item)}`);
}

type BasicKind = 'invalid' | 'bool' | 'int' | 'uint' | 'float' | 'string';

function basicKind(v: unknown): BasicKind {
  const k = kindOf(v);
  if (k === 'bool' || k === 'int' || k === 'uint' || k === 'float' || k === 'string') return k;
  return 'invalid';
}

const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';

function asBig(v: unknown): bigint {
  return typeof v === 'bigint' ? v : BigInt(v as number);
}

export function goEq(arg1: unknown, ...arg2: unknown[]): boolean {
  arg1 = ind(arg1);
  if (arg2.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (let arg of arg2) {
    arg = ind(arg);
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) {
        truth = asBig(arg1) === asBig(arg);
      } else if (arg1 !== undefined && arg !== undefined) {
        throw new Error(errBadComparison);
      }
    } else {
      switch (k1) {
        case 'bool':
        case 'string':
          truth = arg1 === arg;
          break;
        case 'int':
        case 'float':
          truth = numberValue(arg1) === numberValue(arg);
          break;
        case 'uint':
          truth = arg1 === arg;
          break;
        default: {
          // Non-basic values: only nil-ness and identity can be compared.
          const nil1 = arg1 === undefined;
          const nil2 = arg === undefined;
          if (nil1 || nil2) truth = nil1 === nil2;
          else {
            const ka = kindOf(arg);
            if (ka === 'slice' || ka === 'map' || ka === 'func') {
              throw new Error(`non-comparable type ${goSprintf('%s', [arg])}: ${typeName(arg)}`);
            }
            truth = arg1 === arg;
          }
        }
      }
    }
    if (truth) return true;
  }
  return false;
}

export function goLt(arg1: unknown, arg2: unknown): boolean {
  arg1 = ind(arg1);
  const k1 = basicKind(arg1);
  if (k1 === 'invalid') throw new Error(errBadComparisonType);
  arg2 = ind(arg2);
  const k2 = basicKind(arg2);
  if (k2 === 'invalid') throw new Error(errBadComparisonType);
  if (k1 !== k2) {
    if (k1 === 'int' && k2 === 'uint') return asBig(arg1) < asBig(arg2);
    if (k1 === 'uint' && k2 === 'int') return asBig(arg1) < asBig(arg2);
    throw new Error(errBadComparison);
  }
  switch (k1) {
    case 'bool':
      throw new Error(errBadComparisonType);
    case 'string':
      return Buffer.compare(Buffer.from(arg1 as string), Buffer.from(arg2 as string)) < 0;
    case 'uint':
      return (arg1 as bigint) < (arg2 as bigint);
    default:
      return numberValue(arg1) < numberValue(arg2);
  }
}

function goLe(a: unknown, b: unknown): boolean {
  return goLt(a, b) || goEq(a, b);
}

/** Go's evalArgs for html/js/urlquery: a single string is used as is, anything else is Sprint-ed. */
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return goSprint(args.map((a) => (a === null || a === undefined ? '<no value>' : a)));
}

export function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) =>
    c === '\0' ? '\uFFFD' : c === '"' ? '&#34;' : c === "'" ? '&#39;' : c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;',
  );
}

export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '\\':
        out += '\\\\';
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case '<':
        out += '\\u003C';
        continue;
      case '>':
        out += '\\u003E';
        continue;
      case '&':
        out += '\\u0026';
        continue;
      case '=':
        out += '\\u003D';
        continue;
    }
    if (c < 0x20) out += '\\u00' + c.toString(16).toUpperCase().padStart(2, '0');
    else if (c < 0x80) out += ch;
    else if (/[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]/u.test(ch)) out += ch;
    else out += '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

/** url.QueryEscape */
export function urlQueryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function call(f: unknown, ...args: unknown[]): unknown {
  f = ind(f);
  if (f === undefined) throw new Error('call of nil');
  if (typeof f !== 'function') throw new Error(`non-function of type ${typeName(f)}`);
  return (f as (...a: unknown[]) => unknown)(...args.map((a) => (a === undefined ? null : a)));
}

/** Names handled specially by the executor (short-circuit evaluation). */
export const AND_OR = new Set(['and', 'or']);

export function builtinFuncs(): Record<string, FuncSpec> {
  return {
    and: fn(['value'], () => undefined, 'value'),
    or: fn(['value'], () => undefined, 'value'),
    not: fn(['value'], (a: unknown) => !isTrue(ind(a))),
    call: fn(['value'], call, 'value'),
    html: fn([], (...a: unknown[]) => htmlEscape(evalArgs(a)), 'any'),
    index: fn(['value'], index, 'value'),
    slice: fn(['value'], slice, 'value'),
    js: fn([], (...a: unknown[]) => jsEscape(evalArgs(a)), 'any'),
    len: fn(['value'], length),
    print: fn([], (...a: unknown[]) => goSprint(a), 'any'),
    printf: fn(['string'], (format: string, ...a: unknown[]) => goSprintf(format, a), 'any'),
    println: fn([], (...a: unknown[]) => goSprintln(a), 'any'),
    urlquery: fn([], (...a: unknown[]) => urlQueryEscape(evalArgs(a)), 'any'),
    eq: fn(['value'], goEq, 'value'),
    ne: fn(['value', 'value'], (a: unknown, b: unknown) => !goEq(a, b)),
    lt: fn(['value', 'value'], goLt),
    le: fn(['value', 'value'], goLe),
    gt: fn(['value', 'value'], (a: unknown, b: unknown) => !goLe(a, b)),
    ge: fn(['value', 'value'], (a: unknown, b: unknown) => !goLt(a, b)),
  };
}

