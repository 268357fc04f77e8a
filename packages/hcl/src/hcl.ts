// The entry point: HCL text to plain data, exactly as `hcl.Decode(&map[string]interface{}, text)` builds it in
// Go (see decoder.ts for the shape), plus where every key was written.
import type { GoMap, GoVal } from './decoder.js';
import { decodeFile, DecodeFailure } from './decoder.js';
import { HclError } from './hcl-error.js';
import { KeyPositions } from './key-positions.js';
import { JsonParseError, parseJsonDialect } from './json-parser.js';
import { parse, PosError } from './parser.js';
import { GoPanic } from './token.js';
import { decodeRune, utf8Bytes } from './utf8.js';

export type HclValue = string | number | boolean | HclValue[] | HclObject;
export interface HclObject {
  [key: string]: HclValue;
}

export interface HclDocument {
  root: HclObject;
  positions: KeyPositions;
}

/** Parses and decodes HCL 1 text. Throws HclError naming `file`, the line and column, and the problem. */
export function parseHcl(src: string | Uint8Array, file = '<input>'): HclDocument {
  const bytes = typeof src === 'string' ? utf8Bytes(src) : src;
  let map: GoMap;
  try {
    // As hcl.Parse: text whose first character is "{" is read as HCL's JSON dialect.
    map = decodeFile(startsLikeJson(bytes) ? parseJsonDialect(bytes) : parse(bytes));
  } catch (err) {
    throw toHclError(err, file);
  }
  const positions = new KeyPositions();
  return { root: toPlain(map, positions) as HclObject, positions };
}

function toHclError(err: unknown, file: string): HclError {
  if (err instanceof PosError) {
    const pos = err.pos.line > 0 ? err.pos : err.hint;
    // hashicorp/hcl's words for this one say little about what to change.
    const reason = err.detail.endsWith(': map must have string keys')
      ? `${err.detail} (the same block name is used both with and without a label, e.g. \`service { }\` and \`service "x" { }\`)`
      : err.detail;
    return new HclError(reason, file, pos?.line, pos?.column, err.message);
  }
  if (err instanceof DecodeFailure) {
    const pos = err.pos && err.pos.line > 0 ? err.pos : undefined;
    return new HclError(err.message, file, pos?.line, pos?.column, err.message, err.panic);
  }
  if (err instanceof JsonParseError) return new HclError(err.reason, file, err.pos?.line, err.pos?.column, err.message);
  if (err instanceof GoPanic) return new HclError(err.message, file, undefined, undefined, err.message, true);
  throw err;
}

function toPlain(v: GoVal, positions: KeyPositions): HclValue {
  switch (v.t) {
    case 'string':
    case 'float':
    case 'bool':
      return v.v;
    case 'int':
      return Number(v.v);
    case 'sliceIface':
    case 'sliceMap':
      return v.v.map((x) => toPlain(x, positions));
    case 'map': {
      const obj: HclObject = {};
      for (const [k, x] of v.v) {
        // A key named __proto__ is data here, not the prototype.
        if (k === '__proto__') Object.defineProperty(obj, k, { value: toPlain(x, positions), enumerable: true, writable: true, configurable: true });
        else obj[k] = toPlain(x, positions);
        const pos = v.pos.get(k);
        if (pos && pos.line > 0) positions.set(obj, k, pos);
      }
      return obj;
    }
  }
}

/** hcl's lexMode: the first rune that is not white space (unicode.IsSpace) is "{". */
function startsLikeJson(b: Uint8Array): boolean {
  for (let off = 0; off < b.length; ) {
    const [r, size] = decodeRune(b, off);
    if (!WHITE_SPACE.test(String.fromCodePoint(r))) return r === 0x7b;
    off += size;
  }
  return false;
}

const WHITE_SPACE = /^\p{White_Space}$/u;
