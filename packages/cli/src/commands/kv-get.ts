// `conclave kv get [-detailed] [-base64] [-recurse] [-keys [-separator s]] KEY_OR_PREFIX`.
import type { KVPair } from '@conclave/client';
import { CLIENT_FLAGS, SERVER_FLAGS, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { tabwrite } from '../format.js';
import { stripSlash } from './kv-data.js';

const getUsage = `
Usage: conclave kv get [options] [KEY_OR_PREFIX]

  Retrieves the value from the key-value store at the given key name. If no key exists with that name, an error is
  returned. If a key exists with that name but has no data, nothing is returned. -detailed shows the key's metadata,
  -recurse lists every key with the prefix, -keys lists only key names (cut at -separator).
`;

export function kvGet(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: getUsage,
    flags: {
      base64: { kind: 'bool', usage: 'Base64 encode the value. The default value is false.' },
      detailed: { kind: 'bool', usage: 'Provide additional metadata about the key in addition to the value such as the ModifyIndex and any flags that may have been set on the key.' },
      keys: { kind: 'bool', usage: 'List keys which start with the given prefix, but not their values.' },
      recurse: { kind: 'bool', usage: 'Recursively look at all keys prefixed with the given path.' },
      separator: { kind: 'string', usage: 'String to use as a separator between keys (with -keys). Default "/".' },
      ...CLIENT_FLAGS,
      ...SERVER_FLAGS,
    },
    async run(ctx) {
      if (ctx.args.length > 1) {
        ctx.err(`Too many arguments (expected 1, got ${ctx.args.length})`);
        return 1;
      }
      const key = stripSlash(ctx.args[0] ?? '');
      const { recurse, keys, detailed, base64 } = ctx.flags;
      if (key === '' && !(recurse || keys)) {
        ctx.err('Error! Missing KEY argument');
        return 1;
      }
      const kv = ctx.client().kv;
      try {
        if (keys) {
          const separator = (ctx.flags.separator as string | undefined) ?? '/';
          for (const k of (await kv.keys(key, separator)).body) ctx.out(k);
          return 0;
        }
        if (recurse) {
          const pairs = (await kv.list(key)).body;
          pairs.forEach((pair, i) => {
            if (detailed) {
              ctx.out(prettyPair(pair, base64 === true));
              if (i < pairs.length - 1) ctx.out('');
            } else {
              ctx.out(Buffer.concat([Buffer.from(pair.Key + ':'), valueBytes(pair, base64 === true)]));
            }
          });
          return 0;
        }
        const pair = (await kv.get(key)).body;
        if (!pair) {
          ctx.err(`Error! No key exists at: ${key}`);
          return 1;
        }
        ctx.out(detailed ? prettyPair(pair, base64 === true) : valueBytes(pair, base64 === true));
        return 0;
      } catch (err) {
        ctx.err(`Error querying Consul agent: ${(err as Error).message}`);
        return 1;
      }
    },
  });
}

function valueBytes(pair: KVPair, base64: boolean): Buffer {
  const value = pair.Value ?? Buffer.alloc(0);
  return base64 ? Buffer.from(value.toString('base64')) : value;
}

function prettyPair(pair: KVPair, base64: boolean): string {
  return tabwrite([
    ['CreateIndex', String(pair.CreateIndex)],
    ['Flags', pair.Flags.toString()],
    ['Key', pair.Key],
    ['LockIndex', String(pair.LockIndex)],
    ['ModifyIndex', String(pair.ModifyIndex)],
    ['Session', pair.Session ? pair.Session : '-'],
    ['Value', valueBytes(pair, base64).toString('utf8')],
  ]);
}
