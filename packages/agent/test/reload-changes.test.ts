// Which changed settings a reload applies and which need a restart, over configurations built from real files.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAgentConfig } from '../src/config/agent-flags.js';
import { RELOADABLE_SETTINGS, consulKey, settingsNeedingRestart } from '../src/config/reload-changes.js';

function configFrom(file: object) {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-reload-'));
  writeFileSync(join(dir, 'agent.json'), JSON.stringify(file));
  return buildAgentConfig(['-dev', '-config-dir', dir], 'host').config;
}

describe('reload changes', () => {
  it('names nothing when only reloadable settings changed', () => {
    const before = configFrom({ log_level: 'info', dns_config: { node_ttl: '0s' }, node_meta: { rack: 'a' }, service: { name: 'web' } });
    const after = configFrom({
      log_level: 'debug',
      dns_config: { node_ttl: '30s', only_passing: true },
      recursors: ['10.0.0.53'],
      node_meta: { rack: 'b' },
      limits: { http_max_conns_per_client: 10 },
      service: { name: 'api' },
      check: { id: 'mem', name: 'mem', ttl: '30s' },
      watches: [{ type: 'key', key: 'a', args: ['true'] }],
    });
    expect(settingsNeedingRestart(before, after)).toEqual([]);
  });

  it("names the changed settings that need a restart in Consul's keys, blocks key by key", () => {
    const before = configFrom({ ports: { http: 8500 } });
    const after = configFrom({
      ports: { http: 8501, dns: 8601 },
      bind_addr: '127.0.0.2',
      datacenter: 'dc2',
      limits: { kv_max_value_size: 1024 },
      performance: { raft_multiplier: 3 },
      service: { name: 'web' },
    });
    expect(settingsNeedingRestart(before, after)).toEqual([
      'bind_addr',
      'datacenter',
      'limits.kv_max_value_size',
      'performance.raft_multiplier',
      'ports.dns',
      'ports.http',
    ]);
  });

  it('names log_level when the logger cannot change its level', () => {
    const before = configFrom({ log_level: 'info' });
    const after = configFrom({ log_level: 'debug' });
    const withoutLevel = new Set(RELOADABLE_SETTINGS);
    withoutLevel.delete('logLevel');
    expect(settingsNeedingRestart(before, after, withoutLevel)).toEqual(['log_level']);
  });

  it("spells our fields as Consul's keys", () => {
    expect(['bootstrapExpect', 'enableLocalScriptChecks', 'httpAddr', 'sessionTtlMinNs', 'serfLan'].map(consulKey)).toEqual([
      'bootstrap_expect',
      'enable_local_script_checks',
      'addresses.http',
      'session_ttl_min',
      'serf_lan',
    ]);
  });
});
