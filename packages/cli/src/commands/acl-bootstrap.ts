// `conclave acl bootstrap`: creates the initial management token, once (Consul's texts and output).
import { CLIENT_FLAGS, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { formatJson, formatToken, type TokenJson } from './acl-format.js';

export const FORMAT_FLAG = { kind: 'string' as const, usage: 'Output format. Must be one of (pretty|json)' };

export function aclBootstrap(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: `Usage: conclave acl bootstrap [options]

  The bootstrap command will request Consul to generate a new token with unlimited privileges to use
  for management purposes and output its details. This can only be done once and afterwards bootstrapping
  will be disabled. If all tokens are lost and you need to bootstrap again you can follow the bootstrap
  reset procedure.`,
    flags: { ...CLIENT_FLAGS, format: FORMAT_FLAG },
    async run(ctx) {
      try {
        const token = (await ctx.client().write('PUT', 'acl/bootstrap')) as TokenJson;
        ctx.out(ctx.flags.format === 'json' ? formatJson(token) : formatToken(token));
        return 0;
      } catch (err) {
        ctx.err(`Failed ACL bootstrapping: ${(err as Error).message}`);
        return 1;
      }
    },
  });
}
