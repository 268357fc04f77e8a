// How JavaScript values stand in for Go values inside templates.
//
//   undefined          an invalid reflect.Value (a missing map key): prints "<no value>"
//   null               a nil interface{}: prints "<nil>"
//   boolean, string    bool, string
//   number             int when integral and |x| < 2^53, float64 otherwise (JSON cannot tell 1 from 1.0)
//   bigint             uint64 (Consul's KV Flags)
//   GoFloat            an explicit float64 (template constants such as 1.0, parseFloat results)
//   Array              []interface {}
//   plain object, Map  map[string]interface {} (field access never fails; missing keys are <no value>)
//   class instance     a Go struct: fields are own properties, methods are callable; a missing field is an error
//   function           a func value (for `call`)

/**
 * A Go map[string]string (service and node metadata): like any map, but a missing key read through
 * `index` (or with missingkey=zero) is "" rather than nil.
 */
export class GoStringMap extends Map<string, string> {}

/** A float64 whose value happens to be integral (so it is not mistaken for an int). */
export class GoFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
}

export type GoKind = 'invalid' | 'nil' | 'bool' | 'int' | 'uint' | 'float' | 'string' | 'slice' | 'map' | 'struct' | 'func';

export function isPlainMap(v: object): boolean {
  if (v instanceof Map) return true;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function kindOf(v: unknown): GoKind {
  if (v === undefined) return 'invalid';
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    case 'number':
      // Integral values beyond 2^53 cannot be exact ints in JavaScript: they are float64, as JSON decoding makes them.
      return Number.isSafeInteger(v) && !Object.is(v, -0) ? 'int' : 'float';
    case 'bigint':
      return 'uint';
    case 'function':
      return 'func';
    case 'object':
      if (v instanceof GoFloat) return 'float';
      if (Array.isArray(v) || v instanceof Uint8Array) return 'slice';
      if (isPlainMap(v)) return 'map';
      return 'struct';
    default:
      return 'invalid';
  }
}

/** Optional Go type name for struct-like classes, used in error messages (e.g. "*dependency.HealthService"). */
export const GO_TYPE = Symbol.for('conclave.template.goType');

export function typeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid':
      return 'invalid';
    case 'nil':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'string':
      return 'string';
    case 'int':
      return 'int';
    case 'uint':
      return 'uint64';
    case 'float':
      return 'float64';
    case 'slice':
      return v instanceof Uint8Array ? '[]uint8' : '[]interface {}';
    case 'map':
      return v instanceof GoStringMap ? 'map[string]string' : 'map[string]interface {}';
    case 'func':
      return 'func(...interface {}) (interface {}, error)';
    case 'struct': {
      const named = (v as Record<symbol, unknown>)[GO_TYPE];
      if (typeof named === 'string') return named;
      return `*${(v as object).constructor?.name ?? 'struct'}`;
    }
  }
}

export function numberValue(v: unknown): number {
  if (v instanceof GoFloat) return v.value;
  if (typeof v === 'bigint') return Number(v);
  return v as number;
}

/** Entries of a map value with keys sorted as Go's fmtsort does for string keys. */
export function mapEntries(v: object): [string, unknown][] {
  if (v instanceof Map) {
    const raw = [...(v as Map<unknown, unknown>).entries()];
    // Maps with number keys (Go's map[int]...) sort numerically, as fmtsort does.
    if (raw.length > 0 && raw.every(([k]) => typeof k === 'number')) {
      raw.sort((a, b) => (a[0] as number) - (b[0] as number));
      return raw.map(([k, x]) => [String(k), x]);
    }
    const entries = raw.map(([k, x]) => [String(k), x] as [string, unknown]);
    entries.sort((a, b) => compareGoStrings(a[0], b[0]));
    return entries;
  }
  const entries = Object.entries(v);
  entries.sort((a, b) => compareGoStrings(a[0], b[0]));
  return entries;
}

export function mapGet(v: object, key: string): unknown {
  if (v instanceof Map) return (v as Map<unknown, unknown>).has(key) ? (v as Map<unknown, unknown>).get(key) : undefined;
  return Object.prototype.hasOwnProperty.call(v, key) ? (v as Record<string, unknown>)[key] : undefined;
}

export function mapSize(v: object): number {
  return v instanceof Map ? v.size : Object.keys(v).length;
}

/** Byte-wise comparison of UTF-8 strings, as Go compares strings. */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return Buffer.compare(ba, bb);
}

/** Go's zero-value truthiness (text/template isTrue). */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return false;
    case 'bool':
      return v as boolean;
    case 'string':
      return (v as string).length > 0;
    case 'int':
    case 'float':
      return numberValue(v) !== 0;
    case 'uint':
      return (v as bigint) !== 0n;
    case 'slice':
      return (v as ArrayLike<unknown>).length > 0;
    case 'map':
      return mapSize(v as object) > 0;
    case 'struct':
    case 'func':
      return true;
  }
}

/** Fields of a struct-like object in declaration order (own enumerable properties). */
export function structFields(v: object): [string, unknown][] {
  return Object.entries(v).filter(([, x]) => typeof x !== 'function');
}
