// Reads Consul configuration (JSON and HCL files, and -hcl snippets) and merges it into an AgentConfig:
// sources in order, a directory's *.json and *.hcl files alphabetically; scalars last-wins, service/check/watch/
// join lists concatenate. HCL is decoded by @conclave/hcl exactly as hashicorp/hcl decodes it, then given JSON's
// shape by Consul's PatchSliceOfMaps, so the same keys mean the same thing in both formats.
// Every problem is collected, not just the first: unknown keys (Consul refuses them too), wrong types, invalid
// JSON or HCL, each naming the file, line and column, and the key.
import { HclError, KeyPositions, parseHcl } from '@conclave/hcl';
import { isCheckDefinitionKey } from '@conclave/health';
import { normalizeKey, parseGoDuration } from '@conclave/toolkit';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentConfig, DefinitionSource, GossipTuning, TlsSettings } from './agent-config.js';
import { cipherSuitesOf, tlsMinVersionOf } from './tls-config.js';
import { aclDefaultPolicyOf, aclDownPolicyOf } from './acl-config.js';
import { ConfigError } from './config-error.js';
import { recordJsonKeyPositions } from './json-positions.js';
import { patchSliceOfMaps } from './patch-slice-of-maps.js';

type Kind = 'string' | 'number' | 'bool' | 'strings' | 'stringMap' | 'duration' | 'object' | 'objects' | 'objectList' | 'any';

interface KeySpec {
  kind: Kind;
  /** Applies the value; absent = accepted and ignored (a Consul key we do not act on). For `objects` and
   * `objectList` it receives the definitions, each with where it was written. */
  set?: (cfg: AgentConfig, value: never, ctx: ApplyContext) => void;
  /** Nested object keys (for `objects` and `objectList`, the keys of each element). */
  keys?: Record<string, KeySpec>;
  /** Match `keys` as Consul matches a definition's fields: any case, with or without underscores. */
  looseKeys?: boolean;
  /** For definitions another decoder reads field by field: which keys exist. */
  knownKey?: (key: string) => boolean;
}

interface ApplyContext {
  /** `file:line:col` of the key being applied (the file alone when the line is not known). */
  origin: string;
}

/** One source being applied: the config it changes, where its keys were written, where problems go. */
interface Applying {
  cfg: AgentConfig;
  file: string;
  positions: KeyPositions;
  problems: string[];
}

/** One configuration document and its format. */
export interface ConfigSource {
  /** A file path, or `-hcl #n` for a command-line snippet. */
  name: string;
  format: ConfigFormat;
  data: string;
}

export type ConfigFormat = 'json' | 'hcl';

const ignored = (kind: Kind): KeySpec => ({ kind });

function port(name: keyof AgentConfig['ports']): KeySpec {
  return { kind: 'number', set: (c, v: number) => void (c.ports[name] = v) };
}

/** The keys of gossip_lan or gossip_wan (Consul's GossipLANConfig / GossipWANConfig): memberlist's timings of that
 * pool, over its profile's. Combinations that cannot work (a probe timeout not below the interval) are refused
 * with the rest of the configuration's problems (agent-flags.ts validate). */
function gossipKeys(name: string, block: (c: AgentConfig) => GossipTuning): Record<string, KeySpec> {
  const ms = (k: 'probeIntervalMs' | 'probeTimeoutMs' | 'gossipIntervalMs'): KeySpec => ({ kind: 'duration', set: (c, v: number) => void (block(c)[k] = v / 1e6) });
  const count = (k: 'suspicionMult' | 'retransmitMult' | 'gossipNodes', key: string): KeySpec => ({
    kind: 'number',
    set: (c, v: number, ctx) => {
      if (!Number.isInteger(v) || v < 1) throw new ConfigError(`${ctx.origin}: ${name}.${key}: must be a whole number of at least 1, got ${v}`);
      block(c)[k] = v;
    },
  });
  return {
    probe_interval: ms('probeIntervalMs'),
    probe_timeout: ms('probeTimeoutMs'),
    gossip_interval: ms('gossipIntervalMs'),
    suspicion_mult: count('suspicionMult', 'suspicion_mult'),
    retransmit_mult: count('retransmitMult', 'retransmit_mult'),
    gossip_nodes: count('gossipNodes', 'gossip_nodes'),
  };
}

/** The keys of one TLS block (`tls.defaults`, `tls.https`, `tls.internal_rpc`, or the old top level). */
function tlsKeys(block: (c: AgentConfig) => TlsSettings): Record<string, KeySpec> {
  return {
    ca_file: { kind: 'string', set: (c, v: string) => void (block(c).caFile = v) },
    ca_path: { kind: 'string', set: (c, v: string) => void (block(c).caPath = v) },
    cert_file: { kind: 'string', set: (c, v: string) => void (block(c).certFile = v) },
    key_file: { kind: 'string', set: (c, v: string) => void (block(c).keyFile = v) },
    verify_incoming: { kind: 'bool', set: (c, v: boolean) => void (block(c).verifyIncoming = v) },
    verify_outgoing: { kind: 'bool', set: (c, v: boolean) => void (block(c).verifyOutgoing = v) },
    tls_min_version: { kind: 'string', set: (c, v: string, ctx) => void (block(c).tlsMinVersion = tlsMinVersionOf(v, ctx.origin)) },
    tls_cipher_suites: { kind: 'string', set: (c, v: string, ctx) => void (block(c).tlsCipherSuites = cipherSuitesOf(v, ctx.origin)) },
    tls_prefer_server_cipher_suites: ignored('bool'),
  };
}

const any: KeySpec = { kind: 'any' };

/** A service definition's keys (Consul's ServiceDefinition); the values are checked by service-definition.ts. */
const SERVICE_KEYS: Record<string, KeySpec> = {
  kind: any,
  id: any,
  name: any,
  service: any,
  tags: any,
  address: any,
  tagged_addresses: any,
  meta: any,
  port: any,
  socket_path: any,
  check: { kind: 'objects', knownKey: isCheckDefinitionKey },
  checks: { kind: 'objectList', knownKey: isCheckDefinitionKey },
  token: any,
  weights: { kind: 'object', looseKeys: true, keys: { passing: any, warning: any } },
  enable_tag_override: any,
  proxy: any,
  connect: any,
  namespace: any,
  partition: any,
  locality: any,
};

/** acl { ... } (docs/acl.md). */
const ACL_KEYS: Record<string, KeySpec> = {
  enabled: { kind: 'bool', set: (c, v: boolean) => void (c.acl.enabled = v) },
  default_policy: { kind: 'string', set: (c, v: string, ctx) => void (c.acl.defaultPolicy = aclDefaultPolicyOf(v, ctx.origin)) },
  down_policy: { kind: 'string', set: (c, v: string, ctx) => void (c.acl.downPolicy = aclDownPolicyOf(v, ctx.origin)) },
  enable_token_persistence: { kind: 'bool', set: (c, v: boolean) => void (c.acl.enableTokenPersistence = v) },
  token_ttl: { kind: 'duration', set: (c, v: number) => void (c.acl.tokenTtlMs = v / 1e6) },
  policy_ttl: { kind: 'duration', set: (c, v: number) => void (c.acl.policyTtlMs = v / 1e6) },
  role_ttl: { kind: 'duration', set: (c, v: number) => void (c.acl.roleTtlMs = v / 1e6) },
  tokens: {
    kind: 'object',
    keys: {
      initial_management: { kind: 'string', set: (c, v: string) => void (c.acl.tokens.initialManagement = v) },
      master: { kind: 'string', set: (c, v: string) => void (c.acl.tokens.initialManagement = v) },
      agent: { kind: 'string', set: (c, v: string) => void (c.acl.tokens.agent = v) },
      agent_recovery: { kind: 'string', set: (c, v: string) => void (c.acl.tokens.agentRecovery = v) },
      agent_master: { kind: 'string', set: (c, v: string) => void (c.acl.tokens.agentRecovery = v) },
      default: { kind: 'string', set: (c, v: string) => void (c.acl.tokens.default = v) },
      replication: { kind: 'string', set: (c, v: string) => void (c.acl.tokens.replication = v) },
      config_file_service_registration: ignored('string'),
      dns: ignored('string'),
      managed_service_provider: ignored('objectList'),
    },
  },
  // Accepted, not acted on: one datacenter, no replication, no legacy key-list switch.
  enable_key_list_policy: ignored('bool'),
  enable_token_replication: { kind: 'bool', set: (c, v: boolean) => void (c.acl.enableTokenReplication = v) },
  disabled_ttl: ignored('duration'),
  msp_disable_bootstrap: ignored('bool'),
};

const SCHEMA: Record<string, KeySpec> = {
  datacenter: { kind: 'string', set: (c, v: string) => void (c.datacenter = v.toLowerCase()) },
  primary_datacenter: { kind: 'string', set: (c, v: string) => void (c.primaryDatacenter = v.toLowerCase()) },
  data_dir: { kind: 'string', set: (c, v: string) => void (c.dataDir = v) },
  node_name: { kind: 'string', set: (c, v: string) => void (c.nodeName = v) },
  node_id: { kind: 'string', set: (c, v: string) => void (c.nodeId = v) },
  node_meta: { kind: 'stringMap', set: (c, v: Record<string, string>) => void Object.assign(c.nodeMeta, v) },
  server: { kind: 'bool', set: (c, v: boolean) => void (c.server = v) },
  bootstrap: { kind: 'bool', set: (c, v: boolean) => void (c.bootstrap = v) },
  bootstrap_expect: { kind: 'number', set: (c, v: number) => void (c.bootstrapExpect = v) },
  bind_addr: { kind: 'string', set: (c, v: string) => void (c.bindAddr = v) },
  advertise_addr: { kind: 'string', set: (c, v: string) => void (c.advertiseAddr = v) },
  client_addr: { kind: 'string', set: (c, v: string) => void (c.clientAddr = v) },
  ports: {
    kind: 'object',
    keys: {
      http: port('http'),
      https: port('https'),
      dns: port('dns'),
      server: port('server'),
      serf_lan: port('serfLan'),
      serf_wan: port('serfWan'),
      grpc: ignored('number'),
      grpc_tls: ignored('number'),
      sidecar_min_port: ignored('number'),
      sidecar_max_port: ignored('number'),
      expose_min_port: ignored('number'),
      expose_max_port: ignored('number'),
      proxy_min_port: ignored('number'),
      proxy_max_port: ignored('number'),
    },
  },
  addresses: {
    kind: 'object',
    keys: {
      http: { kind: 'string', set: (c, v: string) => void (c.httpAddr = v) },
      dns: { kind: 'string', set: (c, v: string) => void (c.dnsAddr = v) },
      https: { kind: 'string', set: (c, v: string) => void (c.httpsAddr = v) },
      grpc: ignored('string'),
      grpc_tls: ignored('string'),
    },
  },
  recursors: { kind: 'strings', set: (c, v: string[]) => void c.recursors.push(...v) },
  // Consul's original singular form, as in the 2014 article: {"recursor": "8.8.8.8"}.
  recursor: { kind: 'string', set: (c, v: string) => void c.recursors.push(v) },
  domain: { kind: 'string', set: (c, v: string) => void (c.domain = fqdn(v)) },
  alt_domain: ignored('string'),
  dns_config: {
    kind: 'object',
    keys: {
      only_passing: { kind: 'bool', set: (c, v: boolean) => void (c.dns.onlyPassing = v) },
      node_ttl: { kind: 'duration', set: (c, v: number) => void (c.dns.nodeTtlSeconds = Math.floor(v / 1e9)) },
      service_ttl: {
        kind: 'stringMap',
        set: (c, v: Record<string, string>, ctx) => {
          for (const [name, d] of Object.entries(v)) {
            c.dns.serviceTtlSeconds[name] = Math.floor(durationOf(d, `dns_config.service_ttl.${name}`, ctx) / 1e9);
          }
        },
      },
      udp_answer_limit: { kind: 'number', set: (c, v: number) => void (c.dns.udpAnswerLimit = v) },
      a_record_limit: { kind: 'number', set: (c, v: number) => void (c.dns.aRecordLimit = v) },
      enable_truncate: { kind: 'bool', set: (c, v: boolean) => void (c.dns.enableTruncate = v) },
      allow_stale: { kind: 'bool', set: (c, v: boolean) => void (c.dns.allowStale = v) },
      recursor_timeout: { kind: 'duration', set: (c, v: number) => void (c.dns.recursorTimeoutMs = v / 1e6) },
      recursor_strategy: {
        kind: 'string',
        set: (c, v: string, ctx) => {
          if (v !== 'sequential' && v !== 'random')
            throw new ConfigError(`${ctx.origin}: dns_config.recursor_strategy: must be "sequential" or "random", got "${v}"`);
          c.dns.recursorStrategy = v;
        },
      },
      max_stale: ignored('duration'),
      disable_compression: ignored('bool'),
      enable_additional_node_meta_txt: ignored('bool'),
      soa: ignored('object'),
      use_cache: ignored('bool'),
      cache_max_age: ignored('duration'),
      prefer_namespace: ignored('bool'),
    },
  },
  enable_script_checks: { kind: 'bool', set: (c, v: boolean) => void (c.enableScriptChecks = v) },
  enable_local_script_checks: { kind: 'bool', set: (c, v: boolean) => void (c.enableLocalScriptChecks = v) },
  log_level: {
    kind: 'string',
    set: (c, v: string, ctx) => void (c.logLevel = logLevelOf(v, `${ctx.origin}: log_level`)),
  },
  // `service { }` twice in one HCL file is a list of two; Consul itself takes one per file.
  service: { kind: 'objects', keys: SERVICE_KEYS, looseKeys: true, set: (c, v: DefinitionSource[]) => void c.services.push(...v) },
  services: { kind: 'objectList', keys: SERVICE_KEYS, looseKeys: true, set: (c, v: DefinitionSource[]) => void c.services.push(...v) },
  check: { kind: 'objects', knownKey: isCheckDefinitionKey, set: (c, v: DefinitionSource[]) => void c.checks.push(...v) },
  checks: { kind: 'objectList', knownKey: isCheckDefinitionKey, set: (c, v: DefinitionSource[]) => void c.checks.push(...v) },
  watches: { kind: 'objectList', set: (c, v: DefinitionSource[]) => void c.watches.push(...v) },
  limits: {
    kind: 'object',
    keys: {
      kv_max_value_size: { kind: 'number', set: (c, v: number) => void (c.kvMaxValueSize = v) },
      http_max_conns_per_client: { kind: 'number', set: (c, v: number) => void (c.httpMaxConnsPerClient = v) },
      txn_max_req_len: ignored('number'),
      rpc_rate: {
        kind: 'any',
        set: (c, v: unknown, ctx) => {
          // Consul: a float, -1 or "inf" for unlimited.
          const n = v === 'inf' || v === '+Inf' ? Infinity : typeof v === 'number' ? v : Number.NaN;
          if (Number.isNaN(n)) throw new ConfigError(`${ctx.origin}: limits.rpc_rate: expected a number or "inf", got ${JSON.stringify(v)}`);
          c.rpcRate = n < 0 ? Infinity : n;
        },
      },
      rpc_max_burst: { kind: 'number', set: (c, v: number) => void (c.rpcMaxBurst = v) },
      rpc_max_conns_per_client: { kind: 'number', set: (c, v: number) => void (c.rpcMaxConnsPerClient = v) },
      request_limits: {
        kind: 'object',
        keys: {
          mode: {
            kind: 'string',
            set: (c, v: string, ctx) => {
              if (v !== 'disabled' && v !== 'permissive' && v !== 'enforcing')
                throw new ConfigError(`${ctx.origin}: limits.request_limits.mode: must be "disabled", "permissive" or "enforcing", got "${v}"`);
              c.requestLimits.mode = v;
            },
          },
          read_rate: { kind: 'number', set: (c, v: number) => void (c.requestLimits.readRate = v) },
          write_rate: { kind: 'number', set: (c, v: number) => void (c.requestLimits.writeRate = v) },
        },
      },
      https_handshake_timeout: ignored('duration'),
      rpc_handshake_timeout: ignored('duration'),
      rpc_client_timeout: ignored('duration'),
    },
  },
  session_ttl_min: { kind: 'duration', set: (c, v: number) => void (c.sessionTtlMinNs = v) },
  retry_join: { kind: 'strings', set: (c, v: string[]) => void c.retryJoin.push(...v) },
  start_join: { kind: 'strings', set: (c, v: string[]) => void c.startJoin.push(...v) },
  retry_interval: { kind: 'duration', set: (c, v: number) => void (c.retryIntervalNs = v) },
  retry_max: { kind: 'number', set: (c, v: number) => void (c.retryMax = v) },
  disable_coordinates: { kind: 'bool', set: (c, v: boolean) => void (c.disableCoordinates = v) },
  sync_coordinate_interval_min: { kind: 'duration', set: (c, v: number) => void (c.syncCoordinateIntervalMinNs = v) },
  sync_coordinate_rate_target: { kind: 'number', set: (c, v: number) => void (c.syncCoordinateRateTarget = v) },
  retry_join_wan: { kind: 'strings', set: (c, v: string[]) => void c.retryJoinWan.push(...v) },
  start_join_wan: { kind: 'strings', set: (c, v: string[]) => void c.startJoinWan.push(...v) },
  retry_interval_wan: { kind: 'duration', set: (c, v: number) => void (c.retryIntervalWanNs = v) },
  retry_max_wan: { kind: 'number', set: (c, v: number) => void (c.retryMaxWan = v) },
  encrypt: { kind: 'string', set: (c, v: string) => void (c.encrypt = v) },
  encrypt_verify_incoming: ignored('bool'),
  encrypt_verify_outgoing: ignored('bool'),
  performance: {
    kind: 'object',
    keys: {
      raft_multiplier: { kind: 'number', set: (c, v: number) => void (c.raftMultiplier = v) },
      leave_drain_time: ignored('duration'),
      rpc_hold_timeout: ignored('duration'),
      grpc_keepalive_interval: ignored('duration'),
      grpc_keepalive_timeout: ignored('duration'),
    },
  },
  leave_on_terminate: { kind: 'bool', set: (c, v: boolean) => void (c.leaveOnTerminate = v) },
  skip_leave_on_interrupt: { kind: 'bool', set: (c, v: boolean) => void (c.skipLeaveOnInterrupt = v) },
  rejoin_after_leave: { kind: 'bool', set: (c, v: boolean) => void (c.rejoinAfterLeave = v) },
  pid_file: { kind: 'string', set: (c, v: string) => void (c.pidFile = v) },
  acl: { kind: 'object', keys: ACL_KEYS },
  // The pre-1.4 names of acl.* keys (Consul still reads them).
  acl_datacenter: { kind: 'string', set: (c, v: string) => void (c.primaryDatacenter ||= v.toLowerCase()) },
  acl_master_token: { kind: 'string', set: (c, v: string) => void (c.acl.tokens.initialManagement = v) },
  acl_default_policy: { kind: 'string', set: (c, v: string, ctx) => void (c.acl.defaultPolicy = aclDefaultPolicyOf(v, ctx.origin)) },
  acl_token: { kind: 'string', set: (c, v: string) => void (c.acl.tokens.default = v) },
  // Accepted for compatibility; Conclave does not act on them yet (docs/api-support.md lists them).
  connect: ignored('object'),
  peering: ignored('object'),
  ui: { kind: 'bool', set: (c, v: boolean) => void (c.ui.enabled = v) },
  ui_dir: { kind: 'string', set: (c, v: string) => void (c.ui.dir = v) },
  ui_config: {
    kind: 'object',
    keys: {
      enabled: { kind: 'bool', set: (c, v: boolean) => void (c.ui.enabled = v) },
      dir: { kind: 'string', set: (c, v: string) => void (c.ui.dir = v) },
      content_path: { kind: 'string', set: (c, v: string) => void (c.ui.contentPath = v) },
      // Consul's metrics and dashboard links: accepted, not used by Conclave's UI.
      metrics_provider: ignored('string'),
      metrics_provider_files: ignored('strings'),
      metrics_provider_options_json: ignored('string'),
      metrics_proxy: ignored('any'),
      dashboard_url_templates: ignored('any'),
    },
  },
  telemetry: {
    kind: 'object',
    keys: {
      prometheus_retention_time: { kind: 'duration', set: (c, v: number) => void (c.telemetry.prometheusRetentionMs = v / 1e6) },
      statsd_address: { kind: 'string', set: (c, v: string) => void (c.telemetry.statsdAddress = v) },
      dogstatsd_addr: { kind: 'string', set: (c, v: string) => void (c.telemetry.dogstatsdAddr = v) },
      dogstatsd_tags: { kind: 'strings', set: (c, v: string[]) => void c.telemetry.dogstatsdTags.push(...v) },
      disable_hostname: { kind: 'bool', set: (c, v: boolean) => void (c.telemetry.disableHostname = v) },
      metrics_prefix: { kind: 'string', set: (c, v: string) => void (c.telemetry.metricsPrefix = v) },
      filter_default: { kind: 'bool', set: (c, v: boolean) => void (c.telemetry.filterDefault = v) },
      prefix_filter: { kind: 'strings', set: (c, v: string[]) => void c.telemetry.prefixFilter.push(...v) },
      // Accepted, not acted on: Circonus and statsite sinks, Consul's compatibility and usage switches.
      statsite_address: ignored('string'),
      'disable_compat_1.9': ignored('bool'),
      disable_per_tenancy_usage_metrics: ignored('bool'),
      enable_host_metrics: ignored('bool'),
      retry_failed_connection: ignored('bool'),
      circonus_api_token: ignored('string'),
      circonus_api_app: ignored('string'),
      circonus_api_url: ignored('string'),
      circonus_submission_interval: ignored('string'),
      circonus_submission_url: ignored('string'),
      circonus_check_id: ignored('string'),
      circonus_check_force_metric_activation: ignored('string'),
      circonus_check_instance_id: ignored('string'),
      circonus_check_search_tag: ignored('string'),
      circonus_check_display_name: ignored('string'),
      circonus_check_tags: ignored('string'),
      circonus_broker_id: ignored('string'),
      circonus_broker_select_tag: ignored('string'),
    },
  },
  disable_update_check: ignored('bool'),
  disable_remote_exec: { kind: 'bool', set: (c, v: boolean) => void (c.disableRemoteExec = v) },
  disable_host_node_id: ignored('bool'),
  segments: ignored('any'),
  autopilot: {
    kind: 'object',
    keys: {
      cleanup_dead_servers: { kind: 'bool', set: (c, v: boolean) => void (c.autopilot.CleanupDeadServers = v) },
      last_contact_threshold: { kind: 'duration', set: (c, v: number) => void (c.autopilot.LastContactThreshold = v) },
      max_trailing_logs: { kind: 'number', set: (c, v: number) => void (c.autopilot.MaxTrailingLogs = v) },
      min_quorum: { kind: 'number', set: (c, v: number) => void (c.autopilot.MinQuorum = v) },
      server_stabilization_time: { kind: 'duration', set: (c, v: number) => void (c.autopilot.ServerStabilizationTime = v) },
      redundancy_zone_tag: { kind: 'string', set: (c, v: string) => void (c.autopilot.RedundancyZoneTag = v) },
      disable_upgrade_migration: { kind: 'bool', set: (c, v: boolean) => void (c.autopilot.DisableUpgradeMigration = v) },
      upgrade_version_tag: { kind: 'string', set: (c, v: string) => void (c.autopilot.UpgradeVersionTag = v) },
    },
  },
  reconnect_timeout: ignored('duration'),
  check_update_interval: ignored('duration'),
  default_query_time: ignored('duration'),
  max_query_time: ignored('duration'),
  http_config: {
    kind: 'object',
    keys: {
      response_headers: { kind: 'stringMap', set: (c, v: Record<string, string>) => void Object.assign(c.httpResponseHeaders, v) },
      max_header_bytes: { kind: 'number', set: (c, v: number) => void (c.httpMaxHeaderBytes = v) },
      allow_write_http_from: ignored('strings'),
      block_endpoints: ignored('strings'),
      use_cache: ignored('bool'),
    },
  },
  raft_protocol: ignored('number'),
  log_file: { kind: 'string', set: (c, v: string) => void (c.logFile = v) },
  log_json: { kind: 'bool', set: (c, v: boolean) => void (c.logJson = v) },
  log_rotate_bytes: { kind: 'number', set: (c, v: number, ctx) => void (c.logRotateBytes = rotateNumber(v, 'log_rotate_bytes', ctx)) },
  log_rotate_duration: { kind: 'duration', set: (c, v: number) => void (c.logRotateDurationNs = v) },
  log_rotate_max_files: { kind: 'number', set: (c, v: number, ctx) => void (c.logRotateMaxFiles = rotateNumber(v, 'log_rotate_max_files', ctx)) },
  syslog_facility: ignored('string'),
  enable_syslog: { kind: 'bool', set: (c, v: boolean) => void (c.enableSyslog = v) },
  tls: {
    kind: 'object',
    keys: {
      defaults: { kind: 'object', keys: tlsKeys((c) => c.tls.defaults) },
      https: { kind: 'object', keys: tlsKeys((c) => c.tls.https) },
      internal_rpc: {
        kind: 'object',
        keys: {
          ...tlsKeys((c) => c.tls.internalRpc),
          verify_server_hostname: { kind: 'bool', set: (c, v: boolean) => void (c.tls.internalRpc.verifyServerHostname = v) },
        },
      },
      grpc: ignored('object'),
    },
  },
  // The pre-1.12 top-level TLS keys, read into the tls block as Consul still does.
  ...tlsKeys((c) => c.tls.defaults),
  verify_incoming_rpc: { kind: 'bool', set: (c, v: boolean) => void (c.tls.internalRpc.verifyIncoming = v) },
  verify_incoming_https: { kind: 'bool', set: (c, v: boolean) => void (c.tls.https.verifyIncoming = v) },
  verify_server_hostname: { kind: 'bool', set: (c, v: boolean) => void (c.tls.internalRpc.verifyServerHostname = v) },
  auto_encrypt: ignored('object'),
  gossip_lan: { kind: 'object', keys: gossipKeys('gossip_lan', (c) => c.gossipLan) },
  gossip_wan: { kind: 'object', keys: gossipKeys('gossip_wan', (c) => c.gossipWan) },
  advertise_addr_wan: ignored('string'),
  translate_wan_addrs: ignored('bool'),
  // The rest of Consul's keys (agent/config/config.go), accepted and not acted on, so that a Consul
  // configuration loads; anything outside this table is refused with its file, line and column.
  acl_agent_master_token: ignored('string'),
  acl_agent_token: ignored('string'),
  acl_down_policy: ignored('string'),
  acl_enable_key_list_policy: ignored('bool'),
  acl_enforce_version_8: ignored('bool'),
  acl_replication_token: ignored('string'),
  acl_ttl: ignored('string'),
  advertise_addr_ipv4: ignored('string'),
  advertise_addr_ipv6: ignored('string'),
  advertise_addr_wan_ipv4: ignored('string'),
  advertise_addr_wan_ipv6: ignored('string'),
  advertise_reconnect_timeout: ignored('duration'),
  audit: ignored('object'),
  auto_config: ignored('object'),
  auto_reload_config: ignored('bool'),
  ca_path: ignored('string'),
  cache: ignored('object'),
  check_output_max_size: ignored('number'),
  cloud: ignored('object'),
  config_entries: ignored('object'),
  disable_anonymous_signature: ignored('bool'),
  disable_http_unprintable_char_filter: ignored('bool'),
  disable_keyring_file: ignored('bool'),
  discard_check_output: ignored('bool'),
  discovery_max_stale: ignored('duration'),
  enable_acl_replication: ignored('bool'),
  enable_agent_tls_for_checks: ignored('bool'),
  enable_central_service_config: ignored('bool'),
  enable_debug: ignored('bool'),
  experiments: ignored('strings'),
  license_path: ignored('string'),
  locality: ignored('object'),
  non_voting_server: ignored('bool'),
  partition: ignored('string'),
  primary_gateways: ignored('strings'),
  primary_gateways_interval: ignored('duration'),
  protocol: ignored('number'),
  raft_boltdb: ignored('object'),
  raft_logstore: ignored('object'),
  raft_snapshot_interval: ignored('duration'),
  // Entries applied between two Raft snapshots, and entries kept behind one for slow followers.
  raft_snapshot_threshold: { kind: 'number', set: (c, v: number) => void (c.raftSnapshotThreshold = v) },
  raft_trailing_logs: { kind: 'number', set: (c, v: number) => void (c.raftTrailingLogs = v) },
  read_replica: ignored('bool'),
  reconnect_timeout_wan: ignored('duration'),
  rpc: ignored('object'),
  segment: ignored('string'),
  serf_lan: ignored('string'),
  serf_lan_allowed_cidrs: ignored('strings'),
  serf_wan: ignored('string'),
  serf_wan_allowed_cidrs: ignored('strings'),
  server_name: ignored('string'),
  snapshot_agent: ignored('object'),
  tagged_addresses: ignored('stringMap'),
  tls_cipher_suites: ignored('string'),
  tls_min_version: ignored('string'),
  tls_prefer_server_cipher_suites: ignored('bool'),
  ui_content_path: ignored('string'),
  unix_sockets: ignored('object'),
  use_streaming_backend: ignored('bool'),
  xds: ignored('object'),
  // Consul's own non-user settings (its defaults are written in these keys).
  acl_disabled_ttl: ignored('duration'),
  ae_interval: ignored('duration'),
  check_deregister_interval_min: ignored('duration'),
  check_reap_interval: ignored('duration'),
  consul: {
    kind: 'object',
    keys: {
      coordinate: {
        kind: 'object',
        keys: {
          update_period: { kind: 'duration', set: (c, v: number) => void (c.coordinateUpdatePeriodNs = v) },
          update_batch_size: { kind: 'number', set: (c, v: number) => void (c.coordinateUpdateBatchSize = v) },
          update_max_batches: { kind: 'number', set: (c, v: number) => void (c.coordinateUpdateMaxBatches = v) },
        },
      },
      raft: ignored('object'),
      server: ignored('object'),
    },
  },
  revision: ignored('string'),
  segment_limit: ignored('number'),
  segment_name_limit: ignored('number'),
  version: ignored('string'),
  version_metadata: ignored('string'),
  version_prerelease: ignored('string'),
};

/** Parses one source and applies it to the config; problems are added to `problems`, never thrown. False when
 * the source could not be parsed at all. */
export function applyConfigSource(cfg: AgentConfig, source: ConfigSource, problems: string[]): boolean {
  const parsed = parseConfigSource(source, problems);
  if (parsed) applyKeys({ cfg, file: source.name, positions: parsed.positions, problems }, parsed.doc, SCHEMA, '');
  return parsed !== undefined;
}

/** A source as Consul's config.Parse sees it: decoded, and patched to JSON's shape; undefined after a problem. */
function parseConfigSource(
  source: ConfigSource,
  problems: string[],
): { doc: Record<string, unknown>; positions: KeyPositions } | undefined {
  // Consul skips a source without data.
  if (source.data === '') return { doc: {}, positions: new KeyPositions() };
  let doc: unknown;
  let positions: KeyPositions;
  if (source.format === 'hcl') {
    try {
      ({ root: doc, positions } = parseHcl(source.data, source.name));
    } catch (err) {
      if (!(err instanceof HclError)) throw err;
      problems.push(err.message);
      return undefined;
    }
  } else {
    try {
      doc = JSON.parse(source.data);
    } catch (err) {
      problems.push(`${source.name}: invalid JSON: ${jsonErrorPosition(source.data, err as Error)}`);
      return undefined;
    }
    if (!isObject(doc)) {
      problems.push(`${source.name}: the top level must be a JSON object`);
      return undefined;
    }
    positions = new KeyPositions();
    recordJsonKeyPositions(source.data, doc, positions);
  }
  return { doc: patchSliceOfMaps(doc as Record<string, unknown>), positions };
}

function applyKeys(a: Applying, obj: Record<string, unknown>, schema: Record<string, KeySpec>, prefix: string, looseKeys = false): void {
  const { problems } = a;
  for (const [key, value] of Object.entries(obj)) {
    const path = prefix + key;
    const origin = where(a, obj, key);
    const spec = looseKeys ? lookupLoose(schema, key) : (schema[key] ?? schema[key.toLowerCase()]);
    if (!spec) {
      problems.push(`${origin}: unknown configuration key "${path}"`);
      continue;
    }
    // As in Consul, null (and an empty list, which PatchSliceOfMaps makes null) sets nothing.
    if (value === null) continue;
    const wrong = kindProblem(spec.kind, value);
    if (wrong) {
      problems.push(`${origin}: ${path}: expected ${wrong}, got ${describe(value)}`);
      continue;
    }
    let applied: unknown = value;
    if (spec.kind === 'objects' || spec.kind === 'objectList') {
      const items = (Array.isArray(value) ? value : [value]) as Array<Record<string, unknown>>;
      const before = problems.length;
      const defs = items.map((item, i) => {
        const itemPath = Array.isArray(value) ? `${path}[${i}]` : path;
        checkDefinitionKeys(a, item, spec, itemPath);
        // A definition is where its first key is (the element of a list has no key of its own).
        const first = Object.keys(item)[0];
        return { raw: item, origin: first !== undefined ? where(a, item, first, where(a, obj, key)) : where(a, obj, key), path: itemPath };
      });
      if (problems.length > before) continue;
      applied = defs;
    } else if (spec.keys) {
      applyKeys(a, value as Record<string, unknown>, spec.keys, path + '.', spec.looseKeys);
    }
    if (!spec.set) continue;
    try {
      const v = spec.kind === 'duration' ? durationOf(value, path, { origin }) : applied;
      (spec.set as (c: AgentConfig, v: unknown, ctx: ApplyContext) => void)(a.cfg, v, { origin });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err.message);
    }
  }
}

/** Unknown keys of one service, check or watch definition (the definition's own decoder checks the values). */
function checkDefinitionKeys(a: Applying, item: Record<string, unknown>, spec: KeySpec, path: string): void {
  if (spec.keys) applyKeys(a, item, spec.keys, path + '.', spec.looseKeys);
  if (spec.knownKey) {
    for (const key of Object.keys(item)) {
      if (!spec.knownKey(key)) a.problems.push(`${where(a, item, key)}: unknown configuration key "${path}.${key}"`);
    }
  }
}

function lookupLoose(schema: Record<string, KeySpec>, key: string): KeySpec | undefined {
  const want = normalizeKey(key);
  for (const [k, spec] of Object.entries(schema)) if (normalizeKey(k) === want) return spec;
  return undefined;
}

/** `file:line:col` of a key, or `fallback` (the file by default) when its position is not known. */
function where(a: Applying, obj: object, key: string, fallback = a.file): string {
  const pos = a.positions.of(obj, key);
  return pos && pos.line > 0 ? `${a.file}:${pos.line}:${pos.column}` : fallback;
}

/** What the value should have been, or undefined when it is of the right kind. */
function kindProblem(kind: Kind, value: unknown): string | undefined {
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? undefined : 'a string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'a number';
    case 'bool':
      return typeof value === 'boolean' ? undefined : 'true or false';
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : 'an array of strings';
    case 'stringMap':
      return isObject(value) && Object.values(value).every((v) => typeof v === 'string') ? undefined : 'an object of strings';
    case 'duration':
      return typeof value === 'string' || typeof value === 'number' ? undefined : 'a duration such as "10s"';
    case 'object':
      return isObject(value) ? undefined : 'an object';
    case 'objects':
      return isObject(value) || (Array.isArray(value) && value.every(isObject)) ? undefined : 'an object or a list of objects';
    case 'objectList':
      return Array.isArray(value) && value.every(isObject) ? undefined : 'a list of objects';
    case 'any':
      return undefined;
  }
}

function durationOf(value: unknown, path: string, ctx: ApplyContext): number {
  if (typeof value === 'number') return value;
  try {
    return parseGoDuration(String(value));
  } catch (err) {
    throw new ConfigError(`${ctx.origin}: ${path}: ${(err as Error).message}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export function fqdn(domain: string): string {
  const d = domain.trim().toLowerCase().replace(/^\.+/, '');
  return d.endsWith('.') ? d : d + '.';
}

function rotateNumber(v: number, key: string, ctx: ApplyContext): number {
  if (!Number.isInteger(v)) throw new ConfigError(`${ctx.origin}: ${key}: expected a whole number, got ${v}`);
  return v;
}

export function logLevelOf(v: string, where: string): AgentConfig['logLevel'] {
  const level = v.toLowerCase();
  if (level === 'warning') return 'warn';
  if (level === 'err') return 'error';
  if (level === 'trace' || level === 'debug' || level === 'info' || level === 'warn' || level === 'error') return level;
  throw new ConfigError(`${where}: unknown log level "${v}" (use trace, debug, info, warn or error)`);
}

/** The format Consul reads a file in: -config-format when given, else its extension; undefined for neither. */
function formatOf(file: string, forced: ConfigFormat | undefined): ConfigFormat | undefined {
  if (forced) return forced;
  if (file.endsWith('.json')) return 'json';
  if (file.endsWith('.hcl')) return 'hcl';
  return undefined;
}

/** The sources a -config-file or -config-dir path holds, as Consul's sourcesFromPath reads them: a file (which
 * must end in .json or .hcl unless -config-format is given), or a directory's files, alphabetically, not
 * descending into subdirectories and skipping, with a warning, files of neither extension. `complete` is false
 * when something could not be read (the problem says what). */
export function configSourcesFromPath(
  path: string,
  forced: ConfigFormat | undefined,
  problems: string[],
  warnings: string[],
): { sources: ConfigSource[]; complete: boolean } {
  const sources: ConfigSource[] = [];
  const cannot = (p: string, err: unknown) => {
    problems.push(`${p}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return { sources, complete: false };
  };
  const read = (file: string, format: ConfigFormat): boolean => {
    try {
      sources.push({ name: file, format, data: readFileSync(file, 'utf8') });
      return true;
    } catch (err) {
      cannot(file, err);
      return false;
    }
  };
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    return cannot(path, err);
  }
  if (!isDir) {
    const format = formatOf(path, forced);
    if (!format) {
      problems.push(`${path}: unknown extension; a config file must end in .hcl or .json, or -config-format must be set`);
      return { sources, complete: false };
    }
    return { sources, complete: read(path, format) };
  }
  let names: string[];
  try {
    names = readdirSync(path).sort();
  } catch (err) {
    return cannot(path, err);
  }
  let complete = true;
  for (const name of names) {
    const file = join(path, name);
    let isSubdir: boolean;
    try {
      isSubdir = statSync(file).isDirectory();
    } catch (err) {
      cannot(file, err);
      complete = false;
      continue;
    }
    if (isSubdir) continue;
    const format = formatOf(file, forced);
    if (!format) {
      warnings.push(`skipping file ${file}, extension must be .hcl or .json, or config format must be set`);
      continue;
    }
    if (!read(file, format)) complete = false;
  }
  return { sources, complete };
}

function jsonErrorPosition(text: string, err: Error): string {
  const m = /position (\d+)/.exec(err.message);
  if (!m) return err.message;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return `${err.message.replace(/ in JSON at position \d+.*$/, '')} at line ${line}, column ${col}`;
}
