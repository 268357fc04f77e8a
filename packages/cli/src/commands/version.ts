// `conclave version`: our version and the protocol line Consul prints.
import { runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { CONCLAVE_VERSION } from '../version.js';

/** Consul's RPC protocol numbers: default 2, understood 2..3. */
const PROTOCOL = { Default: 2, Min: 2, Max: 3 };

export function version(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
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
