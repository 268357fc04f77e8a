import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAgentConfig } from '../src/config/agent-flags.js';
import { ConfigError } from '../src/config/config-error.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'conclave-config-'));
}

describe('agent configuration', () => {
  it('has Consul dev-mode defaults', () => {
    const { config } = buildAgentConfig(['-dev'], 'myhost');
    expect(config.nodeName).toBe('myhost');
    expect(config.datacenter).toBe('dc1');
    expect(config.clientAddr).toBe('127.0.0.1');
    expect(config.ports.http).toBe(8500);
    expect(config.ports.dns).toBe(8600);
    expect(config.server).toBe(true);
    expect(config.domain).toBe('consul.');
  });

  it("reads the article's service file and DNS file", () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'db.json'),
      `{
  "service": {
    "name": "db",
    "tags": ["master"],
    "port": 3306,
    "check": {
      "script": "/usr/local/bin/check_mysql_master",
      "interval": "10s"
    }
  }
}`,
    );
    writeFileSync(join(dir, 'dns.json'), `{\n  "ports": {\n    "dns": 53\n  },\n  "recursor": "8.8.8.8"\n}`);
    const { config, warnings } = buildAgentConfig(['-dev', '-config-dir', dir], 'h');
    expect(warnings).toEqual([]);
    expect(config.ports.dns).toBe(53);
    expect(config.recursors).toEqual(['8.8.8.8']);
    expect(config.services).toHaveLength(1);
    expect(config.services[0]!.origin).toBe(`config file ${join(dir, 'db.json')}`);
  });

  it('takes rejoin_after_leave from a file and -rejoin from the command line', () => {
    const dir = tmp();
    const file = join(dir, 'rejoin.json');
    writeFileSync(file, JSON.stringify({ rejoin_after_leave: true }));
    expect(buildAgentConfig(['-data-dir', dir], 'h').config.rejoinAfterLeave).toBe(false);
    expect(buildAgentConfig(['-data-dir', dir, '-rejoin'], 'h').config.rejoinAfterLeave).toBe(true);
    expect(buildAgentConfig(['-data-dir', dir, '-config-file', file], 'h').config.rejoinAfterLeave).toBe(true);
    expect(buildAgentConfig(['-data-dir', dir, '-config-file', file, '-rejoin=false'], 'h').config.rejoinAfterLeave).toBe(false);
  });

  it('lets flags override files and concatenates lists', () => {
    const dir = tmp();
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, JSON.stringify({ node_name: 'from-file', recursors: ['1.1.1.1'], services: [{ name: 'a' }] }));
    writeFileSync(b, JSON.stringify({ datacenter: 'DC2', recursors: ['9.9.9.9'], service: { name: 'b' } }));
    const { config } = buildAgentConfig(['-dev', '-config-file', a, '-config-file', b, '-node', 'from-flag', '-recursor', '8.8.4.4'], 'h');
    expect(config.nodeName).toBe('from-flag');
    expect(config.datacenter).toBe('dc2');
    expect(config.recursors).toEqual(['1.1.1.1', '9.9.9.9', '8.8.4.4']);
    expect(config.services.map((s) => (s.raw as { name: string }).name)).toEqual(['a', 'b']);
  });

  it('warns about unknown keys but keeps going', () => {
    const dir = tmp();
    const f = join(dir, 'x.json');
    writeFileSync(f, JSON.stringify({ node_name: 'n', frobnicate: true, dns_config: { only_passing: true, bogus: 1 } }));
    const { config, warnings } = buildAgentConfig(['-dev', '-config-file', f], 'h');
    expect(config.dns.onlyPassing).toBe(true);
    expect(warnings).toEqual([
      `config file ${f}: unknown configuration key "frobnicate" ignored`,
      `config file ${f}: unknown configuration key "dns_config.bogus" ignored`,
    ]);
  });

  it('reads telemetry: sinks, prefix, hostname, filters; accepts the keys it does not act on', () => {
    const dir = tmp();
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(
      a,
      JSON.stringify({
        telemetry: {
          prometheus_retention_time: '60s',
          statsd_address: '127.0.0.1:8125',
          dogstatsd_addr: '127.0.0.1:8126',
          dogstatsd_tags: ['env:prod'],
          disable_hostname: true,
          metrics_prefix: 'conclave',
          filter_default: false,
          prefix_filter: ['+conclave.raft'],
          statsite_address: '',
          circonus_api_token: '',
          'disable_compat_1.9': true,
        },
      }),
    );
    writeFileSync(b, JSON.stringify({ telemetry: { prefix_filter: ['-conclave.raft.apply'], dogstatsd_tags: ['dc:1'], bogus: 1 } }));
    const { config, warnings } = buildAgentConfig(['-dev', '-config-file', a, '-config-file', b], 'h');
    expect(config.telemetry).toEqual({
      prometheusRetentionMs: 60_000,
      statsdAddress: '127.0.0.1:8125',
      dogstatsdAddr: '127.0.0.1:8126',
      dogstatsdTags: ['env:prod', 'dc:1'],
      disableHostname: true,
      metricsPrefix: 'conclave',
      filterDefault: false,
      prefixFilter: ['+conclave.raft', '-conclave.raft.apply'],
    });
    expect(warnings).toEqual([`config file ${b}: unknown configuration key "telemetry.bogus" ignored`]);
    expect(buildAgentConfig(['-dev'], 'h').config.telemetry).toMatchObject({ prometheusRetentionMs: 0, metricsPrefix: 'consul', filterDefault: true });
  });

  it('names the file, the key and the problem for wrong types', () => {
    const dir = tmp();
    const f = join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify({ ports: { dns: '53' } }));
    expect(() => buildAgentConfig(['-dev', '-config-file', f], 'h')).toThrow(
      new ConfigError(`config file ${f}: ports.dns: expected a number, got the string "53"`),
    );
  });

  it('names the line and column of invalid JSON', () => {
    const dir = tmp();
    const f = join(dir, 'broken.json');
    writeFileSync(f, '{\n  "node_name": "x",\n  oops\n}');
    expect(() => buildAgentConfig(['-dev', '-config-file', f], 'h')).toThrow(/broken\.json: invalid JSON: .* at line 3, column 3/);
  });

  it('reads -config-dir alphabetically, *.json only', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'sub.json'));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ node_name: 'second' }));
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ node_name: 'first' }));
    writeFileSync(join(dir, 'notes.txt'), 'not config');
    expect(buildAgentConfig(['-dev', '-config-dir', dir], 'h').config.nodeName).toBe('second');
  });

  it('rejects a bad duration and a bad log level clearly', () => {
    const dir = tmp();
    const f = join(dir, 'd.json');
    writeFileSync(f, JSON.stringify({ dns_config: { node_ttl: '10 seconds' } }));
    expect(() => buildAgentConfig(['-dev', '-config-file', f], 'h')).toThrow(`config file ${f}: dns_config.node_ttl: time: unknown unit " seconds" in duration "10 seconds"`);
    expect(() => buildAgentConfig(['-dev', '-log-level', 'loud'], 'h')).toThrow('-log-level: unknown log level "loud"');
  });

  it('requires a data dir outside dev mode', () => {
    expect(() => buildAgentConfig(['-server'], 'h')).toThrow('data_dir is required outside -dev mode');
  });
});
