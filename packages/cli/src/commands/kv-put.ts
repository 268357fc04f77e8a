// `conclave kv put [-cas -modify-index n] [-flags n] [-base64] [-acquire|-release -session s] KEY [DATA]`.
import { CLIENT_FLAGS, SERVER_FLAGS, parseUintFlag, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { dataFromArgs, isStdBase64 } from './kv-data.js';

const putUsage = `
Usage: conclave kv put [options] KEY [DATA]

  Writes the data to the given path in the key-value store. The data can be given as an argument, read from a file
  with "@file", or from stdin with "-". Without DATA an empty value is written. -cas with -modify-index performs a
  Check-And-Set; -acquire/-release with -session take or give up a lock.
`;

export function kvPut(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
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
        ({ key, data } = await dataFromArgs(ctx.args, ctx.io.stdin));
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
