import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAgentConfig } from '../src/config/agent-flags.js';
import { ConfigError } from '../src/config/config-error.js';
import { configProblems } from './support.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'conclave-config-'));
}


describe('agent configuration', () => {
  it('has Consul dev-mode defaults', async () => {
    const { config } = buildAgentConfig(['-dev'], 'myhost');
    expect(config.nodeName).toBe('myhost');
    expect(config.datacenter).toBe('dc1');
    expect(config.clientAddr).toBe('127.0.0.1');
    expect(config.ports.http).toBe(8500);
    expect(config.ports.dns).toBe(8600);
    expect(config.server).toBe(true);
    expect(config.domain).toBe('consul.');
  });

  it("reads the article's service file and DNS file", async () => {
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
    expect(config.services[0]!.origin).toBe(`${join(dir, 'db.json')}:3:5`);
  });

  it('takes rejoin_after_leave from a file and -rejoin from the command line', async () => {
    const dir = tmp();
    const file = join(dir, 'rejoin.json');
    writeFileSync(file, JSON.stringify({ rejoin_after_leave: true }));
    expect(buildAgentConfig(['-data-dir', dir], 'h').config.rejoinAfterLeave).toBe(false);
    expect(buildAgentConfig(['-data-dir', dir, '-rejoin'], 'h').config.rejoinAfterLeave).toBe(true);
    expect(buildAgentConfig(['-data-dir', dir, '-config-file', file], 'h').config.rejoinAfterLeave).toBe(true);
    expect(buildAgentConfig(['-data-dir', dir, '-config-file', file, '-rejoin=false'], 'h').config.rejoinAfterLeave).toBe(false);
  });

  it('lets flags override files and concatenates lists', async () => {
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

  it('refuses unknown keys, naming the file, line, column and key, and lists every problem', async () => {
    const dir = tmp();
    const f = join(dir, 'x.json');
    writeFileSync(f, '{\n  "node_name": "n",\n  "frobnicate": true,\n  "dns_config": { "only_passing": true, "bogus": 1 }\n}');
    expect(await configProblems(['-dev', '-config-file', f])).toEqual([
      `${f}:3:3: unknown configuration key "frobnicate"`,
      `${f}:4:41: unknown configuration key "dns_config.bogus"`,
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
    writeFileSync(b, JSON.stringify({ telemetry: { prefix_filter: ['-conclave.raft.apply'], dogstatsd_tags: ['dc:1'] } }));
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
    expect(warnings).toEqual([]);
    writeFileSync(b, JSON.stringify({ telemetry: { bogus: 1 } }));
    expect(() => buildAgentConfig(['-dev', '-config-file', b], 'h')).toThrow(/unknown configuration key "telemetry\.bogus"/);
    expect(buildAgentConfig(['-dev'], 'h').config.telemetry).toMatchObject({ prometheusRetentionMs: 0, metricsPrefix: 'consul', filterDefault: true });
  });

  it('names the file, the position, the key and the problem for wrong types', async () => {
    const dir = tmp();
    const f = join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify({ ports: { dns: '53' } }));
    expect(() => buildAgentConfig(['-dev', '-config-file', f], 'h')).toThrow(
      new ConfigError(`${f}:1:11: ports.dns: expected a number, got the string "53"`),
    );
  });

  it('names the line and column of invalid JSON', async () => {
    const dir = tmp();
    const f = join(dir, 'broken.json');
    writeFileSync(f, '{\n  "node_name": "x",\n  oops\n}');
    expect(() => buildAgentConfig(['-dev', '-config-file', f], 'h')).toThrow(/broken\.json: invalid JSON: .* at line 3, column 3/);
  });

  it('reads -config-dir alphabetically, *.json and *.hcl only, skipping the rest with a warning', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'sub.json'));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ node_name: 'second' }));
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ node_name: 'first' }));
    writeFileSync(join(dir, 'notes.txt'), 'not config');
    const { config, warnings } = buildAgentConfig(['-dev', '-config-dir', dir], 'h');
    expect(config.nodeName).toBe('second');
    expect(warnings).toEqual([`skipping file ${join(dir, 'notes.txt')}, extension must be .hcl or .json, or config format must be set`]);
  });

  it('rejects a bad duration and a bad log level clearly', async () => {
    const dir = tmp();
    const f = join(dir, 'd.json');
    writeFileSync(f, JSON.stringify({ dns_config: { node_ttl: '10 seconds' } }));
    expect(() => buildAgentConfig(['-dev', '-config-file', f], 'h')).toThrow(`${f}:1:16: dns_config.node_ttl: time: unknown unit " seconds" in duration "10 seconds"`);
    expect(() => buildAgentConfig(['-dev', '-log-level', 'loud'], 'h')).toThrow('-log-level: unknown log level "loud"');
  });

  it('reads the log settings from files and flags, flags last; warns once about syslog', () => {
    const dir = tmp();
    const f = join(dir, 'log.json');
    writeFileSync(
      f,
      JSON.stringify({ log_level: 'warn', log_json: true, log_file: '/var/log/conclave/', log_rotate_bytes: 1000, log_rotate_duration: '1h', log_rotate_max_files: 3, enable_syslog: true, syslog_facility: 'LOCAL0' }),
    );
    const fromFile = buildAgentConfig(['-dev', '-config-file', f], 'h');
    expect(fromFile.config).toMatchObject({ logLevel: 'warn', logJson: true, logFile: '/var/log/conclave/', logRotateBytes: 1000, logRotateDurationNs: 3600e9, logRotateMaxFiles: 3, enableSyslog: true });
    expect(fromFile.warnings.filter((w) => w.includes('syslog'))).toEqual([
      'enable_syslog/-syslog: Conclave does not log to syslog (Node has no unix datagram socket for /dev/log); logs go to stderr and -log-file only',
    ]);
    const flags = ['-log-json=false', '-log-file', 'x.log', '-log-rotate-bytes', '5', '-log-rotate-duration', '90s', '-log-rotate-max-files', '-1'];
    expect(buildAgentConfig(['-dev', '-config-file', f, ...flags], 'h').config).toMatchObject({
      logJson: false,
      logFile: 'x.log',
      logRotateBytes: 5,
      logRotateDurationNs: 90e9,
      logRotateMaxFiles: -1,
    });
    expect(buildAgentConfig(['-dev'], 'h').warnings).toEqual([]);
  });

  it('refuses bad rotation settings clearly', () => {
    expect(() => buildAgentConfig(['-dev', '-log-rotate-duration', 'daily'], 'h')).toThrow('-log-rotate-duration: time: invalid duration "daily"');
    expect(() => buildAgentConfig(['-dev', '-log-rotate-bytes', '-1'], 'h')).toThrow('log_rotate_bytes: must not be negative, got -1');
    const f = join(tmp(), 'r.json');
    writeFileSync(f, JSON.stringify({ log_rotate_max_files: 1.5 }));
    expect(() => buildAgentConfig(['-dev', '-config-file', f], 'h')).toThrow(`${f}:1:2: log_rotate_max_files: expected a whole number, got 1.5`);
  });

  it('requires a data dir outside dev mode', async () => {
    expect(() => buildAgentConfig(['-server'], 'h')).toThrow('data_dir is required outside -dev mode');
  });

  it('reads limits, request_limits, http_config and the TLS block, and refuses bad values with the key named', () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'limits.json'),
      JSON.stringify({
        limits: { rpc_rate: 50, rpc_max_burst: 10, rpc_max_conns_per_client: 7, request_limits: { mode: 'enforcing', read_rate: 100, write_rate: 20 } },
        http_config: { response_headers: { 'X-Frame-Options': 'DENY' }, max_header_bytes: 8192 },
        tls: { defaults: { verify_outgoing: true, tls_min_version: 'TLSv1_3' }, internal_rpc: { verify_server_hostname: true } },
        verify_incoming_https: true,
        ca_file: '/etc/ca.pem',
      }),
    );
    const { config } = buildAgentConfig(['-dev', '-config-dir', dir], 'h');
    expect(config).toMatchObject({
      rpcRate: 50,
      rpcMaxBurst: 10,
      rpcMaxConnsPerClient: 7,
      requestLimits: { mode: 'enforcing', readRate: 100, writeRate: 20 },
      httpResponseHeaders: { 'X-Frame-Options': 'DENY' },
      httpMaxHeaderBytes: 8192,
      tls: { defaults: { verifyOutgoing: true, tlsMinVersion: 'TLSv1.3', caFile: '/etc/ca.pem' }, https: { verifyIncoming: true }, internalRpc: { verifyServerHostname: true } },
    });
    writeFileSync(join(dir, 'limits.json'), JSON.stringify({ limits: { request_limits: { mode: 'strict' } } }));
    expect(() => buildAgentConfig(['-dev', '-config-dir', dir], 'h')).toThrow(/limits\.request_limits\.mode: must be "disabled", "permissive" or "enforcing", got "strict"/);
    writeFileSync(join(dir, 'limits.json'), JSON.stringify({ limits: { rpc_rate: 'fast' } }));
    expect(() => buildAgentConfig(['-dev', '-config-dir', dir], 'h')).toThrow(/limits\.rpc_rate: expected a number or "inf"/);
  });
});
