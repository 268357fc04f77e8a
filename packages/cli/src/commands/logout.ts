// `conclave logout`: destroys the token given with -token, -token-file or CONSUL_HTTP_TOKEN, which must be one
// that `conclave login` made (Consul's texts).
import { CLIENT_FLAGS, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';

export function logout(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: `Usage: conclave logout [options]

  The logout command will destroy the provided token if it was created from
  'conclave login'.`,
    flags: { ...CLIENT_FLAGS },
    async run(ctx) {
      if (ctx.args.length > 0) {
        ctx.err('Should have no non-flag arguments.');
        return 1;
      }
      try {
        await ctx.client().write('POST', 'acl/logout');
      } catch (err) {
        ctx.err(`Error destroying token: ${(err as Error).message}`);
        return 1;
      }
      return 0;
    },
  });
}
