// `conclave join addr...`: tell the agent to join the cluster through the given members.
import { CLIENT_FLAGS, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';

const usage = `Usage: conclave join [options] address ...

  Tells a running agent (with "conclave agent") to join the cluster by specifying at least one existing member.`;

export function join(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage,
    flags: { wan: { kind: 'bool', usage: 'Joins a server to another server in the WAN pool.' }, ...CLIENT_FLAGS },
    async run(ctx) {
      if (ctx.args.length === 0) {
        ctx.err('At least one address to join must be specified.');
        ctx.err('');
        ctx.err(usage);
        return 1;
      }
      const agent = ctx.client().agent;
      let joins = 0;
      for (const addr of ctx.args) {
        try {
          await agent.join(addr, { wan: ctx.flags.wan === true });
          joins++;
        } catch (err) {
          ctx.err(`Error joining address '${addr}': ${(err as Error).message}`);
        }
      }
      if (joins === 0) {
        ctx.err('Failed to join any nodes.');
        return 1;
      }
      ctx.out(`Successfully joined cluster by contacting ${joins} nodes.`);
      return 0;
    },
  });
}
