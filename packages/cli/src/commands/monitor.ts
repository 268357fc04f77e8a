// `conclave monitor [-log-level=info] [-log-json]`: prints the agent's log as it is written (GET
// /v1/agent/monitor), at a level of its own, until interrupted (exit 0) or the agent ends the stream (exit 1,
// with Consul's words).
import { ConsulConnectionError } from '@conclave/client';
import { CLIENT_FLAGS, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';

const usage = `
Usage: conclave monitor [options]

  Shows recent log messages of a Consul agent, and attaches to the agent,
  outputting log messages as they occur in real time. The monitor lets you
  listen for log levels that may be filtered out of the Consul agent. For
  example your agent may only be logging at INFO level, but with the monitor
  you can see the DEBUG level logs.
`;

/** Failures that mean the monitor never started, rather than a stream the agent ended. */
const NEVER_STARTED = new Set(['ECONNREFUSED', 'ENOENT', 'ENOTFOUND', 'EACCES']);

export function monitor(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage,
    flags: {
      'log-level': { kind: 'string', usage: 'Log level of the agent.' },
      'log-json': { kind: 'bool', usage: 'Output logs in JSON format.' },
      ...CLIENT_FLAGS,
    },
    async run(ctx) {
      const ac = new AbortController();
      let quitting = false;
      const onSignal = () => {
        quitting = true;
        ac.abort();
      };
      process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
      try {
        await ctx.client().agent.monitor((line) => ctx.out(line), {
          logLevel: (ctx.flags['log-level'] as string | undefined) ?? 'INFO',
          logJson: ctx.flags['log-json'] === true,
          signal: ac.signal,
        });
      } catch (err) {
        if (quitting) return 0;
        const code = err instanceof ConsulConnectionError ? err.code : undefined;
        if (!(err instanceof ConsulConnectionError) || NEVER_STARTED.has(code ?? '')) {
          ctx.err(`Error starting monitor: ${(err as Error).message}`);
          return 1;
        }
      } finally {
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      }
      if (quitting) return 0;
      ctx.out('');
      ctx.out('Remote side ended the monitor! This usually means that the\nremote side has exited or crashed.');
      return 1;
    },
  });
}
