// Decoding helpers that follow Go's rules, because Consul's JSON and query strings are parsed by Go:
// case-insensitive object keys, Go duration strings (or numbers meaning nanoseconds), strconv.ParseBool.

/** A request or config value that is not what it should be; its message is shown to the user as is. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Parses a Go duration string (`"10s"`, `"1h30m"`, `"15.0s"`, `"-1.5ms"`, `"0"`) into nanoseconds. */
export function parseGoDuration(text: string): number {
  const s = text.trim();
  if (s === '0' || s === '+0' || s === '-0') return 0;
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '') throw new DecodeError(`time: invalid duration "${text}"`);
  let total = 0;
  const part = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m) {
      if (/^(\d+\.?\d*|\.\d+)$/.test(rest)) throw new DecodeError(`time: missing unit in duration "${text}"`);
      throw new DecodeError(`time: invalid duration "${text}"`);
    }
    total += parseFloat(m[1]!) * UNIT_NS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return sign * Math.round(total);
}

/** A duration from JSON: a Go string, or a number of nanoseconds (Go's time.Duration is an int64 of ns). */
export function decodeDuration(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string') {
    try {
      return parseGoDuration(value);
    } catch (err) {
      throw new DecodeError(`${field}: ${(err as Error).message}`);
    }
  }
  throw new DecodeError(`${field}: expected a duration string such as "10s", got ${typeName(value)}`);
}

/** Formats nanoseconds as Go's time.Duration.String() does (`10s`, `1m30s`, `1.5s`, `500ms`, `0s`). */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(Math.round(ns));
  let out: string;
  if (u < 1e9) {
    // Sub-second: pick the largest unit that keeps an integer part.
    let unit: string;
    let div: number;
    if (u < 1e3) {
      unit = 'ns';
      div = 1;
    } else if (u < 1e6) {
      unit = 'µs';
      div = 1e3;
    } else {
      unit = 'ms';
      div = 1e6;
    }
    out = trimFraction(u / div, unit === 'ns' ? 0 : Math.log10(div)) + unit;
  } else {
    const h = Math.floor(u / 3600e9);
    u -= h * 3600e9;
    const m = Math.floor(u / 60e9);
    u -= m * 60e9;
    const s = trimFraction(u / 1e9, 9) + 's';
    out = h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
  }
  return neg ? '-' + out : out;
}

function trimFraction(value: number, digits: number): string {
  const fixed = value.toFixed(digits);
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/** Go's strconv.ParseBool; `undefined` when the text is not a boolean. */
export function parseGoBool(text: string): boolean | undefined {
  switch (text) {
    case '1':
    case 't':
    case 'T':
    case 'TRUE':
    case 'true':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'FALSE':
    case 'false':
    case 'False':
      return false;
    default:
      return undefined;
  }
}

/** Key lookup the way Go's encoding/json matches struct fields: exact first, then case-insensitively,
 * ignoring underscores so snake_case config keys (`deregister_critical_service_after`) match too. */
export function getField(obj: Record<string, unknown>, ...names: string[]): unknown {
  for (const name of names) if (Object.prototype.hasOwnProperty.call(obj, name)) return obj[name];
  const wanted = new Set(names.map(normalizeKey));
  for (const key of Object.keys(obj)) if (wanted.has(normalizeKey(key))) return obj[key];
  return undefined;
}

/** True when the object has any of the keys under Go's matching rules. */
export function hasField(obj: Record<string, unknown>, ...names: string[]): boolean {
  const wanted = new Set(names.map(normalizeKey));
  return Object.keys(obj).some((key) => wanted.has(normalizeKey(key)));
}

export function normalizeKey(key: string): string {
  return key.replace(/_/g, '').toLowerCase();
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

export function expectString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new DecodeError(`${field}: expected a string, got ${typeName(value)}`);
  return value;
}

export function expectNumber(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new DecodeError(`${field}: expected a number, got ${typeName(value)}`);
  return value;
}

export function expectBool(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new DecodeError(`${field}: expected true or false, got ${typeName(value)}`);
  return value;
}

export function expectStringArray(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw new DecodeError(`${field}: expected an array of strings, got ${typeName(value)}`);
  return value as string[];
}

export function expectStringMap(value: unknown, field: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value) || Object.values(value).some((v) => typeof v !== 'string'))
    throw new DecodeError(`${field}: expected an object of strings, got ${typeName(value)}`);
  return value as Record<string, string>;
}
