// Reading an auth method's Config as Consul's mapstructure decode does (its texts, `error decoding config: …`),
// shared by the jwt and oidc types.
import { decodeDuration, isPlainObject, parseCaBundle, typeName } from '@conclave/toolkit';
import { AuthMethodError } from './auth-method.js';

/** Whether a field holds anything other than its zero value. */
export function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '' && v !== false && v !== 0 && !(Array.isArray(v) && v.length === 0);
}

export function str(v: unknown, field: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new AuthMethodError(`error decoding config: '${field}' expected type 'string', got ${typeName(v)}`);
  return v;
}

export function bool(v: unknown, field: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new AuthMethodError(`error decoding config: '${field}' expected type 'bool', got ${typeName(v)}`);
  return v;
}

export function strings(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new AuthMethodError(`error decoding config: '${field}' expected a list of strings, got ${typeName(v)}`);
  return v as string[];
}

export function stringMap(v: unknown, field: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isPlainObject(v) || Object.values(v).some((x) => typeof x !== 'string'))
    throw new AuthMethodError(`error decoding config: '${field}' expected a map of strings, got ${typeName(v)}`);
  return v as Record<string, string>;
}

/** ns; a Go duration string or a number of ns. */
export function duration(v: unknown, field: string): number {
  if (v === undefined || v === null || v === '') return 0;
  try {
    return decodeDuration(v, field);
  } catch (err) {
    throw new AuthMethodError(`error decoding config: ${(err as Error).message}`);
  }
}

/** A CA bundle field, when set, must hold a certificate (`error checking <field>: …`). */
export function checkCa(pem: string, field: string): void {
  if (!pem) return;
  try {
    parseCaBundle(pem);
  } catch (err) {
    throw new AuthMethodError(`error checking ${field}: ${(err as Error).message}`);
  }
}

/** go-oidc's algorithm names JWTSupportedAlgs may list (`Invalid supported algorithm: …`). */
export function checkSupportedAlgs(algs: string[]): void {
  for (const alg of algs) if (!/^(RS|ES|PS)(256|384|512)$/.test(alg)) throw new AuthMethodError(`Invalid supported algorithm: ${alg}`);
}

export function int(v: unknown, field: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new AuthMethodError(`error decoding config: '${field}' expected type 'int', got ${typeName(v)}`);
  return v;
}
