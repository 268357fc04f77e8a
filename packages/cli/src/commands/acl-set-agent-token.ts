// `conclave acl set-agent-token TYPE TOKEN`: sets one of the agent's ACL tokens at run time (/v1/agent/token).
import { CLIENT_FLAGS, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';

export function aclSetAgentToken(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: `Usage: conclave acl set-agent-token [options] TYPE TOKEN

  This command will set the corresponding token for the agent to use. If token persistence
  is not enabled, then tokens uploaded this way are not persisted and if the agent reloads
  then the tokens will need to be set again.

  Token Types:

    default                  The default token is the token that the agent will use for
                             both internal agent operations and operations initiated by
                             the HTTP and DNS interfaces when no specific token is provided.
    agent                    The token that the agent will use for internal agent operations.
    recovery                 The token that can be used to access the Agent APIs in the event
                             that the ACL datacenter cannot be reached.
    replication              The token that the servers will use for replication.`,
    flags: { ...CLIENT_FLAGS },
    async run(ctx) {
      if (ctx.args.length !== 2) {
        ctx.err('Missing TYPE and TOKEN arguments');
        return 1;
      }
      const [type, token] = ctx.args as [string, string];
      // The CLI's names for the API's kinds.
      const kind = type === 'recovery' || type === 'master' ? 'agent_recovery' : type;
      try {
        await ctx.client().write('PUT', `agent/token/${kind}`, undefined, { Token: token });
        ctx.out(`ACL token "${type}" set successfully`);
        return 0;
      } catch (err) {
        ctx.err(`Failed to set ACL token "${type}": ${(err as Error).message}`);
        return 1;
      }
    },
  });
}
