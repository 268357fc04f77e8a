// Consul's request bodies and config files are decoded by Go's encoding/json into structs: object keys match field
// names case-insensitively, a time.Duration is a Go duration string or a number of nanoseconds, and a wrong type is
// a user-facing error. These are those rules, for every package that reads such JSON.
import { DecodeError } from './decode-error.js';
import { parseGoDuration } from './go-duration.js';

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

/** `null`, `an array`, `an object`, `a string`…, for error messages. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
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
