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

  it('requires a data dir outside dev mode', async () => {
    expect(() => buildAgentConfig(['-server'], 'h')).toThrow('data_dir is required outside -dev mode');
  });
});
