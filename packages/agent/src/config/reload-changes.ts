// What a reload may change. Consul's ReloadConfig (agent.go reloadConfigInternal) applies the log level, the
// services, checks and node metadata, the watches, limits.http_max_conns_per_client and the DNS settings
// (dns_config and recursors); every other setting keeps its running value until the agent restarts. This
// compares the running configuration with the re-read one and names the changed settings of the second kind
// in Consul's configuration key names, so the reload can say which need a restart.
import { deepEqual } from '@conclave/toolkit';
import type { AgentConfig } from './agent-config.js';

/** The settings a running agent applies on reload. */
export const RELOADABLE_SETTINGS: ReadonlySet<keyof AgentConfig> = new Set<keyof AgentConfig>([
  'logLevel',
  'services',
  'checks',
  'watches',
  'nodeMeta',
  'httpMaxConnsPerClient',
  'dns',
  'recursors',
]);

/** Where the configuration was read from, not a setting. */
const NOT_SETTINGS: ReadonlySet<string> = new Set(['configFiles', 'configDirs']);

/** Our field names whose Consul key is not their snake_case spelling. */
const CONSUL_KEY: Record<string, string> = {
  httpAddr: 'addresses.http',
  dnsAddr: 'addresses.dns',
  dns: 'dns_config',
  kvMaxValueSize: 'limits.kv_max_value_size',
  httpMaxConnsPerClient: 'limits.http_max_conns_per_client',
  sessionTtlMinNs: 'session_ttl_min',
  retryIntervalNs: 'retry_interval',
  raftMultiplier: 'performance.raft_multiplier',
  nodeMeta: 'node_meta',
};

export function consulKey(field: string): string {
  return CONSUL_KEY[field] ?? snakeCase(field);
}

function snakeCase(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Changed settings that a reload cannot apply, as Consul names them (`ports.http`, `bind_addr`), sorted. */
export function settingsNeedingRestart(running: AgentConfig, next: AgentConfig, reloadable: ReadonlySet<string> = RELOADABLE_SETTINGS): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(running), ...Object.keys(next)]);
  for (const key of keys) {
    if (reloadable.has(key) || NOT_SETTINGS.has(key)) continue;
    const a = (running as unknown as Record<string, unknown>)[key];
    const b = (next as unknown as Record<string, unknown>)[key];
    if (deepEqual(a, b)) continue;
    if (isRecord(a) && isRecord(b)) {
      // A block (ports, telemetry...): name the keys inside it that changed.
      for (const sub of new Set([...Object.keys(a), ...Object.keys(b)])) {
        if (!deepEqual(a[sub], b[sub])) out.push(`${consulKey(key)}.${snakeCase(sub)}`);
      }
    } else {
      out.push(consulKey(key));
    }
  }
  return out.sort();
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
