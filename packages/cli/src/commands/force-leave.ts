// `conclave force-leave [-prune] [-wan] node`: move a failed member to "left" (or remove it with -prune).
import { CLIENT_FLAGS, SERVER_FLAGS, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';

const usage = `Usage: conclave force-leave [options] name

  Forces a member of the cluster to enter the "left" state. Note that if the member is still actually alive, it
  will eventually rejoin the cluster. This command is most useful for cleaning out "failed" nodes that are never
  coming back.`;

export function forceLeave(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage,
    flags: {
      prune: { kind: 'bool', usage: 'Remove agent forcibly from list of members' },
      wan: { kind: 'bool', usage: 'Exclusively leave the agent from the WAN serf pool.' },
      ...CLIENT_FLAGS,
      ...SERVER_FLAGS,
    },
    async run(ctx) {
      if (ctx.args.length !== 1) {
        ctx.err('A single node name must be specified to force leave.');
        ctx.err('');
        ctx.err(usage);
        return 1;
      }
      try {
        await ctx.client().agent.forceLeave(ctx.args[0]!, { prune: ctx.flags.prune === true, wan: ctx.flags.wan === true });
      } catch (err) {
        ctx.err(`Error force leaving: ${(err as Error).message}`);
        return 1;
      }
      return 0;
    },
  });
}
