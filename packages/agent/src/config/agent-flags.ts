// `conclave agent` flags (Consul's names) and how they combine with config files, as Consul's builder does:
// defaults < files (in order; a directory's alphabetically) < flags < -hcl snippets. Every problem is collected
// and reported together; `loadAgentConfig` also checks the service, check and watch definitions.
import { formatGoDuration, parseGoDuration } from '@conclave/toolkit';
import { profile as gossipProfile } from '@conclave/gossip';
import { hostname } from 'node:os';
import { FlagError, parseFlags, type FlagSpecs } from '@conclave/client';
import { defaultConfig, type AgentConfig } from './agent-config.js';
import { checkDefinitions } from './check-definitions.js';
import { ConfigError } from './config-error.js';
import { validateTls } from './tls-config.js';
import { applyConfigSource, configSourcesFromPath, fqdn, logLevelOf, type ConfigFormat } from './load-config.js';

export const AGENT_FLAGS: FlagSpecs = {
  dev: { kind: 'bool', usage: 'Development mode: a single in-memory server on 127.0.0.1.' },
  server: { kind: 'bool', usage: 'Run as a server.' },
  bootstrap: { kind: 'bool', usage: 'Bootstrap a single-server cluster (self-elect).' },
  'bootstrap-expect': { kind: 'int', usage: 'Servers to wait for before bootstrapping the cluster.' },
  node: { kind: 'string', usage: 'Name of this node (default: the hostname).' },
  'node-id': { kind: 'string', usage: 'A unique ID for this node.' },
  'node-meta': { kind: 'list', usage: 'key:value metadata for this node (repeatable).' },
  datacenter: { kind: 'string', usage: 'Datacenter of the agent (default dc1).' },
  'data-dir': { kind: 'string', usage: 'Path to a data directory to store agent state.' },
  bind: { kind: 'string', usage: 'Address for cluster communication (gossip and server RPC).' },
  advertise: { kind: 'string', usage: 'Address to advertise to other cluster members.' },
  client: { kind: 'string', usage: 'Address for client interfaces (HTTP, DNS).' },
  'http-port': { kind: 'int', usage: 'HTTP API port (default 8500).' },
  'https-port': { kind: 'int', usage: 'HTTPS API port (default -1: off); needs tls cert_file and key_file.' },
  'dns-port': { kind: 'int', usage: 'DNS port (default 8600).' },
  'server-port': { kind: 'int', usage: 'Server RPC port (default 8300).' },
  'serf-lan-port': { kind: 'int', usage: 'LAN gossip port (default 8301).' },
  'serf-wan-port': { kind: 'int', usage: 'WAN gossip port (default 8302).' },
  'config-file': { kind: 'list', usage: 'A configuration file, JSON (.json) or HCL (.hcl) (repeatable).' },
  'config-dir': { kind: 'list', usage: 'A directory of *.json and *.hcl configuration files, read alphabetically (repeatable).' },
  'config-format': { kind: 'string', usage: "Read every config file as this format, whatever its extension: 'hcl' or 'json'." },
  hcl: { kind: 'list', usage: 'A configuration fragment in HCL, applied after files and flags (repeatable).' },
  recursor: { kind: 'list', usage: 'Upstream DNS server for names outside the domain (repeatable).' },
  domain: { kind: 'string', usage: 'DNS domain (default consul.).' },
  'log-level': { kind: 'string', usage: 'trace, debug, info, warn or error.' },
  'log-json': { kind: 'bool', usage: 'Output logs in JSON format.' },
  'log-file': { kind: 'string', usage: 'Path to a file (or a directory, ending in /, for consul.log) the logs are also written to.' },
  'log-rotate-bytes': { kind: 'int', usage: 'Maximum number of bytes written to a log file before it is rotated (0 = no limit).' },
  'log-rotate-duration': { kind: 'string', usage: 'Time after which the log file is rotated (default 24h).' },
  'log-rotate-max-files': { kind: 'int', usage: 'Rotated log files to keep (0 = all, -1 = none).' },
  syslog: { kind: 'bool', usage: 'Accepted for compatibility; Conclave does not log to syslog (a warning says so).' },
  'enable-script-checks': { kind: 'bool', usage: 'Allow script checks from config files and the HTTP API.' },
  'enable-local-script-checks': { kind: 'bool', usage: 'Allow script checks from config files only.' },
  join: { kind: 'list', usage: 'Address of an agent to join at start (repeatable).' },
  'retry-join': { kind: 'list', usage: 'Address of an agent to join, retried until it works (repeatable).' },
  'retry-interval': { kind: 'string', usage: 'Time between join attempts (default 30s).' },
  'retry-max': { kind: 'int', usage: 'Join attempts before giving up (0 = forever).' },
  'join-wan': { kind: 'list', usage: 'Address of a server of another datacenter to join over the WAN at start (repeatable).' },
  'retry-join-wan': { kind: 'list', usage: 'Address of a server to join over the WAN, retried until it works (repeatable).' },
  'retry-interval-wan': { kind: 'string', usage: 'Time between WAN join attempts (default 30s).' },
  'retry-max-wan': { kind: 'int', usage: 'WAN join attempts before giving up (0 = forever).' },
  encrypt: { kind: 'string', usage: 'Gossip encryption key (base64, from `conclave keygen`).' },
  'raft-multiplier': { kind: 'int', usage: 'Scales Raft timing (default 5; 1 for production).' },
  rejoin: { kind: 'bool', usage: 'Ignore a previous leave and rejoin the cluster.' },
  'leave-on-terminate': { kind: 'bool', usage: 'Leave the cluster gracefully on SIGTERM.' },
  'pid-file': { kind: 'string', usage: 'Path to write the agent PID to.' },
  ui: { kind: 'bool', usage: 'Serve the web UI at /ui/ (on by default in -dev).' },
  'ui-dir': { kind: 'string', usage: 'Serve the web UI from this directory instead of the bundled one.' },
  'ui-content-path': { kind: 'string', usage: 'The HTTP path the web UI is served under (default /ui/).' },
};

/** Said once at start when -syslog / enable_syslog is set. */
export const SYSLOG_WARNING =
  'enable_syslog/-syslog: Conclave does not log to syslog (Node has no unix datagram socket for /dev/log); logs go to stderr and -log-file only';

export interface BuiltConfig {
  config: AgentConfig;
  warnings: string[];
}

/** `buildAgentConfig`, then the checks the agent makes of its service, check and watch definitions at start:
 * what `conclave agent` and `conclave validate` run. Throws ConfigError listing every problem, or FlagError. */
export async function loadAgentConfig(argv: readonly string[], host = hostname()): Promise<BuiltConfig> {
  const { config, warnings, problems } = readAgentConfig(argv, host);
  // The definitions that did load are checked even when other parts of the configuration are wrong.
  problems.push(...(await checkDefinitions(config)));
  if (problems.length > 0) throw new ConfigError(problems);
  return { config, warnings };
}

/** Turns `conclave agent` arguments into the effective configuration. Throws ConfigError (listing every
 * problem in the files and flags) or FlagError. */
export function buildAgentConfig(argv: readonly string[], host = hostname()): BuiltConfig {
  const { config, warnings, problems } = readAgentConfig(argv, host);
  if (problems.length > 0) throw new ConfigError(problems);
  return { config, warnings };
}

function readAgentConfig(argv: readonly string[], host: string): BuiltConfig & { problems: string[] } {
  const { values: f, rest } = parseFlags(argv, AGENT_FLAGS);
  if (rest.length > 0) throw new FlagError(`unexpected argument: ${rest[0]}`);
  const warnings: string[] = [];
  const problems: string[] = [];
  let unreadable = false;
  const cfg = defaultConfig(host);
  if (f.dev) {
    cfg.dev = true;
    cfg.server = true;
    cfg.bootstrap = true;
    cfg.bindAddr = '127.0.0.1';
    cfg.raftMultiplier = 1;
  }
  cfg.configFiles = (f['config-file'] as string[] | undefined) ?? [];
  cfg.configDirs = (f['config-dir'] as string[] | undefined) ?? [];
  const format = f['config-format'] as string | undefined;
  if (format !== undefined && format !== 'hcl' && format !== 'json') {
    problems.push(`-config-format must be either 'hcl' or 'json', got "${format}"`);
  }
  const forced = format === 'hcl' || format === 'json' ? (format as ConfigFormat) : undefined;
  for (const path of [...cfg.configFiles, ...cfg.configDirs]) {
    const { sources, complete } = configSourcesFromPath(path, forced, problems, warnings);
    if (!complete) unreadable = true;
    for (const source of sources) if (!applyConfigSource(cfg, source, problems)) unreadable = true;
  }

  const str = (name: string) => f[name] as string | undefined;
  const int = (name: string) => f[name] as number | undefined;
  if (f.server !== undefined) cfg.server = f.server as boolean;
  if (f.bootstrap !== undefined) cfg.bootstrap = f.bootstrap as boolean;
  if (int('bootstrap-expect') !== undefined) cfg.bootstrapExpect = int('bootstrap-expect')!;
  if (str('node') !== undefined) cfg.nodeName = str('node')!;
  if (str('node-id') !== undefined) cfg.nodeId = str('node-id')!;
  for (const kv of (f['node-meta'] as string[] | undefined) ?? []) {
    const i = kv.indexOf(':');
    if (i <= 0) problems.push(`-node-meta: expected key:value, got "${kv}"`);
    else cfg.nodeMeta[kv.slice(0, i)] = kv.slice(i + 1);
  }
  if (str('datacenter') !== undefined) cfg.datacenter = str('datacenter')!.toLowerCase();
  if (str('data-dir') !== undefined) cfg.dataDir = str('data-dir')!;
  if (str('bind') !== undefined) cfg.bindAddr = str('bind')!;
  if (str('advertise') !== undefined) cfg.advertiseAddr = str('advertise')!;
  if (str('client') !== undefined) cfg.clientAddr = str('client')!;
  if (int('http-port') !== undefined) cfg.ports.http = int('http-port')!;
  if (int('https-port') !== undefined) cfg.ports.https = int('https-port')!;
  if (int('dns-port') !== undefined) cfg.ports.dns = int('dns-port')!;
  if (int('server-port') !== undefined) cfg.ports.server = int('server-port')!;
  if (int('serf-lan-port') !== undefined) cfg.ports.serfLan = int('serf-lan-port')!;
  if (int('serf-wan-port') !== undefined) cfg.ports.serfWan = int('serf-wan-port')!;
  cfg.recursors.push(...((f.recursor as string[] | undefined) ?? []));
  if (str('domain') !== undefined) cfg.domain = fqdn(str('domain')!);
  if (str('log-level') !== undefined) {
    try {
      cfg.logLevel = logLevelOf(str('log-level')!, '-log-level');
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err.message);
    }
  }
  if (f['log-json'] !== undefined) cfg.logJson = f['log-json'] as boolean;
  if (str('log-file') !== undefined) cfg.logFile = str('log-file')!;
  if (int('log-rotate-bytes') !== undefined) cfg.logRotateBytes = int('log-rotate-bytes')!;
  if (str('log-rotate-duration') !== undefined) {
    try {
      cfg.logRotateDurationNs = parseGoDuration(str('log-rotate-duration')!);
    } catch (err) {
      problems.push(`-log-rotate-duration: ${(err as Error).message}`);
    }
  }
  if (int('log-rotate-max-files') !== undefined) cfg.logRotateMaxFiles = int('log-rotate-max-files')!;
  if (f.syslog !== undefined) cfg.enableSyslog = f.syslog as boolean;
  if (f['enable-script-checks'] !== undefined) cfg.enableScriptChecks = f['enable-script-checks'] as boolean;
  if (f['enable-local-script-checks'] !== undefined)
    cfg.enableLocalScriptChecks = f['enable-local-script-checks'] as boolean;
  cfg.startJoin.push(...((f.join as string[] | undefined) ?? []));
  cfg.retryJoin.push(...((f['retry-join'] as string[] | undefined) ?? []));
  if (str('retry-interval') !== undefined) {
    try {
      cfg.retryIntervalNs = parseGoDuration(str('retry-interval')!);
    } catch (err) {
      problems.push(`-retry-interval: ${(err as Error).message}`);
    }
  }
  if (int('retry-max') !== undefined) cfg.retryMax = int('retry-max')!;
  cfg.startJoinWan.push(...((f['join-wan'] as string[] | undefined) ?? []));
  cfg.retryJoinWan.push(...((f['retry-join-wan'] as string[] | undefined) ?? []));
  if (str('retry-interval-wan') !== undefined) {
    try {
      cfg.retryIntervalWanNs = parseGoDuration(str('retry-interval-wan')!);
    } catch (err) {
      problems.push(`-retry-interval-wan: ${(err as Error).message}`);
    }
  }
  if (int('retry-max-wan') !== undefined) cfg.retryMaxWan = int('retry-max-wan')!;
  if (str('encrypt') !== undefined) cfg.encrypt = str('encrypt')!;
  if (int('raft-multiplier') !== undefined) cfg.raftMultiplier = int('raft-multiplier')!;
  if (f['leave-on-terminate'] !== undefined) cfg.leaveOnTerminate = f['leave-on-terminate'] as boolean;
  if (f.rejoin !== undefined) cfg.rejoinAfterLeave = f.rejoin as boolean;
  if (str('pid-file') !== undefined) cfg.pidFile = str('pid-file')!;
  if (f.ui !== undefined) cfg.ui.enabled = f.ui as boolean;
  if (str('ui-dir') !== undefined) cfg.ui.dir = str('ui-dir')!;
  if (str('ui-content-path') !== undefined) cfg.ui.contentPath = str('ui-content-path')!;

  // -hcl fragments come last, after the flags, as in Consul.
  ((f.hcl as string[] | undefined) ?? []).forEach((data, i) => {
    if (!applyConfigSource(cfg, { name: `-hcl #${i + 1}`, format: 'hcl', data }, problems)) unreadable = true;
  });

  if (cfg.enableSyslog) warnings.push(SYSLOG_WARNING);
  // What a file that could not be read or parsed would have set is unknown: no verdict on the whole then.
  if (!unreadable) validate(cfg, problems);
  return { config: cfg, warnings, problems };
}

function validate(cfg: AgentConfig, problems: string[]): void {
  if (cfg.nodeName === '') problems.push('node name is empty: set -node or node_name');
  if (cfg.bootstrap && cfg.bootstrapExpect > 0 && !cfg.dev) problems.push('bootstrap and bootstrap_expect cannot both be set');
  for (const [name, p] of Object.entries(cfg.ports)) {
    if (!Number.isInteger(p) || p < -1 || p > 65535) problems.push(`ports.${name}: invalid port ${p}`);
  }
  if (cfg.logRotateBytes < 0) throw new ConfigError(`log_rotate_bytes: must not be negative, got ${cfg.logRotateBytes}`);
  if (cfg.logRotateDurationNs < 0) throw new ConfigError('log_rotate_duration: must not be negative');
  if (cfg.raftMultiplier < 1 || cfg.raftMultiplier > 10)
    problems.push(`performance.raft_multiplier: must be between 1 and 10, got ${cfg.raftMultiplier}`);
  if (!Number.isSafeInteger(cfg.raftSnapshotThreshold) || cfg.raftSnapshotThreshold < 1)
    problems.push(`raft_snapshot_threshold: must be a positive integer, got ${cfg.raftSnapshotThreshold}`);
  if (!Number.isSafeInteger(cfg.raftTrailingLogs) || cfg.raftTrailingLogs < 0)
    problems.push(`raft_trailing_logs: must not be negative, got ${cfg.raftTrailingLogs}`);
  if (!cfg.dev && cfg.dataDir === '') problems.push('data_dir is required outside -dev mode: set -data-dir or data_dir');
  for (const [name, tuning, pool] of [['gossip_lan', cfg.gossipLan, 'lan'], ['gossip_wan', cfg.gossipWan, 'wan']] as const) {
    const t = { ...gossipProfile(cfg.dev ? 'local' : pool), ...tuning };
    for (const [key, ms] of [['probe_interval', t.probeIntervalMs], ['probe_timeout', t.probeTimeoutMs], ['gossip_interval', t.gossipIntervalMs]] as const) {
      if (!(ms > 0)) problems.push(`${name}.${key}: must be above 0, got ${formatGoDuration(ms * 1e6)}`);
    }
    if (t.probeTimeoutMs >= t.probeIntervalMs)
      problems.push(`${name}: probe_timeout (${formatGoDuration(t.probeTimeoutMs * 1e6)}) must be below probe_interval (${formatGoDuration(t.probeIntervalMs * 1e6)})`);
  }
  try {
    validateTls(cfg.tls, cfg.ports.https);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(err.message);
  }
}
