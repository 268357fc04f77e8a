// `conclave kv export [PREFIX]`: the pairs as JSON, in the layout `kv import` (and Consul's) reads back.
import type { KVPair } from '@conclave/client';
import { CLIENT_FLAGS, SERVER_FLAGS, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { goJsonQuote } from '@conclave/toolkit';
import { stripSlash } from './kv-data.js';

const exportUsage = `
Usage: conclave kv export [KEY_OR_PREFIX]

  Retrieves key-value pairs for the given prefix from the key-value store, and writes a JSON representation to
  stdout. This can be used with "conclave kv import" to move entire trees between clusters.
`;

export function kvExport(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: exportUsage,
    flags: { ...CLIENT_FLAGS, ...SERVER_FLAGS },
    async run(ctx) {
      if (ctx.args.length > 1) {
        ctx.err(`Too many arguments (expected 1, got ${ctx.args.length})`);
        return 1;
      }
      const key = stripSlash(ctx.args[0] ?? '');
      let pairs: KVPair[];
      try {
        pairs = (await ctx.client().kv.list(key)).body;
      } catch (err) {
        ctx.err(`Error querying Consul agent: ${(err as Error).message}`);
        return 1;
      }
      ctx.out(exportJson(pairs));
      return 0;
    },
  });
}

/** Go's MarshalIndent(entries, "", "\t") with `flags` as an exact uint64. */
function exportJson(pairs: KVPair[]): string {
  if (pairs.length === 0) return '[]';
  const items = pairs.map((p) => {
    const key = goJsonQuote(p.Key);
    const value = (p.Value ?? Buffer.alloc(0)).toString('base64');
    return `\t{\n\t\t"key": ${key},\n\t\t"flags": ${p.Flags.toString()},\n\t\t"value": "${value}"\n\t}`;
  });
  return `[\n${items.join(',\n')}\n]`;
}
