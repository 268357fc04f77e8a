// `conclave leave`: graceful leave and shutdown of the agent.
import { CLIENT_FLAGS, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';

const usage = 'Usage: conclave leave [options]\n\n  Causes the agent to gracefully leave the cluster and shutdown.';

export function leave(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage,
    flags: { ...CLIENT_FLAGS },
    async run(ctx) {
      if (ctx.args.length > 0) {
        ctx.err(`Error found unexpected args: [${ctx.args.join(' ')}]`);
        ctx.out(usage);
        return 1;
      }
      try {
        await ctx.client().agent.leave();
      } catch (err) {
        ctx.err(`Error leaving: ${(err as Error).message}`);
        return 1;
      }
      ctx.out('Graceful leave complete');
      return 0;
    },
  });
}
