// What go-bexpr sees of a Go type through reflection, and the field configurations it derives from it
// (field_config.go): which selectors are valid, which match operators each accepts, and how a value in an
// expression is coerced. Consul's filtered types are described with these in filter-types.ts.

import type { MatchOperator } from './bexpr-parse.js';

// Consul's filtered types have no float fields, so floats (and their coercion) are not described.
export type GoPrimitive = 'string' | 'bool' | 'int' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint' | 'uint8' | 'uint16' | 'uint32' | 'uint64';

/** A Go type as reflection describes it. Fields tagged `bexpr:"-"` are simply left out. */
export type GoType =
  | { kind: GoPrimitive }
  | { kind: 'struct'; name: string; fields: GoField[] }
  | { kind: 'map'; key: GoType; elem: GoType }
  | { kind: 'slice'; elem: GoType }
  | { kind: 'ptr'; elem: GoType };

export interface GoField {
  name: string;
  type: GoType;
}

export interface FieldConfig {
  /** The Go type at this selector (pointers removed), for coercion and evaluation. */
  type: GoType;
  coerce: GoPrimitive | undefined;
  operators: readonly MatchOperator[];
  /** Nested selectors; the key '' is any map key. */
  subFields: Map<string, FieldConfig> | undefined;
}

const PRIMITIVES = new Set<string>(['string', 'bool', 'int', 'int8', 'int16', 'int32', 'int64', 'uint', 'uint8', 'uint16', 'uint32', 'uint64']);

export function isPrimitive(t: GoType): t is { kind: GoPrimitive } {
  return PRIMITIVES.has(t.kind);
}

export function deref(t: GoType): GoType {
  while (t.kind === 'ptr') t = t.elem;
  return t;
}

const cache = new WeakMap<GoType, Map<string, FieldConfig>>();

/** generateFieldConfigurations for a struct (the element type a filter is created for). */
export function fieldConfigurations(top: GoType): Map<string, FieldConfig> {
  let fields = cache.get(top);
  if (!fields) {
    const t = deref(top);
    if (t.kind !== 'struct') throw new Error(`bexpr: filtered types are structs here, not ${t.kind}`);
    fields = structFields(t);
    cache.set(top, fields);
  }
  return fields;
}

function structFields(t: { kind: 'struct'; fields: GoField[] }): Map<string, FieldConfig> {
  const out = new Map<string, FieldConfig>();
  for (const f of t.fields) out.set(f.name, fieldConfig(f.type));
  return out;
}

function fieldConfig(raw: GoType): FieldConfig {
  const t = deref(raw);
  if (isPrimitive(t)) {
    const operators: MatchOperator[] = ['Equal', 'Not Equal'];
    if (t.kind === 'string') operators.push('In', 'Not In', 'Matches', 'Not Matches');
    return { type: t, coerce: t.kind, operators, subFields: undefined };
  }
  switch (t.kind) {
    case 'map': {
      if (deref(t.key).kind !== 'string') return { type: t, coerce: undefined, operators: ['Is Empty', 'Is Not Empty'], subFields: undefined };
      return {
        type: t,
        coerce: 'string',
        operators: ['Is Empty', 'Is Not Empty', 'In', 'Not In'],
        subFields: new Map([['', fieldConfig(t.elem)]]),
      };
    }
    case 'slice': {
      // The element's own kind decides, before any pointer is removed: []*string is not a slice of primitives.
      if (isPrimitive(t.elem)) return { type: t, coerce: t.elem.kind, operators: ['In', 'Not In', 'Is Empty', 'Is Not Empty'], subFields: undefined };
      const elem = fieldConfig(t.elem);
      return { type: t, coerce: undefined, operators: ['Is Empty', 'Is Not Empty'], subFields: elem.subFields?.size ? elem.subFields : undefined };
    }
    case 'struct':
      return { type: t, coerce: undefined, operators: [], subFields: structFields(t) };
    default:
      throw new Error(`bexpr: unexpected type ${t.kind}`);
  }
}
