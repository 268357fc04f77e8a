// `conclave reload`: ask the agent to re-read its configuration (services, checks, watches).
import { CLIENT_FLAGS, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';

export function reload(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: 'Usage: conclave reload\n\n  Causes the agent to reload configurations. This can be used instead of sending the SIGHUP signal to the agent.',
    flags: { ...CLIENT_FLAGS },
    async run(ctx) {
      try {
        await ctx.client().agent.reload();
      } catch (err) {
        ctx.err(`Error reloading: ${(err as Error).message}`);
        return 1;
      }
      ctx.out('Configuration reload triggered');
      return 0;
    },
  });
}
