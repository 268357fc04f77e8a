// The agent's effective configuration after flags and files are merged. Field names are ours (camelCase);
// the file format is Consul's (see load-config.ts).
import type { GossipConfig } from '@conclave/gossip';
import type { TlsConfig } from './tls-config.js';
import { DEFAULT_AUTOPILOT_CONFIG, type AutopilotConfig } from '@conclave/state';
import { defaultAclSettings, type AclSettings } from './acl-config.js';

/** The memberlist timings Consul's gossip_lan and gossip_wan blocks may set. */
export type GossipTuning = Partial<Pick<GossipConfig, 'probeIntervalMs' | 'probeTimeoutMs' | 'suspicionMult' | 'retransmitMult' | 'gossipIntervalMs' | 'gossipNodes'>>;

export type { TlsConfig, TlsSettings } from './tls-config.js';

export interface DnsSettings {
  onlyPassing: boolean;
  nodeTtlSeconds: number;
  /** Exact service names and `prefix*` wildcards to TTL seconds. */
  serviceTtlSeconds: Record<string, number>;
  udpAnswerLimit: number;
  aRecordLimit: number;
  enableTruncate: boolean;
  allowStale: boolean;
  recursorTimeoutMs: number;
  recursorStrategy: 'sequential' | 'random';
}

export interface Ports {
  http: number;
  /** -1 = off (Consul's default). */
  https: number;
  dns: number;
  server: number;
  serfLan: number;
  serfWan: number;
}

/** telemetry{...}: where metrics go besides the in-memory sink of /v1/agent/metrics (Consul's lib/telemetry.go). */
export interface TelemetrySettings {
  /** prometheus_retention_time in ms: > 0 enables ?format=prometheus; series idle that long are dropped. */
  prometheusRetentionMs: number;
  statsdAddress: string;
  dogstatsdAddr: string;
  dogstatsdTags: string[];
  /** disable_hostname: no hostname in front of gauge names (it is only there when another sink than memory is on). */
  disableHostname: boolean;
  /** metrics_prefix; Consul's default "consul". */
  metricsPrefix: string;
  filterDefault: boolean;
  /** prefix_filter as written: "+prefix" allows, "-prefix" blocks. */
  prefixFilter: string[];
}

/** A service, check or watch definition as written (Consul's JSON shape, from JSON or HCL), with where it came
 * from for error messages. */
export interface DefinitionSource {
  raw: unknown;
  /** e.g. `/etc/conclave.d/db.hcl:3:3` (the file alone when the line is not known) */
  origin: string;
  /** The definition's key path in its file, e.g. `service` or `services[1]`. */
  path?: string;
}

export interface AgentConfig {
  dev: boolean;
  server: boolean;
  bootstrap: boolean;
  bootstrapExpect: number;
  nodeName: string;
  nodeId: string;
  datacenter: string;
  /** primary_datacenter: where ACLs are authoritative; '' means this datacenter. */
  primaryDatacenter: string;
  /** Always fully qualified with a trailing dot, e.g. `consul.` */
  domain: string;
  dataDir: string;
  bindAddr: string;
  advertiseAddr: string;
  clientAddr: string;
  httpAddr: string;
  dnsAddr: string;
  httpsAddr: string;
  ports: Ports;
  /** Consul's `tls {}` block (and the old top-level keys that map into it). */
  tls: TlsConfig;
  recursors: string[];
  dns: DnsSettings;
  enableScriptChecks: boolean;
  enableLocalScriptChecks: boolean;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** log_json / -log-json: hclog's JSON lines on stderr and in the log file. */
  logJson: boolean;
  /** log_file / -log-file: a file, or a directory (trailing separator) for consul.log; '' = none. */
  logFile: string;
  /** log_rotate_bytes: 0 = no size limit. */
  logRotateBytes: number;
  /** log_rotate_duration; 0 = Consul's default, 24 h. */
  logRotateDurationNs: number;
  /** log_rotate_max_files: archives kept; 0 = all, -1 = none. */
  logRotateMaxFiles: number;
  /** enable_syslog / -syslog: accepted, warned about (Conclave has no syslog sink). */
  enableSyslog: boolean;
  services: DefinitionSource[];
  checks: DefinitionSource[];
  watches: DefinitionSource[];
  nodeMeta: Record<string, string>;
  kvMaxValueSize: number;
  /** limits.http_max_conns_per_client: concurrent HTTP connections one client IP may hold (0 = unlimited). */
  httpMaxConnsPerClient: number;
  /** limits.rpc_rate / rpc_max_burst: a client agent's RPC to servers per second (Infinity: unlimited). */
  rpcRate: number;
  rpcMaxBurst: number;
  /** limits.rpc_max_conns_per_client: RPC connections a server accepts from one IP (0: unlimited). */
  rpcMaxConnsPerClient: number;
  /** limits.request_limits. */
  requestLimits: { mode: 'disabled' | 'permissive' | 'enforcing'; readRate: number; writeRate: number };
  /** http_config.response_headers and max_header_bytes (0: Node's default). */
  httpResponseHeaders: Record<string, string>;
  httpMaxHeaderBytes: number;
  /** ui_config (and the older ui / ui_dir / -ui / -ui-dir). `enabled` undefined: on in -dev, off otherwise;
   * a `dir` turns it on unless `enabled` is false. `contentPath` is where it is served (default /ui/). */
  ui: { enabled?: boolean; dir: string; contentPath: string };
  sessionTtlMinNs: number;
  /** disable_remote_exec: `_rexec` events are ignored unless false (Consul's default: true). */
  disableRemoteExec: boolean;
  /** autopilot {}: what the leader stores when no autopilot configuration is replicated yet. */
  autopilot: AutopilotConfig;
  retryJoin: string[];
  startJoin: string[];
  retryIntervalNs: number;
  retryMax: number;
  /** WAN federation (servers): start_join_wan / -join-wan, retry_join_wan / -retry-join-wan and their retry pace. */
  startJoinWan: string[];
  retryJoinWan: string[];
  retryIntervalWanNs: number;
  retryMaxWan: number;
  encrypt: string;
  /** gossip_lan / gossip_wan: Consul's overrides of memberlist's timings for each pool (probe_interval,
   * probe_timeout, suspicion_mult, retransmit_mult, gossip_interval, gossip_nodes); empty: the profile's. */
  gossipLan: GossipTuning;
  gossipWan: GossipTuning;
  /** disable_coordinates, sync_coordinate_interval_min, sync_coordinate_rate_target (Consul's, default 15 s and 64/s). */
  disableCoordinates: boolean;
  syncCoordinateIntervalMinNs: number;
  syncCoordinateRateTarget: number;
  /** consul { coordinate { update_period, update_batch_size, update_max_batches } }: how a server batches the
   * coordinate updates it receives (Consul's defaults 5 s, 128, 5; cluster/coordinate-batcher.ts). */
  coordinateUpdatePeriodNs: number;
  coordinateUpdateBatchSize: number;
  coordinateUpdateMaxBatches: number;
  raftMultiplier: number;
  /** raft_snapshot_threshold (Consul's default 16384). */
  raftSnapshotThreshold: number;
  /** raft_trailing_logs (Consul's default 10240). */
  raftTrailingLogs: number;
  leaveOnTerminate: boolean | undefined;
  skipLeaveOnInterrupt: boolean | undefined;
  rejoinAfterLeave: boolean;
  pidFile: string;
  telemetry: TelemetrySettings;
  /** acl { ... } (acl-config.ts). */
  acl: AclSettings;
  /** The files and directories the configuration was read from, re-read on reload. */
  configFiles: string[];
  configDirs: string[];
}

export function defaultConfig(hostname: string): AgentConfig {
  return {
    dev: false,
    server: false,
    bootstrap: false,
    bootstrapExpect: 0,
    nodeName: hostname,
    nodeId: '',
    datacenter: 'dc1',
    primaryDatacenter: '',
    domain: 'consul.',
    dataDir: '',
    bindAddr: '0.0.0.0',
    advertiseAddr: '',
    clientAddr: '127.0.0.1',
    httpAddr: '',
    dnsAddr: '',
    httpsAddr: '',
    tls: { defaults: {}, https: {}, internalRpc: {} },
    ports: { http: 8500, https: -1, dns: 8600, server: 8300, serfLan: 8301, serfWan: 8302 },
    recursors: [],
    dns: {
      onlyPassing: false,
      nodeTtlSeconds: 0,
      serviceTtlSeconds: {},
      udpAnswerLimit: 3,
      aRecordLimit: 0,
      enableTruncate: false,
      allowStale: true,
      recursorTimeoutMs: 2000,
      recursorStrategy: 'sequential',
    },
    enableScriptChecks: false,
    enableLocalScriptChecks: false,
    logLevel: 'info',
    logJson: false,
    logFile: '',
    logRotateBytes: 0,
    logRotateDurationNs: 0,
    logRotateMaxFiles: 0,
    enableSyslog: false,
    services: [],
    checks: [],
    watches: [],
    nodeMeta: {},
    kvMaxValueSize: 512 * 1024,
    httpMaxConnsPerClient: 200,
    rpcRate: Infinity,
    rpcMaxBurst: 1000,
    rpcMaxConnsPerClient: 100,
    requestLimits: { mode: 'disabled', readRate: -1, writeRate: -1 },
    httpResponseHeaders: {},
    httpMaxHeaderBytes: 0,
    ui: { dir: '', contentPath: '/ui/' },
    sessionTtlMinNs: 10e9,
    autopilot: { ...DEFAULT_AUTOPILOT_CONFIG },
    disableRemoteExec: true,
    retryJoin: [],
    startJoin: [],
    retryIntervalNs: 30e9,
    retryMax: 0,
    startJoinWan: [],
    retryJoinWan: [],
    retryIntervalWanNs: 30e9,
    retryMaxWan: 0,
    encrypt: '',
    gossipLan: {},
    gossipWan: {},
    disableCoordinates: false,
    syncCoordinateIntervalMinNs: 15e9,
    syncCoordinateRateTarget: 64,
    coordinateUpdatePeriodNs: 5e9,
    coordinateUpdateBatchSize: 128,
    coordinateUpdateMaxBatches: 5,
    raftMultiplier: 5,
    raftSnapshotThreshold: 16384,
    raftTrailingLogs: 10240,
    leaveOnTerminate: undefined,
    skipLeaveOnInterrupt: undefined,
    rejoinAfterLeave: false,
    pidFile: '',
    telemetry: {
      prometheusRetentionMs: 0,
      statsdAddress: '',
      dogstatsdAddr: '',
      dogstatsdTags: [],
      disableHostname: false,
      metricsPrefix: 'consul',
      filterDefault: true,
      prefixFilter: [],
    },
    acl: defaultAclSettings(),
    configFiles: [],
    configDirs: [],
  };
}

/** Whether the agent serves the web UI: ui_config.enabled, else on with a ui_config.dir or in -dev. */
export function uiEnabled(cfg: Pick<AgentConfig, 'ui' | 'dev'>): boolean {
  return cfg.ui.enabled ?? (cfg.ui.dir !== '' || cfg.dev);
}
