// `conclave kv get|put|delete|export|import`, with Consul's flags, messages and exit codes.
import { readFile } from 'node:fs/promises';
import { ConsulConfigError, parseJsonLossless, toUint64, type KVPair } from '@conclave/client';
import { CLIENT_FLAGS, SERVER_FLAGS, dispatch, parseUintFlag, runCommand } from './common.js';
import { goJson, tabwrite } from './format.js';

const getUsage = `
Usage: conclave kv get [options] [KEY_OR_PREFIX]

  Retrieves the value from the key-value store at the given key name. If no key exists with that name, an error is
  returned. If a key exists with that name but has no data, nothing is returned. -detailed shows the key's metadata,
  -recurse lists every key with the prefix, -keys lists only key names (cut at -separator).
`;

function kvGet(argv: string[]): Promise<number> {
  return runCommand(argv, {
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

const putUsage = `
Usage: conclave kv put [options] KEY [DATA]

  Writes the data to the given path in the key-value store. The data can be given as an argument, read from a file
  with "@file", or from stdin with "-". Without DATA an empty value is written. -cas with -modify-index performs a
  Check-And-Set; -acquire/-release with -session take or give up a lock.
`;

function kvPut(argv: string[]): Promise<number> {
  return runCommand(argv, {
    usage: putUsage,
    flags: {
      cas: { kind: 'bool', usage: 'Perform a Check-And-Set operation. Specifying this value also requires the -modify-index flag to be set.' },
      flags: { kind: 'string', usage: 'Unsigned integer value to assign to this key-value pair. The default value is 0 (no flags).' },
      base64: { kind: 'bool', usage: 'Treat the data as base 64 encoded. The default value is false.' },
      'modify-index': { kind: 'string', usage: 'Unsigned integer representing the ModifyIndex of the key. This is used in combination with the -cas flag.' },
      session: { kind: 'string', usage: 'User-defined identifer for this session as a string.' },
      acquire: { kind: 'bool', usage: 'Obtain a lock on the key. The session must already exist and be specified via the -session flag.' },
      release: { kind: 'bool', usage: 'Forfeit the lock on the key at the given path. This requires the -session flag to be set.' },
      ...CLIENT_FLAGS,
      ...SERVER_FLAGS,
    },
    async run(ctx) {
      const flags = parseUintFlag(ctx.flags.flags, 'flags');
      const modifyIndex = parseUintFlag(ctx.flags['modify-index'], 'modify-index');
      let key: string;
      let data: Buffer;
      try {
        ({ key, data } = await dataFromArgs(ctx.args));
      } catch (err) {
        ctx.err(`Error! ${(err as Error).message}`);
        return 1;
      }
      if (ctx.flags.base64) {
        const text = data.toString('utf8').trim();
        if (!isStdBase64(text)) {
          ctx.err('Error! Cannot base 64 decode data: illegal base64 data');
          return 1;
        }
        data = Buffer.from(text, 'base64');
      }
      const session = (ctx.flags.session as string | undefined) ?? '';
      if ((ctx.flags.release || ctx.flags.acquire) && session === '') {
        ctx.err('Error! Missing -session (required with -acquire and -release)');
        return 1;
      }
      if (ctx.flags.cas && modifyIndex === 0n) {
        ctx.err('Must specify -modify-index with -cas!');
        return 1;
      }
      const kv = ctx.client().kv;
      if (ctx.flags.cas) {
        let ok: boolean;
        try {
          ok = await kv.put(key, data, { flags, cas: modifyIndex });
        } catch (err) {
          ctx.err(`Error! Did not write to ${key}: ${(err as Error).message}`);
          return 1;
        }
        if (!ok) {
          ctx.err(`Error! Did not write to ${key}: CAS failed`);
          return 1;
        }
        ctx.out(`Success! Data written to: ${key}`);
        return 0;
      }
      if (ctx.flags.acquire || ctx.flags.release) {
        const acquire = ctx.flags.acquire === true;
        let ok: boolean;
        try {
          ok = await kv.put(key, data, { flags, ...(acquire ? { acquire: session } : { release: session }) });
        } catch (err) {
          ctx.err(`Error! Failed writing data: ${acquire ? (err as Error).message : key}`);
          return 1;
        }
        if (!ok) {
          ctx.err(acquire ? 'Error! Did not acquire lock' : 'Error! Did not release lock');
          return 1;
        }
        ctx.out(`Success! Lock ${acquire ? 'acquired' : 'released'} on: ${key}`);
        return 0;
      }
      try {
        await kv.put(key, data, { flags });
      } catch (err) {
        ctx.err(`Error! Failed writing data: ${(err as Error).message}`);
        return 1;
      }
      ctx.out(`Success! Data written to: ${key}`);
      return 0;
    },
  });
}

async function dataFromArgs(args: string[]): Promise<{ key: string; data: Buffer }> {
  if (args.length === 0) throw new Error('Missing KEY argument');
  if (args.length > 2) throw new Error(`Too many arguments (expected 1 or 2, got ${args.length})`);
  const key = args[0]!;
  const data = args[1];
  if (data === undefined || data === '') return { key, data: Buffer.alloc(0) };
  return { key, data: await readDataArg(data) };
}

/** `@file` reads a file, `-` reads stdin, anything else is the data itself. */
async function readDataArg(data: string): Promise<Buffer> {
  if (data.startsWith('@')) {
    try {
      return await readFile(data.slice(1));
    } catch (err) {
      throw new Error(`Failed to read file: ${(err as Error).message}`);
    }
  }
  if (data === '-') {
    try {
      return await readStdin();
    } catch (err) {
      throw new Error(`Failed to read stdin: ${(err as Error).message}`);
    }
  }
  return Buffer.from(data, 'utf8');
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

function isStdBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

const deleteUsage = `
Usage: conclave kv delete [options] KEY_OR_PREFIX

  Removes the value from the key-value store at the given path. If no key exists at the path, no action is taken.
  -recurse deletes every key with the prefix; -cas with -modify-index deletes only an unchanged key.
`;

function kvDelete(argv: string[]): Promise<number> {
  return runCommand(argv, {
    usage: deleteUsage,
    flags: {
      cas: { kind: 'bool', usage: 'Perform a Check-And-Set operation. Specifying this value also requires the -modify-index flag to be set.' },
      'modify-index': { kind: 'string', usage: 'Unsigned integer representing the ModifyIndex of the key. This is used in combination with the -cas flag.' },
      recurse: { kind: 'bool', usage: 'Recursively delete all keys with the path. The default value is false.' },
      ...CLIENT_FLAGS,
      ...SERVER_FLAGS,
    },
    async run(ctx) {
      const modifyIndex = parseUintFlag(ctx.flags['modify-index'], 'modify-index');
      if (ctx.args.length > 1) {
        ctx.err(`Too many arguments (expected 1, got ${ctx.args.length})`);
        return 1;
      }
      const key = stripSlash(ctx.args[0] ?? '');
      const { recurse, cas } = ctx.flags;
      if (key === '' && !recurse) {
        ctx.err('Error! Missing KEY argument');
        return 1;
      }
      if (cas && modifyIndex === 0n) {
        ctx.err('Cannot delete a key that does not exist. Provide a -modify-index greater than than 0.');
        return 1;
      }
      if (modifyIndex !== 0n && !cas) {
        ctx.err('Cannot specify -modify-index without -cas!');
        return 1;
      }
      if (recurse && cas) {
        ctx.err('Cannot specify both -cas and -recurse!');
        return 1;
      }
      const kv = ctx.client().kv;
      if (recurse) {
        try {
          await kv.delete(key, { recurse: true });
        } catch (err) {
          ctx.err(`Error! Did not delete prefix ${key}: ${(err as Error).message}`);
          return 1;
        }
        ctx.out(`Success! Deleted keys with prefix: ${key}`);
        return 0;
      }
      if (cas) {
        let ok: boolean;
        try {
          ok = await kv.delete(key, { cas: modifyIndex });
        } catch (err) {
          ctx.err(`Error! Did not delete key ${key}: ${(err as Error).message}`);
          return 1;
        }
        if (!ok) {
          ctx.err(`Error! Did not delete key ${key}: CAS failed`);
          return 1;
        }
        ctx.out(`Success! Deleted key: ${key}`);
        return 0;
      }
      try {
        await kv.delete(key);
      } catch (err) {
        ctx.err(`Error deleting key ${key}: ${(err as Error).message}`);
        return 1;
      }
      ctx.out(`Success! Deleted key: ${key}`);
      return 0;
    },
  });
}

const exportUsage = `
Usage: conclave kv export [KEY_OR_PREFIX]

  Retrieves key-value pairs for the given prefix from the key-value store, and writes a JSON representation to
  stdout. This can be used with "conclave kv import" to move entire trees between clusters.
`;

function kvExport(argv: string[]): Promise<number> {
  return runCommand(argv, {
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
    const key = goJson(p.Key, '');
    const value = (p.Value ?? Buffer.alloc(0)).toString('base64');
    return `\t{\n\t\t"key": ${key},\n\t\t"flags": ${p.Flags.toString()},\n\t\t"value": "${value}"\n\t}`;
  });
  return `[\n${items.join(',\n')}\n]`;
}

const importUsage = `
Usage: conclave kv import [options] [DATA]

  Imports key-value pairs to the key-value store from the JSON representation generated by "conclave kv export".
  The data can be read from a file with "@file", from stdin with "-", or given as the argument. -prefix is
  prepended to every imported key.
`;

function kvImport(argv: string[]): Promise<number> {
  return runCommand(argv, {
    usage: importUsage,
    flags: {
      prefix: { kind: 'string', usage: 'Key prefix for imported data. The default value is empty meaning root.' },
      ...CLIENT_FLAGS,
      ...SERVER_FLAGS,
    },
    async run(ctx) {
      let data: Buffer;
      try {
        if (ctx.args.length === 0) throw new Error('Missing DATA argument');
        if (ctx.args.length > 1) throw new Error(`Too many arguments (expected 1, got ${ctx.args.length})`);
        if (ctx.args[0] === '') throw new Error('Empty DATA argument');
        data = await readDataArg(ctx.args[0]!);
      } catch (err) {
        ctx.err(`Error! ${(err as Error).message}`);
        return 1;
      }
      let entries: Array<{ key: string; flags: bigint; value: string }>;
      try {
        entries = decodeEntries(parseJsonLossless(data.toString('utf8')));
      } catch (err) {
        ctx.err(`Cannot unmarshal data: ${(err as Error).message}`);
        return 1;
      }
      const prefix = (ctx.flags.prefix as string | undefined) ?? '';
      const kv = ctx.client().kv;
      for (const entry of entries) {
        if (!isStdBase64(entry.value)) {
          ctx.err(`Error base 64 decoding value for key ${entry.key}: illegal base64 data`);
          return 1;
        }
        const key = prefix + entry.key;
        try {
          await kv.put(key, Buffer.from(entry.value, 'base64'), { flags: entry.flags });
        } catch (err) {
          ctx.err(`Error! Failed writing data for key ${key}: ${(err as Error).message}`);
          return 1;
        }
        ctx.out(`Imported: ${key}`);
      }
      return 0;
    },
  });
}

function decodeEntries(json: unknown): Array<{ key: string; flags: bigint; value: string }> {
  if (!Array.isArray(json)) throw new Error('expected a JSON array of {"key", "flags", "value"} entries');
  return json.map((raw: unknown, i) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`entry ${i} is not an object`);
    const e = raw as Record<string, unknown>;
    const field = (name: string) => e[Object.keys(e).find((k) => k.toLowerCase() === name) ?? name];
    const key = field('key');
    const value = field('value') ?? '';
    const flags = field('flags') ?? 0;
    if (typeof key !== 'string') throw new Error(`entry ${i}: "key" must be a string`);
    if (typeof value !== 'string') throw new Error(`entry ${i}: "value" must be a base64 string`);
    if (typeof flags !== 'number' && typeof flags !== 'string') throw new Error(`entry ${i}: "flags" must be an unsigned integer`);
    try {
      return { key, value, flags: toUint64(flags, 'flags') };
    } catch (err) {
      if (err instanceof ConsulConfigError) throw new Error(`entry ${i}: ${err.message}`);
      throw err;
    }
  });
}

function stripSlash(key: string): string {
  return key.startsWith('/') ? key.slice(1) : key;
}

export const kv = dispatch('kv', 'Interact with the key-value store', {
  get: kvGet,
  put: kvPut,
  delete: kvDelete,
  export: kvExport,
  import: kvImport,
});

