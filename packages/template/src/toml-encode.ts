// consul-template's toTOML is BurntSushi/toml's Encoder: this writes the same text for the values templates
// hold (maps, lists, strings, numbers, booleans). Per table: plain keys first, then sub-tables and arrays of
// tables, each group in sorted key order; sub-table contents indented two spaces per level; a blank line
// before each top-level table and each array-of-tables entry; nil values left out; floats always with a
// decimal point; keys bare when they are [A-Za-z0-9_-]+, else quoted.
import { kindOf, mapEntries, numberValue, structFields } from './values.js';

const BARE = /^[A-Za-z0-9_-]+$/;

function quoteKey(k: string): string {
  return BARE.test(k) ? k : tomlString(k);
}

function tomlString(s: string): string {
  let out = '"';
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (c === '\b') out += '\\b';
    else if (c === '\t') out += '\\t';
    else if (c === '\n') out += '\\n';
    else if (c === '\f') out += '\\f';
    else if (c === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
    else out += c;
  }
  return out + '"';
}

function floatText(f: number): string {
  if (Number.isNaN(f)) return 'nan';
  if (!Number.isFinite(f)) return f > 0 ? 'inf' : '-inf';
  // strconv.FormatFloat(f, 'f', -1, 64): shortest digits, never an exponent.
  let s = Math.abs(f) < 1e21 ? String(f) : BigInt(f).toString();
  if (/e/.test(s)) s = f.toFixed(20).replace(/0+$/, '');
  return s.includes('.') ? s : s + '.0';
}

function entries(v: unknown): [string, unknown][] {
  return kindOf(v) === 'struct' ? structFields(v as object) : mapEntries(v as object);
}

const isTable = (v: unknown) => kindOf(v) === 'map' || kindOf(v) === 'struct';
const isTableArray = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((x) => x !== null && x !== undefined && isTable(x));

function inlineValue(v: unknown): string {
  switch (kindOf(v)) {
    case 'string':
      return tomlString(v as string);
    case 'bool':
      return v ? 'true' : 'false';
    case 'int':
    case 'uint':
      return String(v);
    case 'float':
      return floatText(numberValue(v));
    case 'slice':
      return '[' + (v as unknown[]).filter((x) => x !== null && x !== undefined).map(inlineValue).join(', ') + ']';
    case 'map':
    case 'struct':
      // An inline table (a map inside an array that is not an array of tables).
      return '{' + entries(v).filter(([, x]) => x !== null && x !== undefined).map(([k, x]) => `${quoteKey(k)} = ${inlineValue(x)}`).join(', ') + '}';
    default:
      throw new Error(`toml: cannot encode a value of type ${kindOf(v)}`);
  }
}

export function toTomlText(root: unknown): string {
  if (!isTable(root)) throw new Error('toml: top-level values must be Go maps or structs');
  let out = '';
  const newline = () => {
    if (out.length > 0) out += '\n';
  };
  const indent = (depth: number) => '  '.repeat(Math.max(depth - 1, 0));
  const table = (path: string[], v: unknown): void => {
    const all = entries(v).filter(([, x]) => x !== null && x !== undefined);
    const direct = all.filter(([, x]) => !isTable(x) && !isTableArray(x)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const sub = all.filter(([, x]) => isTable(x) || isTableArray(x)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [k, x] of direct) {
      out += `${indent(path.length + 1)}${quoteKey(k)} = ${inlineValue(x)}`;
      newline();
    }
    for (const [k, x] of sub) {
      const key = [...path, k];
      const name = key.map(quoteKey).join('.');
      if (isTableArray(x)) {
        for (const item of x as unknown[]) {
          newline();
          out += `${indent(key.length)}[[${name}]]`;
          newline();
          table(key, item);
        }
      } else {
        if (key.length === 1) newline();
        out += `${indent(key.length)}[${name}]`;
        newline();
        table(key, x);
      }
    }
  };
  table([], root);
  return out;
}
