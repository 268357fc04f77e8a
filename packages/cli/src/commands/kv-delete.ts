// `conclave kv delete [-recurse | -cas -modify-index n] KEY_OR_PREFIX`.
import { CLIENT_FLAGS, SERVER_FLAGS, parseUintFlag, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { stripSlash } from './kv-data.js';

const deleteUsage = `
Usage: conclave kv delete [options] KEY_OR_PREFIX

  Removes the value from the key-value store at the given path. If no key exists at the path, no action is taken.
  -recurse deletes every key with the prefix; -cas with -modify-index deletes only an unchanged key.
`;

export function kvDelete(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
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
