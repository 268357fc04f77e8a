// Reads Consul-format JSON configuration files and merges them into an AgentConfig: files in order, a
// directory's *.json alphabetically; scalars last-wins, service/check/watch/join lists concatenate.
// Unknown keys are reported as warnings (Consul refuses them; we keep running so upgrades are painless),
// wrong types and invalid JSON are errors naming the file, the key and the problem.
import { parseGoDuration } from '@conclave/toolkit';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentConfig } from './agent-config.js';
import { ConfigError } from './config-error.js';

type Kind = 'string' | 'number' | 'bool' | 'strings' | 'stringMap' | 'duration' | 'object' | 'any';

interface KeySpec {
  kind: Kind;
  /** Applies the value; absent = accepted and ignored (a Consul key we do not act on). */
  set?: (cfg: AgentConfig, value: never, ctx: ApplyContext) => void;
  /** Nested object keys. */
  keys?: Record<string, KeySpec>;
}

interface ApplyContext {
  origin: string;
}

const ignored = (kind: Kind): KeySpec => ({ kind });

function port(name: keyof AgentConfig['ports']): KeySpec {
  return { kind: 'number', set: (c, v: number) => void (c.ports[name] = v) };
}

const SCHEMA: Record<string, KeySpec> = {
  datacenter: { kind: 'string', set: (c, v: string) => void (c.datacenter = v.toLowerCase()) },
  primary_datacenter: ignored('string'),
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
      dns: port('dns'),
      server: port('server'),
      serf_lan: port('serfLan'),
      serf_wan: port('serfWan'),
      https: ignored('number'),
      grpc: ignored('number'),
      grpc_tls: ignored('number'),
      sidecar_min_port: ignored('number'),
      sidecar_max_port: ignored('number'),
      expose_min_port: ignored('number'),
      expose_max_port: ignored('number'),
    },
  },
  addresses: {
    kind: 'object',
    keys: {
      http: { kind: 'string', set: (c, v: string) => void (c.httpAddr = v) },
      dns: { kind: 'string', set: (c, v: string) => void (c.dnsAddr = v) },
      https: ignored('string'),
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
  service: { kind: 'object', set: (c, v: unknown, ctx) => void c.services.push({ raw: v, origin: ctx.origin }) },
  services: {
    kind: 'any',
    set: (c, v: unknown, ctx) => {
      if (!Array.isArray(v)) throw new ConfigError(`${ctx.origin}: services: expected an array of service definitions`);
      for (const s of v) c.services.push({ raw: s, origin: ctx.origin });
    },
  },
  check: { kind: 'object', set: (c, v: unknown, ctx) => void c.checks.push({ raw: v, origin: ctx.origin }) },
  checks: {
    kind: 'any',
    set: (c, v: unknown, ctx) => {
      if (!Array.isArray(v)) throw new ConfigError(`${ctx.origin}: checks: expected an array of check definitions`);
      for (const s of v) c.checks.push({ raw: s, origin: ctx.origin });
    },
  },
  watches: {
    kind: 'any',
    set: (c, v: unknown, ctx) => {
      if (!Array.isArray(v)) throw new ConfigError(`${ctx.origin}: watches: expected an array of watch definitions`);
      for (const s of v) c.watches.push({ raw: s, origin: ctx.origin });
    },
  },
  limits: {
    kind: 'object',
    keys: {
      kv_max_value_size: { kind: 'number', set: (c, v: number) => void (c.kvMaxValueSize = v) },
      http_max_conns_per_client: { kind: 'number', set: (c, v: number) => void (c.httpMaxConnsPerClient = v) },
      txn_max_req_len: ignored('number'),
      rpc_rate: ignored('any'),
      rpc_max_burst: ignored('number'),
      rpc_max_conns_per_client: ignored('number'),
      https_handshake_timeout: ignored('duration'),
      rpc_handshake_timeout: ignored('duration'),
    },
  },
  session_ttl_min: { kind: 'duration', set: (c, v: number) => void (c.sessionTtlMinNs = v) },
  retry_join: { kind: 'strings', set: (c, v: string[]) => void c.retryJoin.push(...v) },
  start_join: { kind: 'strings', set: (c, v: string[]) => void c.startJoin.push(...v) },
  retry_interval: { kind: 'duration', set: (c, v: number) => void (c.retryIntervalNs = v) },
  retry_max: { kind: 'number', set: (c, v: number) => void (c.retryMax = v) },
  encrypt: { kind: 'string', set: (c, v: string) => void (c.encrypt = v) },
  encrypt_verify_incoming: ignored('bool'),
  encrypt_verify_outgoing: ignored('bool'),
  performance: {
    kind: 'object',
    keys: {
      raft_multiplier: { kind: 'number', set: (c, v: number) => void (c.raftMultiplier = v) },
      leave_drain_time: ignored('duration'),
      rpc_hold_timeout: ignored('duration'),
    },
  },
  leave_on_terminate: { kind: 'bool', set: (c, v: boolean) => void (c.leaveOnTerminate = v) },
  skip_leave_on_interrupt: { kind: 'bool', set: (c, v: boolean) => void (c.skipLeaveOnInterrupt = v) },
  rejoin_after_leave: { kind: 'bool', set: (c, v: boolean) => void (c.rejoinAfterLeave = v) },
  pid_file: { kind: 'string', set: (c, v: string) => void (c.pidFile = v) },
  // Accepted for compatibility; Conclave does not act on them yet (docs/api-support.md lists them).
  acl: ignored('object'),
  acl_datacenter: ignored('string'),
  acl_master_token: ignored('string'),
  acl_default_policy: ignored('string'),
  acl_token: ignored('string'),
  connect: ignored('object'),
  peering: ignored('object'),
  ui: ignored('bool'),
  ui_config: ignored('object'),
  ui_dir: ignored('string'),
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
  disable_remote_exec: ignored('bool'),
  disable_host_node_id: ignored('bool'),
  segments: ignored('any'),
  autopilot: ignored('object'),
  reconnect_timeout: ignored('duration'),
  check_update_interval: ignored('duration'),
  default_query_time: ignored('duration'),
  max_query_time: ignored('duration'),
  http_config: ignored('object'),
  raft_protocol: ignored('number'),
  log_file: ignored('string'),
  log_json: ignored('bool'),
  syslog_facility: ignored('string'),
  enable_syslog: ignored('bool'),
  tls: ignored('object'),
  ca_file: ignored('string'),
  cert_file: ignored('string'),
  key_file: ignored('string'),
  verify_incoming: ignored('bool'),
  verify_outgoing: ignored('bool'),
  gossip_lan: ignored('object'),
  gossip_wan: ignored('object'),
  advertise_addr_wan: ignored('string'),
  translate_wan_addrs: ignored('bool'),
};

export interface LoadResult {
  warnings: string[];
}

/** Applies one parsed JSON document to the config. */
export function applyConfigObject(cfg: AgentConfig, doc: unknown, origin: string, warnings: string[]): void {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new ConfigError(`${origin}: the top level must be a JSON object`);
  applyKeys(cfg, doc as Record<string, unknown>, SCHEMA, '', { origin }, warnings);
}

function applyKeys(
  cfg: AgentConfig,
  obj: Record<string, unknown>,
  schema: Record<string, KeySpec>,
  prefix: string,
  ctx: ApplyContext,
  warnings: string[],
): void {
  for (const [key, value] of Object.entries(obj)) {
    const path = prefix + key;
    const spec = schema[key] ?? schema[key.toLowerCase()];
    if (!spec) {
      warnings.push(`${ctx.origin}: unknown configuration key "${path}" ignored`);
      continue;
    }
    checkKind(spec.kind, value, path, ctx);
    if (spec.keys) applyKeys(cfg, value as Record<string, unknown>, spec.keys, path + '.', ctx, warnings);
    if (spec.set) {
      const v = spec.kind === 'duration' ? durationOf(value, path, ctx) : value;
      (spec.set as (c: AgentConfig, v: unknown, ctx: ApplyContext) => void)(cfg, v, ctx);
    }
  }
}

function checkKind(kind: Kind, value: unknown, path: string, ctx: ApplyContext): void {
  const fail = (want: string) => {
    throw new ConfigError(`${ctx.origin}: ${path}: expected ${want}, got ${describe(value)}`);
  };
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') fail('a string');
      break;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) fail('a number');
      break;
    case 'bool':
      if (typeof value !== 'boolean') fail('true or false');
      break;
    case 'strings':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail('an array of strings');
      break;
    case 'stringMap':
      if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) fail('an object of strings');
      break;
    case 'duration':
      if (typeof value !== 'string' && typeof value !== 'number') fail('a duration such as "10s"');
      break;
    case 'object':
      if (!isObject(value)) fail('an object');
      break;
    case 'any':
      break;
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

export function logLevelOf(v: string, where: string): AgentConfig['logLevel'] {
  const level = v.toLowerCase();
  if (level === 'warning') return 'warn';
  if (level === 'err') return 'error';
  if (level === 'trace' || level === 'debug' || level === 'info' || level === 'warn' || level === 'error') return level;
  throw new ConfigError(`${where}: unknown log level "${v}" (use trace, debug, info, warn or error)`);
}

/** Reads and applies one JSON file. */
export function loadConfigFile(cfg: AgentConfig, file: string, warnings: string[]): void {
  const origin = `config file ${file}`;
  if (file.endsWith('.hcl'))
    throw new ConfigError(`${origin}: HCL configuration is not supported yet; write it as JSON (same keys)`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${origin}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${origin}: invalid JSON: ${jsonErrorPosition(text, err as Error)}`);
  }
  applyConfigObject(cfg, doc, origin, warnings);
}

/** The *.json files of a directory, alphabetically, as Consul reads -config-dir. */
export function configDirFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new ConfigError(`config dir ${dir}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return names
    .filter((n) => n.endsWith('.json') || n.endsWith('.hcl'))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile());
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
