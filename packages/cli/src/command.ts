// What every command shares: Consul's HTTP flags, client construction, output that is flushed before exit, and
// Go-style usage errors (exit 1). A command takes the arguments after its name and resolves to the exit code.
import {
  CLIENT_FLAGS,
  ConsulConfigError,
  FlagError,
  SERVER_FLAGS,
  clientFromFlags,
  formatFlagUsage,
  parseFlags,
  type ConsulClient,
  type FlagSpecs,
  type ParsedFlags,
} from '@conclave/client';
import { flush, writeLine, type CliIo } from './cli-io.js';

export { CLIENT_FLAGS, SERVER_FLAGS };

const HELP_FLAGS: FlagSpecs = { h: { kind: 'bool' }, help: { kind: 'bool' } };

export type Command = (argv: string[], io: CliIo) => Promise<number>;

export interface CommandContext {
  io: CliIo;
  flags: ParsedFlags['values'];
  args: string[];
  /** The client configured from the HTTP flags and environment (created on first use). */
  client(): ConsulClient;
  out(text: string | Buffer): void;
  err(text: string): void;
}

export interface CommandSpec {
  usage: string;
  flags: FlagSpecs;
  run(ctx: CommandContext): Promise<number>;
}

/** Parses flags, runs the command, maps unexpected errors to exit 1, and flushes stdout/stderr before returning. */
export async function runCommand(argv: string[], io: CliIo, spec: CommandSpec): Promise<number> {
  const writeErr = (text: string) => writeLine(io.stderr, text);
  const specs = { ...spec.flags, ...HELP_FLAGS };
  const usage = `${spec.usage.trim()}\n\n${formatFlagUsage(spec.flags)}`;
  let client: ConsulClient | undefined;
  try {
    let parsed: ParsedFlags;
    try {
      parsed = parseFlags(argv, specs);
    } catch (err) {
      if (!(err instanceof FlagError)) throw err;
      writeErr(err.message);
      writeErr(usage);
      return 1;
    }
    if (parsed.values.h || parsed.values.help) {
      writeErr(usage);
      return 0;
    }
    const ctx: CommandContext = {
      io,
      flags: parsed.values,
      args: parsed.rest,
      client: () => (client ??= clientFromFlags(parsed.values, io.env)),
      out: (text) => writeLine(io.stdout, text),
      err: writeErr,
    };
    return await spec.run(ctx);
  } catch (err) {
    if (err instanceof FlagError) {
      writeErr(err.message);
      writeErr(usage);
    } else if (err instanceof ConsulConfigError) writeErr(`Error connecting to Consul agent: ${err.message}`);
    else writeErr(`Error: ${(err as Error).message ?? String(err)}`);
    return 1;
  } finally {
    client?.close();
    await flush(io);
  }
}

/** `a=b` pairs from a repeatable flag, as Consul's FlagMapValue. */
export function parseKeyValueFlags(values: unknown, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (values as string[] | undefined) ?? []) {
    const eq = item.indexOf('=');
    if (eq < 0) throw new FlagError(`invalid value "${item}" for flag -${flag}: missing "=" in "${item}"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** Go's flag.Uint64Var parse. */
export function parseUintFlag(value: unknown, flag: string): bigint {
  if (value === undefined) return 0n;
  const text = String(value);
  if (!/^\d+$/.test(text) || BigInt(text) > (1n << 64n) - 1n) throw new FlagError(`invalid value "${text}" for flag -${flag}: parse error`);
  return BigInt(text);
}

/** Sub-command dispatch (`kv get`, `catalog nodes`): unknown or missing → help on stderr, exit 1, as mitchellh/cli. */
export function dispatch(name: string, synopsis: string, subs: Record<string, Command>): Command {
  return async (argv, io) => {
    const sub = argv[0];
    if (sub !== undefined && Object.hasOwn(subs, sub)) return subs[sub]!(argv.slice(1), io);
    const list = Object.keys(subs)
      .sort()
      .map((s) => `    ${s}`)
      .join('\n');
    writeLine(io.stderr, `Usage: conclave ${name} <subcommand> [options] [args]\n\n  ${synopsis}\n\nSubcommands:\n${list}`);
    await flush(io);
    return sub === '-h' || sub === '-help' || sub === '--help' ? 0 : 1;
  };
}
