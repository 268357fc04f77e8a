// consul-template's debug functions over davecgh/go-spew's default configuration: spew_sdump (Sdump),
// spew_dump (Dump, to stdout), spew_sprintf / spew_printf. Dumps show each value's Go type, lengths and
// nesting with go-spew's layout; maps are dumped in sorted key order (go-spew's default leaves Go's random
// order). Formatting with spew_sprintf follows fmt, as go-spew does for values without pointers.
import { goSprintf } from './go-format.js';
import { GoFloat, GoStringMap, kindOf, mapEntries, numberValue, structFields, typeName } from './values.js';
import { goQuote } from '@conclave/toolkit';

function formatFloat(n: number): string {
  return goSprintf('%v', [n === Math.trunc(n) ? new GoFloat(n) : n]);
}

function dumpValue(v: unknown, depth: number, showType: boolean): string {
  const pad = ' '.repeat(depth + 1);
  const t = showType ? `(${typeName(v)}) ` : '';
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return `(interface {}) <nil>`;
    case 'string':
      return `${t}(len=${Buffer.byteLength(v as string)}) ${goQuote(v as string)}`;
    case 'bool':
      return `${t}${v}`;
    case 'int':
    case 'uint':
      return `${t}${String(v)}`;
    case 'float':
      return `${t}${formatFloat(numberValue(v))}`;
    case 'slice': {
      const a = [...(v as unknown[])];
      if (a.length === 0) return `${t}{\n${' '.repeat(depth)}}`;
      return `${t}(len=${a.length} cap=${a.length}) {\n${a.map((x) => pad + dumpValue(x, depth + 1, true)).join(',\n')}\n${' '.repeat(depth)}}`;
    }
    case 'map': {
      const e = mapEntries(v as object);
      const stringValues = v instanceof GoStringMap;
      if (e.length === 0) return `${t}{\n${' '.repeat(depth)}}`;
      return `${t}(len=${e.length}) {\n${e
        .map(([k, x]) => `${pad}(string) (len=${Buffer.byteLength(k)}) ${goQuote(k)}: ${dumpValue(x, depth + 1, !stringValues || true)}`)
        .join(',\n')}\n${' '.repeat(depth)}}`;
    }
    case 'struct': {
      const f = structFields(v as object);
      return `${t}{\n${f.map(([k, x]) => `${pad}${k}: ${dumpValue(x, depth + 1, true)}`).join(',\n')}\n${' '.repeat(depth)}}`;
    }
    default:
      return `${t}${goSprintf('%v', [v])}`;
  }
}

/** go-spew's Sdump: one dump per argument, each ending in a newline. */
export function spewSdump(args: unknown[]): string {
  return args.map((a) => dumpValue(a, 0, true) + '\n').join('');
}

export function spewSprintf(format: string, args: unknown[]): string {
  return goSprintf(format, args);
}
