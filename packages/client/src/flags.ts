// Command-line flags with Go's `flag` package rules, because Consul's users type Go-style flags:
// `-name value`, `-name=value`, `--name`; booleans take no separate value (`-server -bootstrap`, `-dev=false`);
// parsing stops at the first argument that is not a flag, or after `--`.
import { parseGoBool } from '@conclave/toolkit';

export type FlagKind = 'string' | 'bool' | 'int' | 'list';

export interface FlagSpec {
  kind: FlagKind;
  /** One line shown by -h. */
  usage?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

export interface ParsedFlags {
  /** string and int flags hold their last value; list flags every value in order; bools true/false. */
  values: Record<string, string | number | boolean | string[]>;
  /** Arguments after the flags. */
  rest: string[];
}

export class FlagError extends Error {
  override name = 'FlagError';
}

export function parseFlags(argv: readonly string[], specs: FlagSpecs): ParsedFlags {
  const values: ParsedFlags['values'] = {};
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    const spec = specs[name];
    if (!spec) throw new FlagError(`flag provided but not defined: -${name}`);
    i++;
    if (spec.kind === 'bool') {
      if (inline === undefined) values[name] = true;
      else {
        const b = parseGoBool(inline);
        if (b === undefined) throw new FlagError(`invalid boolean value "${inline}" for -${name}`);
        values[name] = b;
      }
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i >= argv.length) throw new FlagError(`flag needs an argument: -${name}`);
      value = argv[i++]!;
    }
    if (spec.kind === 'int') {
      if (!/^-?\d+$/.test(value)) throw new FlagError(`invalid value "${value}" for flag -${name}: parse error`);
      values[name] = parseInt(value, 10);
    } else if (spec.kind === 'list') {
      const list = (values[name] as string[] | undefined) ?? [];
      list.push(value);
      values[name] = list;
    } else {
      values[name] = value;
    }
  }
  return { values, rest: argv.slice(i) };
}

/** Usage lines in Go's style, for -h. */
export function formatFlagUsage(specs: FlagSpecs): string {
  return Object.entries(specs)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, spec]) => `  -${name}${spec.kind === 'bool' ? '' : ' <' + spec.kind + '>'}\n      ${spec.usage ?? ''}`)
    .join('\n');
}
