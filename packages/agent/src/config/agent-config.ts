// The agent's effective configuration after flags and files are merged. Field names are ours (camelCase);
// the file format is Consul's (see load-config.ts).

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

/** A service or check definition as written (Consul's JSON), with where it came from for error messages. */
export interface DefinitionSource {
  raw: unknown;
  /** e.g. `config file /etc/conclave.d/db.json` */
  origin: string;
}

export interface AgentConfig {
  dev: boolean;
  server: boolean;
  bootstrap: boolean;
  bootstrapExpect: number;
  nodeName: string;
  nodeId: string;
  datacenter: string;
  /** Always fully qualified with a trailing dot, e.g. `consul.` */
  domain: string;
  dataDir: string;
  bindAddr: string;
  advertiseAddr: string;
  clientAddr: string;
  httpAddr: string;
  dnsAddr: string;
  ports: Ports;
  recursors: string[];
  dns: DnsSettings;
  enableScriptChecks: boolean;
  enableLocalScriptChecks: boolean;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  services: DefinitionSource[];
  checks: DefinitionSource[];
  watches: DefinitionSource[];
  nodeMeta: Record<string, string>;
  kvMaxValueSize: number;
  /** limits.http_max_conns_per_client: concurrent HTTP connections one client IP may hold (0 = unlimited). */
  httpMaxConnsPerClient: number;
  sessionTtlMinNs: number;
  retryJoin: string[];
  startJoin: string[];
  retryIntervalNs: number;
  retryMax: number;
  encrypt: string;
  raftMultiplier: number;
  leaveOnTerminate: boolean | undefined;
  skipLeaveOnInterrupt: boolean | undefined;
  rejoinAfterLeave: boolean;
  pidFile: string;
  telemetry: TelemetrySettings;
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
    domain: 'consul.',
    dataDir: '',
    bindAddr: '0.0.0.0',
    advertiseAddr: '',
    clientAddr: '127.0.0.1',
    httpAddr: '',
    dnsAddr: '',
    ports: { http: 8500, dns: 8600, server: 8300, serfLan: 8301, serfWan: 8302 },
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
    services: [],
    checks: [],
    watches: [],
    nodeMeta: {},
    kvMaxValueSize: 512 * 1024,
    httpMaxConnsPerClient: 200,
    sessionTtlMinNs: 10e9,
    retryJoin: [],
    startJoin: [],
    retryIntervalNs: 30e9,
    retryMax: 0,
    encrypt: '',
    raftMultiplier: 5,
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
    configFiles: [],
    configDirs: [],
  };
}
