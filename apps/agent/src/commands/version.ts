// `conclave version`: our version and the protocol line Consul prints.
import { runCommand } from './common.js';

export const CONCLAVE_VERSION = '0.1.0';
/** Consul's RPC protocol numbers: default 2, understood 2..3. */
const PROTOCOL = { Default: 2, Min: 2, Max: 3 };

export function version(argv: string[]): Promise<number> {
  return runCommand(argv, {
    usage: 'Usage: conclave version [options]',
    flags: { format: { kind: 'string', usage: 'Output format {pretty|json}' } },
    async run(ctx) {
      const format = (ctx.flags.format as string | undefined) ?? 'pretty';
      if (format === 'json') {
        ctx.out(JSON.stringify({ Version: CONCLAVE_VERSION, Revision: '', Prerelease: '', RPC: PROTOCOL }, null, '   '));
        return 0;
      }
      if (format !== 'pretty') {
        ctx.err(`Unknown format: ${format}`);
        return 1;
      }
      ctx.out(`Conclave v${CONCLAVE_VERSION}`);
      ctx.out(
        `Protocol ${PROTOCOL.Default} spoken by default, understands ${PROTOCOL.Min} to ${PROTOCOL.Max} (agent will automatically use protocol >${PROTOCOL.Default} when speaking to compatible agents)`,
      );
      return 0;
    },
  });
}
