// `conclave info`: the agent's Stats from /v1/agent/self, one `section:` heading and `\tkey = value` lines, sorted.
import { CLIENT_FLAGS, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';

export function info(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: 'Usage: conclave info [options]\n\n  Provides debugging information for operators',
    flags: { ...CLIENT_FLAGS },
    async run(ctx) {
      let self;
      try {
        self = await ctx.client().agent.self();
      } catch (err) {
        ctx.err(`Error querying agent: ${(err as Error).message}`);
        return 1;
      }
      const stats = self.Stats as unknown;
      if (!stats || typeof stats !== 'object') {
        ctx.err(`Agent response did not contain 'Stats' key: ${JSON.stringify(self)}`);
        return 1;
      }
      for (const section of Object.keys(stats).sort()) {
        ctx.out(section + ':');
        const values = (stats as Record<string, unknown>)[section];
        if (!values || typeof values !== 'object') {
          ctx.err(`Got invalid subkey in stats: ${JSON.stringify(values)}`);
          return 1;
        }
        const map = values as Record<string, unknown>;
        for (const key of Object.keys(map).sort()) ctx.out(`\t${key} = ${typeof map[key] === 'string' ? map[key] : JSON.stringify(map[key])}`);
      }
      return 0;
    },
  });
}
