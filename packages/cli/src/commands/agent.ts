// `conclave agent`: builds the configuration, starts the agent, prints where it listens, and handles signals
// (SIGHUP reload; SIGINT/SIGTERM clean shutdown). Resolves with the process exit code.
// @conclave/agent is imported here, when the command runs, so that no other sub-command loads the server code.
import type { AgentConfig, Agent as RunningAgent } from '@conclave/agent';
import { FlagError } from '@conclave/client';
import { createLogger } from '@conclave/toolkit';
import type { CliIo } from '../cli-io.js';

export async function agent(argv: string[], io: CliIo): Promise<number> {
  const { Agent, ConfigError, VERSION, buildAgentConfig } = await import('@conclave/agent');
  let built;
  try {
    built = buildAgentConfig(argv);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof FlagError) {
      io.stderr.write(`==> ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const { config, warnings } = built;
  const logger = createLogger(config.logLevel, 'agent', (line) => io.stderr.write(line + '\n'));
  for (const w of warnings) logger.warn(w);
  let stop!: (how: { code: number; leave: boolean }) => void;
  const stopped = new Promise<{ code: number; leave: boolean }>((resolve) => (stop = resolve));
  let agent: RunningAgent;
  io.stdout.write('==> Starting Conclave agent...\n');
  try {
    agent = await Agent.start(config, logger, {
      reloadConfig: () => buildAgentConfig(argv).config,
      onLeave: () => stop({ code: 0, leave: false }),
      setLogLevel: logLevelSetter(logger),
    });
  } catch (err) {
    io.stderr.write(`==> Error starting agent: ${describeStartError(err)}\n`);
    return 1;
  }
  const banner = [
    `           Version: 'v${VERSION}'`,
    `           Node ID: '${agent.identity.id}'`,
    `         Node name: '${config.nodeName}'`,
    `        Datacenter: '${config.datacenter}'`,
    `            Server: ${config.server} (Bootstrap: ${config.bootstrap}${config.bootstrapExpect ? `, Expect: ${config.bootstrapExpect}` : ''})`,
    `       Client Addr: [${config.clientAddr}] (HTTP: ${config.ports.http}, DNS: ${config.ports.dns})`,
    `      Cluster Addr: ${agent.identity.address} (LAN: ${config.ports.serfLan}, WAN: ${config.ports.serfWan})`,
    `              HTTP: http://${agent.httpAddress}`,
    `               DNS: ${agent.dnsAddress} (UDP and TCP)`,
    '',
    '==> Conclave agent running!',
    '',
  ];
  io.stdout.write(banner.join('\n') + '\n');

  const onHup = () => {
    logger.info('Caught signal, reloading', { signal: 'SIGHUP' });
    agent.reload().catch((err: unknown) => logger.error('Reload failed; keeping the running configuration', { error: err }));
  };
  // Consul: clients leave gracefully on SIGINT and SIGTERM, servers just stop (so a restart keeps quorum),
  // unless skip_leave_on_interrupt / leave_on_terminate say otherwise.
  const leaveOnInt = !(config.skipLeaveOnInterrupt ?? config.server);
  const leaveOnTerm = config.leaveOnTerminate ?? !config.server;
  const onStop = (signal: NodeJS.Signals) => () => {
    logger.info('Caught signal, shutting down', { signal });
    stop({ code: 0, leave: signal === 'SIGINT' ? leaveOnInt : leaveOnTerm });
  };
  const onInt = onStop('SIGINT');
  const onTerm = onStop('SIGTERM');
  process.on('SIGHUP', onHup);
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const { code, leave } = await stopped;
  process.off('SIGHUP', onHup);
  process.off('SIGINT', onInt);
  process.off('SIGTERM', onTerm);
  if (leave && !config.dev) {
    logger.info('Gracefully leaving the cluster');
    await agent.leave().catch((err: unknown) => logger.warn('Leave failed', { error: err }));
  }
  await agent.shutdown();
  logger.info('Agent stopped');
  return code;
}

/** A reload changes log_level through the logger when it can change its level at run time. */
function logLevelSetter(logger: object): ((level: AgentConfig['logLevel']) => void) | undefined {
  const settable = logger as { setLevel?: (level: AgentConfig['logLevel']) => void };
  return typeof settable.setLevel === 'function' ? (level) => settable.setLevel!(level) : undefined;
}

function describeStartError(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e.code === 'EADDRINUSE') return `listen ${e.address ?? ''}:${e.port ?? ''}: address already in use`;
  if (e.code === 'EACCES') return `listen ${e.address ?? ''}:${e.port ?? ''}: permission denied`;
  return e instanceof Error ? e.message : String(e);
}
