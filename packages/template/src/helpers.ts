// consul-template's pure helper functions (no Consul data): strings, encodings, hashes, collections,
// math, serialisation. Argument order and results follow consul-template (e.g. `subtract b a` = a - b,
// so that `{{ 5 | subtract 1 }}` is 4).
import { createHash, createHmac } from 'node:crypto';
import { parse as yamlParse } from 'yaml';
import { KeyPair } from './dependency.js';
import { toTomlText } from './toml-encode.js';
import { toYamlText } from './yaml-encode.js';
import { FuncSpec, fn } from './func-spec.js';
import { GoRegexp, goJsonQuote, goQuote, parseGoBool } from '@conclave/toolkit';
import { goSprintf } from './go-format.js';
import { GoFloat, compareGoStrings, isPlainMap, kindOf, mapEntries, mapGet, numberValue, structFields, typeName } from './values.js';

// ---------- encodings ----------

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const B64URL = /^[A-Za-z0-9\-_]*={0,2}$/;

function strictBase64(s: string, url: boolean, label: string): string {
  const re = url ? B64URL : B64;
  const bad = (): never => {
    // Go reports the offset of the first byte it could not use.
    let i = 0;
    const alphabet = url ? /[A-Za-z0-9\-_]/ : /[A-Za-z0-9+/]/;
    while (i < s.length && alphabet.test(s[i]!)) i++;
    if (i >= s.length) i = s.length - (s.length % 4 || 4);
    throw new Error(`${label}: illegal base64 data at input byte ${Math.max(i, 0)}`);
  };
  if (!re.test(s) || s.length % 4 !== 0) bad();
  return Buffer.from(s, url ? 'base64url' : 'base64').toString('utf8');
}

function base64UrlEncode(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

// ---------- collections ----------

function toStringList(v: unknown, label: string): string[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`${label}: expected a list of strings, got ${typeName(v)}`);
  return v.map((x) => (typeof x === 'string' ? x : goSprintf('%v', [x])));
}

function byKey(pairs: unknown): Record<string, Record<string, KeyPair>> {
  const m: Record<string, Record<string, KeyPair>> = {};
  for (const p of (pairs ?? []) as KeyPair[]) {
    const parts = p.Key.split('/');
    const top = parts[0]!;
    const key = parts.slice(1).join('/');
    if (key === '') continue;
    const copy = new KeyPair({ ...p, Key: key });
    (m[top] ??= {})[key] = copy;
  }
  return m;
}

function tagsOf(item: unknown): unknown[] | null {
  if (item === null || typeof item !== 'object') return null;
  const rec = item as Record<string, unknown>;
  const tags = rec.Tags ?? rec.ServiceTags;
  return Array.isArray(tags) ? tags : null;
}

function byTag(items: unknown): Record<string, unknown[]> {
  const m: Record<string, unknown[]> = {};
  if (items === null || items === undefined) return m;
  if (!Array.isArray(items)) throw new Error(`byTag: wrong argument type ${typeName(items)}`);
  for (const it of items) {
    const tags = tagsOf(it);
    if (!tags) throw new Error(`byTag: wrong argument type ${typeName(items)}`);
    for (const t of tags) (m[String(t)] ??= []).push(it);
  }
  return m;
}

function byPort(items: unknown): Map<number, unknown[]> {
  const m = new Map<number, unknown[]>();
  if (items === null || items === undefined) return m;
  if (!Array.isArray(items)) throw new Error(`byPort: wrong argument type ${typeName(items)}`);
  for (const it of items) {
    const rec = it as Record<string, unknown>;
    const k = Number(rec.Port ?? rec.ServicePort ?? 0);
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(it);
  }
  return m;
}

function byMeta(meta: string, services: unknown): Record<string, unknown[]> {
  const normalize = (x: string): string => x.replace(/[^a-zA-Z0-9_-]/g, '_');
  const getOrDefault = (m: object, key: string): string => {
    const real = key.endsWith('|int') ? key.slice(0, -4) : key;
    const v = mapGet(m, real) as string | undefined;
    if (v) return v;
    if (key.endsWith('|int')) return '0';
    return `_no_${real}_`;
  };
  const metas = meta.split(',');
  const groups: Record<string, unknown[]> = {};
  for (const s of (services ?? []) as { ServiceMeta?: object }[]) {
    const sm = s.ServiceMeta ?? {};
    const parts = metas.map((mk) => {
      let value = getOrDefault(sm, mk);
      if (mk.endsWith('|int')) {
        if (!/^[+-]?\d+$/.test(value)) {
          throw new Error(`cannot parse ${value} as number : strconv.Atoi: parsing ${goQuote(value)}: invalid syntax`);
        }
        value = goSprintf('%05d', [Number(value)]);
      }
      return normalize(value);
    });
    (groups[parts.join('_')] ??= []).push(s);
  }
  return groups;
}

/** consul-template's `in`: element of a list (ints, floats and strings compared by kind) or substring. */
function inList(l: unknown, v: unknown): boolean {
  if (Array.isArray(l)) {
    const kv = kindOf(v);
    for (const x of l) {
      const kx = kindOf(x);
      if (kx === 'int' && kv === 'int' && numberValue(x) === numberValue(v)) return true;
      if (kx === 'float' && kv === 'float' && numberValue(x) === numberValue(v)) return true;
      if (kx === 'string' && kv === 'string' && x === v) return true;
    }
    return false;
  }
  if (typeof l === 'string') return typeof v === 'string' && l.includes(v);
  return false;
}

function containsSome(retTrue: boolean, invert: boolean) {
  return (v: unknown, l: unknown): boolean => {
    const list = Array.isArray(v) ? v : [];
    for (const x of list) if (inList(l, x) !== invert) return !retTrue;
    return retTrue;
  };
}

function explodeHelper(m: Record<string, unknown>, k: string, v: unknown, p: string): void {
  if (k.includes('/')) {
    const parts = k.split('/');
    const top = parts[0]!;
    const key = parts.slice(1).join('/');
    if (!(top in m)) m[top] = {};
    const nest = m[top];
    if (nest === null || typeof nest !== 'object' || !isPlainMap(nest)) {
      throw new Error(`explode: not a map: ${goQuote(p)}: ${goQuote(top)} already has value ${goSprintf('%q', [nest])}`);
    }
    explodeHelper(nest as Record<string, unknown>, key, v, k);
    return;
  }
  if (k !== '') m[k] = v;
}

function explode(pairs: unknown): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  for (const p of (pairs ?? []) as KeyPair[]) explodeHelper(m, p.Key, p.Value, p.Key);
  return m;
}

function explodeMap(input: unknown): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  if (input === null || typeof input !== 'object') return m;
  for (const [k, v] of mapEntries(input)) explodeHelper(m, k, v, k);
  return m;
}

/** mergo.Map semantics: fill keys missing in dst (deeply for nested maps); with override, src wins. */
function mergeMaps(dst: unknown, src: unknown, override: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (dst && typeof dst === 'object') for (const [k, v] of mapEntries(dst)) out[k] = v;
  if (src && typeof src === 'object') {
    for (const [k, v] of mapEntries(src)) {
      const cur = out[k];
      const bothMaps =
        cur !== null && typeof cur === 'object' && isPlainMap(cur) && v !== null && typeof v === 'object' && isPlainMap(v);
      if (bothMaps) out[k] = mergeMaps(cur, v, override);
      else if (!(k in out) || override || cur === null || cur === undefined || cur === '' || cur === 0 || cur === false) out[k] = v;
    }
  }
  return out;
}

function indent(spaces: number, s: string): string {
  if (spaces < 0) throw new Error('indent value must be a positive integer');
  const prefix = ' '.repeat(spaces);
  let out = '';
  let sp = true;
  for (const c of s) {
    if (sp && c !== '\n') out += prefix;
    out += c;
    sp = c === '\n';
  }
  return out;
}

function toInt64(v: unknown): number {
  const k = kindOf(v);
  if (k === 'int' || k === 'uint') return numberValue(v);
  if (k === 'string') return parseIntStrict(v as string, 'loop');
  throw new Error(`loop: bad argument type: ${typeName(v)}`);
}

/** `loop 5` → 0..4, `loop 2 5` → 2..4 (consul-template returns a channel; a list ranges the same). */
function loop(...args: unknown[]): number[] {
  let start: number;
  let stop: number;
  if (args.length === 1) {
    start = 0;
    stop = toInt64(args[0]);
  } else if (args.length === 2) {
    start = toInt64(args[0]);
    stop = toInt64(args[1]);
  } else throw new Error(`loop: wrong number of arguments, expected 1 or 2, but got ${args.length}`);
  const n = stop - start;
  if (n > 10_000_000) throw new Error(`loop: range of ${n} values is too large`);
  const out: number[] = [];
  for (let i = start; i < stop; i++) out.push(i);
  return out;
}

// ---------- parsing ----------

function parseBool(s: string): boolean {
  if (s === '') return false;
  const b = parseGoBool(s);
  if (b !== undefined) return b;
  throw new Error(`parseBool: strconv.ParseBool: parsing ${goQuote(s)}: invalid syntax`);
}

function parseIntStrict(s: string, label: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`${label}: strconv.ParseInt: parsing ${goQuote(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) throw new Error(`${label}: strconv.ParseInt: parsing ${goQuote(s)}: value out of range`);
  return Number(n);
}

function parseFloat_(s: string): number | GoFloat {
  if (s === '') return new GoFloat(0);
  const t = s.replace(/_/g, '');
  let f: number;
  if (/^[+-]?(inf|infinity)$/i.test(t)) f = t.startsWith('-') ? -Infinity : Infinity;
  else if (/^nan$/i.test(t)) f = NaN;
  else if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) f = Number(t);
  else throw new Error(`parseFloat: strconv.ParseFloat: parsing ${goQuote(s)}: invalid syntax`);
  return Number.isInteger(f) ? new GoFloat(f) : f;
}

function parseUint(s: string): bigint {
  if (s === '') return 0n;
  if (!/^\d+$/.test(s)) throw new Error(`parseUint: strconv.ParseUint: parsing ${goQuote(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n >= 2n ** 64n) throw new Error(`parseUint: strconv.ParseUint: parsing ${goQuote(s)}: value out of range`);
  return n;
}

/** JSON numbers decode to float64 in Go. */
function goJsonValue(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? new GoFloat(v) : v;
  if (Array.isArray(v)) return v.map(goJsonValue);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = goJsonValue(x);
    return out;
  }
  return v;
}

function parseJSON(s: string): unknown {
  if (s === '') return {};
  try {
    return goJsonValue(JSON.parse(s));
  } catch (e) {
    throw new Error((e as Error).message);
  }
}

function parseYAML(s: string): unknown {
  if (s === '') return {};
  try {
    return yamlParse(s);
  } catch (e) {
    // yaml.v2's shape ("yaml: line N: ..."); the words after it are the parser's own, not libyaml's.
    const line = (e as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    const what = (e as Error).message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new Error(line !== undefined ? `yaml: line ${line}: ${what}` : `yaml: ${what}`);
  }
}

// ---------- serialisation ----------

/** encoding/json.Marshal (sorted map keys, struct fields in order, HTML-safe unless told otherwise). */
export function goJsonMarshal(v: unknown, indentBy = '', escapeHtml = true, level = 0): string {
  const nl = indentBy ? '\n' + indentBy.repeat(level + 1) : '';
  const close = indentBy ? '\n' + indentBy.repeat(level) : '';
  const sep = indentBy ? ': ' : ':';
  if (v === null || v === undefined) return 'null';
  switch (kindOf(v)) {
    case 'bool':
      return v ? 'true' : 'false';
    case 'string':
      return goJsonQuote(v as string, escapeHtml);
    case 'int':
    case 'uint':
      return String(v);
    case 'float': {
      const f = numberValue(v);
      if (!Number.isFinite(f)) throw new Error(`json: unsupported value: ${goSprintf('%v', [f])}`);
      return JSON.stringify(f);
    }
    case 'slice': {
      if (v instanceof Uint8Array) return goJsonQuote(Buffer.from(v).toString('base64'), escapeHtml);
      const items = Array.from(v as ArrayLike<unknown>);
      if (items.length === 0) return '[]';
      return '[' + items.map((x) => nl + goJsonMarshal(x, indentBy, escapeHtml, level + 1)).join(',') + close + ']';
    }
    case 'map': {
      const entries = mapEntries(v as object);
      if (entries.length === 0) return '{}';
      return '{' + entries.map(([k, x]) => nl + goJsonQuote(k, escapeHtml) + sep + goJsonMarshal(x, indentBy, escapeHtml, level + 1)).join(',') + close + '}';
    }
    case 'struct': {
      const fields = structFields(v as object);
      if (fields.length === 0) return '{}';
      return '{' + fields.map(([k, x]) => nl + goJsonQuote(k, escapeHtml) + sep + goJsonMarshal(x, indentBy, escapeHtml, level + 1)).join(',') + close + '}';
    }
    default:
      throw new Error(`json: unsupported type: ${typeName(v)}`);
  }
}

function toYAML(v: unknown): string {
  return toYamlText(v).trim();
}

function toTOML(v: unknown): string {
  try {
    return toTomlText(v).trim();
  } catch (e) {
    throw new Error(`toTOML: ${(e as Error).message}`);
  }
}

// ---------- strings ----------

function toTitle(s: string): string {
  // cases.Title(language.Und, cases.NoLower): upper-case the first letter of every word, keep the rest.
  return s.replace(/(^|[^\p{L}\p{N}'’])(\p{L})/gu, (_m, pre: string, c: string) => pre + c.toUpperCase());
}

function goTrim(s: string, cutset: string): string {
  const set = new Set([...cutset]);
  const chars = [...s];
  let a = 0;
  let b = chars.length;
  while (a < b && set.has(chars[a]!)) a++;
  while (b > a && set.has(chars[b - 1]!)) b--;
  return chars.slice(a, b).join('');
}

function goTrimSpace(s: string): string {
  return s.replace(/^[\s\u0085]+|[\s\u0085]+$/gu, '');
}

function split(sep: string, s: string): string[] {
  const t = goTrimSpace(s);
  if (t === '') return [];
  if (sep === '') return [...t];
  return t.split(sep);
}

function splitToMap(sep1: string, sep2: string, s: string): Record<string, string> {
  const t = goTrimSpace(s);
  const m: Record<string, string> = {};
  if (t === '') return m;
  for (const part of sep1 === '' ? [...t] : t.split(sep1)) {
    const i = part.indexOf(sep2);
    if (i < 0) continue;
    m[part.slice(0, i)] = part.slice(i + sep2.length);
  }
  return m;
}

// ---------- math ----------

type NumKind = 'int' | 'uint' | 'float';

function numKind(v: unknown, label: string): NumKind {
  const k = kindOf(v);
  if (k === 'int' || k === 'uint' || k === 'float') return k;
  throw new Error(`${label}: unknown type for ${goQuote(goSprintf('%v', [v]))} (${v === null || v === undefined ? '<nil>' : typeName(v)})`);
}

function mathOp(label: string, op: (a: number, b: number, floaty: boolean) => number, allowFloat = true) {
  // consul-template's (b, a) order: the piped value is `a`.
  return (b: unknown, a: unknown): unknown => {
    const ka = numKind(a, label);
    const kb = numKind(b, label);
    const floaty = ka === 'float' || kb === 'float';
    if (floaty && !allowFloat) numKind(undefined, label);
    const r = op(numberValue(a), numberValue(b), floaty);
    if (floaty) return Number.isInteger(r) ? new GoFloat(r) : r;
    if (ka === 'uint' && kb === 'uint') return BigInt.asUintN(64, BigInt(Math.trunc(r)));
    return Math.trunc(r);
  };
}

function intDiv(a: number, b: number, floaty: boolean): number {
  if (floaty) return a / b;
  if (b === 0) throw new Error('runtime error: integer divide by zero');
  return Math.trunc(a / b);
}

function intMod(a: number, b: number): number {
  if (b === 0) throw new Error('runtime error: integer divide by zero');
  return a % b;
}

function minMax(label: string, pickA: (a: number, b: number) => boolean) {
  return (b: unknown, a: unknown): unknown => {
    numKind(a, label);
    numKind(b, label);
    return pickA(numberValue(a), numberValue(b)) ? a : b;
  };
}

// ---------- Go time layouts ----------

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** time.Time.Format for a UTC time. */
export function goTimeFormat(d: Date, layout: string): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const Y = d.getUTCFullYear();
  const M = d.getUTCMonth();
  const D = d.getUTCDate();
  const h = d.getUTCHours();
  const mi = d.getUTCMinutes();
  const s = d.getUTCSeconds();
  const ms = d.getUTCMilliseconds();
  const tokens: [string, () => string][] = [
    ['January', () => MONTHS[M]!],
    ['Monday', () => DAYS[d.getUTCDay()]!],
    ['2006', () => String(Y).padStart(4, '0')],
    ['Z07:00', () => 'Z'],
    ['Z0700', () => 'Z'],
    ['Z07', () => 'Z'],
    ['-07:00', () => '+00:00'],
    ['-0700', () => '+0000'],
    ['-07', () => '+00'],
    ['Jan', () => MONTHS[M]!.slice(0, 3)],
    ['Mon', () => DAYS[d.getUTCDay()]!.slice(0, 3)],
    ['MST', () => 'UTC'],
    ['002', () => String(Math.floor((Date.UTC(Y, M, D) - Date.UTC(Y, 0, 1)) / 86400000) + 1).padStart(3, '0')],
    ['.000000000', () => '.' + String(ms).padStart(3, '0') + '000000'],
    ['.000000', () => '.' + String(ms).padStart(3, '0') + '000'],
    ['.000', () => '.' + String(ms).padStart(3, '0')],
    ['.999999999', () => (ms ? '.' + String(ms).padStart(3, '0').replace(/0+$/, '') : '')],
    ['.999999', () => (ms ? '.' + String(ms).padStart(3, '0').replace(/0+$/, '') : '')],
    ['.999', () => (ms ? '.' + String(ms).padStart(3, '0').replace(/0+$/, '') : '')],
    ['01', () => p2(M + 1)],
    ['02', () => p2(D)],
    ['_2', () => String(D).padStart(2, ' ')],
    ['06', () => p2(Y % 100)],
    ['15', () => p2(h)],
    ['03', () => p2(h % 12 === 0 ? 12 : h % 12)],
    ['04', () => p2(mi)],
    ['05', () => p2(s)],
    ['PM', () => (h >= 12 ? 'PM' : 'AM')],
    ['pm', () => (h >= 12 ? 'pm' : 'am')],
    ['1', () => String(M + 1)],
    ['2', () => String(D)],
    ['3', () => String(h % 12 === 0 ? 12 : h % 12)],
    ['4', () => String(mi)],
    ['5', () => String(s)],
  ];
  let out = '';
  let i = 0;
  outer: while (i < layout.length) {
    for (const [tok, f] of tokens) {
      if (layout.startsWith(tok, i)) {
        out += f();
        i += tok.length;
        continue outer;
      }
    }
    out += layout[i];
    i++;
  }
  return out;
}

export interface HelperOptions {
  /** Clock for `timestamp` (tests pin it). */
  now?: () => Date;
}

/** consul-template's helper functions, typed as in Go. */
export function helperFuncs(opts: HelperOptions = {}): Record<string, FuncSpec> {
  const now = opts.now ?? (() => new Date());
  return {
    base64Decode: fn(['string'], (s: string) => strictBase64(s, false, 'base64Decode')),
    base64Encode: fn(['string'], (s: string) => Buffer.from(s, 'utf8').toString('base64')),
    base64URLDecode: fn(['string'], (s: string) => strictBase64(s, true, 'base64URLDecode')),
    base64URLEncode: fn(['string'], base64UrlEncode),
    byKey: fn(['any'], byKey),
    byPort: fn(['any'], byPort),
    byTag: fn(['any'], byTag),
    byMeta: fn(['string', 'any'], byMeta),
    contains: fn(['any', 'any'], (v: unknown, l: unknown) => inList(l, v)),
    containsAll: fn(['any', 'any'], containsSome(true, true)),
    containsAny: fn(['any', 'any'], containsSome(false, false)),
    containsNone: fn(['any', 'any'], containsSome(true, false)),
    containsNotAll: fn(['any', 'any'], containsSome(false, true)),
    explode: fn(['any'], explode),
    explodeMap: fn(['any'], explodeMap),
    mergeMap: fn(['any', 'any'], (d: unknown, s: unknown) => mergeMaps(d, s, false)),
    mergeMapWithOverride: fn(['any', 'any'], (d: unknown, s: unknown) => mergeMaps(d, s, true)),
    in: fn(['any', 'any'], inList),
    indent: fn(['int', 'string'], indent),
    loop: fn([], loop, 'any'),
    join: fn(['string', 'any'], (sep: string, a: unknown) => toStringList(a, 'join').join(sep)),
    trim: fn(['string', 'string'], (cutset: string, s: string) => goTrim(s, cutset)),
    trimPrefix: fn(['string', 'string'], (p: string, s: string) => (s.startsWith(p) ? s.slice(p.length) : s)),
    trimSuffix: fn(['string', 'string'], (p: string, s: string) => (p !== '' && s.endsWith(p) ? s.slice(0, -p.length) : s)),
    trimSpace: fn(['string'], goTrimSpace),
    parseBool: fn(['string'], parseBool),
    parseFloat: fn(['string'], parseFloat_),
    parseInt: fn(['string'], (s: string) => (s === '' ? 0 : parseIntStrict(s, 'parseInt'))),
    parseJSON: fn(['string'], parseJSON),
    parseUint: fn(['string'], parseUint),
    parseYAML: fn(['string'], parseYAML),
    // Go's regexp (toolkit's GoRegexp: RE2 syntax, linear time, regexp.Expand templates), as consul-template.
    regexReplaceAll: fn(['string', 'string', 'string'], (re: string, repl: string, s: string) => GoRegexp.compile(re).replaceAll(s, repl)),
    regexMatch: fn(['string', 'string'], (re: string, s: string) => GoRegexp.compile(re).test(s)),
    replaceAll: fn(['string', 'string', 'string'], (f: string, t: string, s: string) => (f === '' ? [...s].join(t).replace(/^/, t) + (s ? t : '') : s.split(f).join(t))),
    sha256Hex: fn(['string'], (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')),
    md5sum: fn(['string'], (s: string) => createHash('md5').update(s, 'utf8').digest('hex')),
    hmacSHA256Hex: fn(['string', 'string'], (m: string, k: string) => createHmac('sha256', k).update(m, 'utf8').digest('hex')),
    timestamp: fn(
      [],
      (...s: string[]) => {
        if (s.length === 0) return goTimeFormat(now(), '2006-01-02T15:04:05Z07:00');
        if (s.length === 1) return s[0] === 'unix' ? String(Math.floor(now().getTime() / 1000)) : goTimeFormat(now(), s[0]!);
        throw new Error(`timestamp: wrong number of arguments, expected 0 or 1, but got ${s.length}`);
      },
      'string',
    ),
    toLower: fn(['string'], (s: string) => s.toLowerCase()),
    toUpper: fn(['string'], (s: string) => s.toUpperCase()),
    toTitle: fn(['string'], toTitle),
    toJSON: fn(['any'], (v: unknown) => goJsonMarshal(v)),
    toJSONPretty: fn(['any'], (v: unknown) => goJsonMarshal(v, '  ')),
    toUnescapedJSON: fn(['any'], (v: unknown) => goJsonMarshal(v, '', false)),
    toUnescapedJSONPretty: fn(['any'], (v: unknown) => goJsonMarshal(v, '  ', false)),
    toYAML: fn(['any'], toYAML),
    toTOML: fn(['any'], toTOML),
    split: fn(['string', 'string'], split),
    splitToMap: fn(['string', 'string', 'string'], splitToMap),
    add: fn(['any', 'any'], mathOp('add', (a, b) => a + b)),
    subtract: fn(['any', 'any'], mathOp('subtract', (a, b) => a - b)),
    multiply: fn(['any', 'any'], mathOp('multiply', (a, b) => a * b)),
    divide: fn(['any', 'any'], mathOp('divide', intDiv)),
    modulo: fn(['any', 'any'], mathOp('modulo', (a, b) => intMod(a, b), false)),
    minimum: fn(['any', 'any'], minMax('minimum', (a, b) => a < b)),
    maximum: fn(['any', 'any'], minMax('maximum', (a, b) => a > b)),
  };
}

export { compareGoStrings };
