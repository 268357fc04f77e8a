// `conclave agent`: builds the configuration, starts the agent, prints where it listens, and handles signals
// (SIGHUP reload; SIGINT/SIGTERM clean shutdown). Resolves with the process exit code.
import { FlagError } from '@conclave/client';
import { Agent } from './agent.js';
import { buildAgentConfig } from './config/agent-flags.js';
import { ConfigError } from './config/config-error.js';
import { createLogger } from './logger.js';
import { VERSION } from './version.js';

export async function runAgentCommand(argv: readonly string[]): Promise<number> {
  let built;
  try {
    built = buildAgentConfig(argv);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof FlagError) {
      process.stderr.write(`==> ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const { config, warnings } = built;
  const logger = createLogger(config.logLevel);
  for (const w of warnings) logger.warn(w);
  if (!config.dev) {
    logger.error(
      'Only -dev mode is available in this release: cluster mode (-server, -bootstrap-expect, -join) needs the Raft and gossip layers, which are not wired into the agent yet',
    );
    return 1;
  }

  let stop!: (code: number) => void;
  const stopped = new Promise<number>((resolve) => (stop = resolve));
  let agent: Agent;
  process.stdout.write('==> Starting Conclave agent...\n');
  try {
    agent = await Agent.start(config, logger, {
      reloadConfig: () => buildAgentConfig(argv).config,
      onLeave: () => stop(0),
    });
  } catch (err) {
    process.stderr.write(`==> Error starting agent: ${describeStartError(err)}\n`);
    return 1;
  }
  const banner = [
    `           Version: 'v${VERSION}'`,
    `           Node ID: '${agent.identity.id}'`,
    `         Node name: '${config.nodeName}'`,
    `        Datacenter: '${config.datacenter}'`,
    `            Server: ${config.server} (Bootstrap: ${config.bootstrap})`,
    `       Client Addr: [${config.clientAddr}] (HTTP: ${config.ports.http}, DNS: ${config.ports.dns})`,
    `      Cluster Addr: ${agent.identity.address} (LAN: ${config.ports.serfLan}, WAN: ${config.ports.serfWan})`,
    `              HTTP: http://${agent.httpAddress}`,
    `               DNS: ${agent.dnsAddress} (UDP and TCP)`,
    '',
    '==> Conclave agent running!',
    '',
  ];
  process.stdout.write(banner.join('\n') + '\n');

  const onHup = () => {
    logger.info('Caught signal, reloading', { signal: 'SIGHUP' });
    agent.reload().catch((err: unknown) => logger.error('Reload failed; keeping the running configuration', { error: err }));
  };
  const onStop = (signal: NodeJS.Signals) => () => {
    logger.info('Caught signal, shutting down', { signal });
    stop(0);
  };
  const onInt = onStop('SIGINT');
  const onTerm = onStop('SIGTERM');
  process.on('SIGHUP', onHup);
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const code = await stopped;
  process.off('SIGHUP', onHup);
  process.off('SIGINT', onInt);
  process.off('SIGTERM', onTerm);
  await agent.shutdown();
  logger.info('Agent stopped');
  return code;
}

function describeStartError(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e.code === 'EADDRINUSE') return `listen ${e.address ?? ''}:${e.port ?? ''}: address already in use`;
  if (e.code === 'EACCES') return `listen ${e.address ?? ''}:${e.port ?? ''}: permission denied`;
  return e instanceof Error ? e.message : String(e);
}
