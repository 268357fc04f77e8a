// Config files and reload against the built binary: bad files (JSON or HCL) stop the agent before anything
// starts, with every problem named by file, line, column and key; unknown keys are such problems; SIGHUP and
// `conclave reload` pick up new service definitions; `conclave validate` checks a configuration the same way.
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONCLAVE_BIN, dig, freePort, runCli, startDevAgent, type AgentProcess } from './support/agent-process.js';

let agent: AgentProcess | undefined;
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
});

function runAgentSync(args: string[]) {
  return spawnSync(process.execPath, [CONCLAVE_BIN, 'agent', '-dev', '-http-port', '0', '-dns-port', '-1', '-serf-lan-port', '0', ...args], {
    encoding: 'utf8',
    timeout: 15000,
  });
}

describe('conclave validate (the built binary)', () => {
  it('exits 0 with "Configuration is valid!" and 1 with every problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-validate-'));
    writeFileSync(join(dir, 'agent.hcl'), 'data_dir = "/opt/conclave"\nserver = true\n');
    writeFileSync(join(dir, 'web.json'), JSON.stringify({ service: { name: 'web', port: 80 } }));
    const ok = spawnSync(process.execPath, [CONCLAVE_BIN, 'validate', dir], { encoding: 'utf8', timeout: 15000 });
    expect([ok.status, ok.stdout, ok.stderr]).toEqual([0, 'Configuration is valid!\n', '']);
    writeFileSync(join(dir, 'bad.hcl'), 'bootstrap_expect = 3\nserver = "yes"\n');
    const bad = spawnSync(process.execPath, [CONCLAVE_BIN, 'validate', dir], { encoding: 'utf8', timeout: 15000 });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(
      `Config validation failed: ${join(dir, 'bad.hcl')}:2:1: server: expected true or false, got the string "yes"\n`,
    );
  });
});

describe('agent configuration files', () => {
  it('exits non-zero naming the file, the key and the problem for a wrong type', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-cfg-'));
    const file = join(dir, 'ports.json');
    writeFileSync(file, '{"ports": {"http": "8500"}}');
    const res = runAgentSync(['-config-file', file]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`==> ${file}:1:12: ports.http: expected a number, got the string "8500"`);
  });

  it('exits non-zero on invalid JSON with its position', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-cfg-'));
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"service": {"name": "web",}}');
    const res = runAgentSync(['-config-file', file]);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(new RegExp(`${file}: invalid JSON: .*line 1, column`));
  });

  it('exits non-zero naming the service field for an invalid definition', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-cfg-'));
    const file = join(dir, 'svc.json');
    writeFileSync(file, JSON.stringify({ service: { name: 'web', port: 'eighty' } }));
    const res = runAgentSync(['-config-file', file]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`==> ${file}:1:13: service.port: expected a number`);
  });

  it('refuses a script check in a config file unless script checks are enabled', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-cfg-'));
    const file = join(dir, 'db.json');
    writeFileSync(file, JSON.stringify({ service: { name: 'db', check: { script: '/bin/true', interval: '10s' } } }));
    const res = runAgentSync(['-config-file', file]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain("Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true");
  });

  it('refuses unknown keys, listing every problem, before anything starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-cfg-'));
    const file = join(dir, 'extra.json');
    writeFileSync(file, JSON.stringify({ frobnicate: 1, service: { name: 'web', port: 80, weights: { passing: 0 } } }));
    const hcl = join(dir, 'extra.hcl');
    writeFileSync(hcl, 'ports {\n  htttp = 8500\n}\n');
    const port = await freePort();
    const res = runAgentSync(['-http-port', String(port), '-config-file', file, '-config-file', hcl]);
    expect(res.status).toBe(1);
    expect(res.stdout).not.toContain('Starting Conclave agent');
    expect(res.stderr.split('\n')).toEqual([
      `==> ${file}:1:2: unknown configuration key "frobnicate"`,
      `==> ${hcl}:2:3: unknown configuration key "ports.htttp"`,
      `==> ${file}:1:28: service.weights.passing: Passing must be greater than 0`,
      '',
    ]);
  });

  it('starts from a directory of HCL and JSON files and -hcl fragments, and reloads HCL definitions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-cfg-'));
    writeFileSync(join(dir, 'a-node.hcl'), '# the node\nnode_meta {\n  rack = "r1"\n}\ndns_config {\n  node_ttl = "30s"\n}\n');
    writeFileSync(join(dir, 'b-web.hcl'), 'service {\n  name = "web"\n  port = 80\n  address = "10.0.0.1"\n  check {\n    ttl = "30s"\n    status = "passing"\n  }\n}\n');
    writeFileSync(join(dir, 'c-api.json'), JSON.stringify({ service: { name: 'api', port: 81, address: '10.0.0.2' } }));
    agent = await startDevAgent(['-config-dir', dir, '-hcl', 'node_name = "from-hcl-flag"']);
    const self = (await (await fetch(`http://${agent.httpAddr}/v1/agent/self`)).json()) as { Config: { NodeName: string }; Meta: Record<string, string> };
    expect(self.Config.NodeName).toBe('from-hcl-flag');
    expect(self.Meta).toMatchObject({ rack: 'r1' });
    expect((await dig(agent.dnsPort, 'web.service.consul')).answer.map((a) => a[4])).toEqual(['10.0.0.1']);
    expect((await dig(agent.dnsPort, 'api.service.consul')).answer.map((a) => a[4])).toEqual(['10.0.0.2']);

    writeFileSync(join(dir, 'd-db.hcl'), 'service {\n  name = "db"\n  port = 5432\n  address = "10.0.0.3"\n}\n');
    expect((await runCli(['reload', '-http-addr', agent.httpAddr])).code).toBe(0);
    await waitFor('db after reload', async () => (await dig(agent!.dnsPort, 'db.service.consul')).answer.length === 1, { timeoutMs: 10000, intervalMs: 100 });

    // A broken file refuses the reload and keeps the running configuration.
    writeFileSync(join(dir, 'e-broken.hcl'), 'service {\n  name = "broken"\n');
    const refused = await runCli(['reload', '-http-addr', agent.httpAddr]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${join(dir, 'e-broken.hcl')}:3:2: object expected closing RBRACE got: EOF`);
    expect((await dig(agent.dnsPort, 'db.service.consul')).answer.length).toBe(1);
  });

  it('exits non-zero on a broken HCL file with file:line:col and no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-cfg-'));
    const file = join(dir, 'broken.hcl');
    writeFileSync(file, 'datacenter = "dc1"\nports {\n  http = 8500\n  dns 8600\n}\n');
    const res = runAgentSync(['-config-file', file]);
    expect(res.status).toBe(1);
    expect(res.stderr).toBe(`==> ${file}:4:7: expected: IDENT | STRING | ASSIGN | LBRACE got: NUMBER\n`);
  });

  it('reloads service definitions on SIGHUP and on `conclave reload`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-cfg-'));
    writeFileSync(join(dir, 'web.json'), JSON.stringify({ service: { name: 'web', port: 80, address: '10.0.0.1' } }));
    agent = await startDevAgent(['-config-dir', dir]);
    expect((await dig(agent.dnsPort, 'web.service.consul')).answer.map((a) => a[4])).toEqual(['10.0.0.1']);

    writeFileSync(join(dir, 'api.json'), JSON.stringify({ service: { name: 'api', port: 81, address: '10.0.0.2' } }));
    agent.proc.kill('SIGHUP');
    await waitFor('api after SIGHUP', async () => (await dig(agent!.dnsPort, 'api.service.consul')).answer.length === 1, { timeoutMs: 10000, intervalMs: 100 });

    rmSync(join(dir, 'web.json'));
    const res = await runCli(['reload', '-http-addr', agent.httpAddr]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Configuration reload triggered');
    await waitFor('web gone after reload', async () => (await dig(agent!.dnsPort, 'web.service.consul')).status === 'NXDOMAIN', { timeoutMs: 10000, intervalMs: 100 });
  });

  it('applies DNS settings, services, checks and node meta on reload and names the settings that need a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-cfg-'));
    const conf = join(dir, 'agent.json');
    writeFileSync(conf, JSON.stringify({ dns_config: { node_ttl: '0s' }, service: { name: 'web', port: 80, address: '10.0.0.1' } }));
    agent = await startDevAgent(['-config-dir', dir, '-node', 'reload-node']);
    const nodeTtl = async () => (await dig(agent!.dnsPort, 'reload-node.node.consul')).answer[0]?.[1];
    expect(await nodeTtl()).toBe('0');

    writeFileSync(
      conf,
      JSON.stringify({
        dns_config: { node_ttl: '30s' },
        node_meta: { rack: 'r2' },
        ports: { server: 18300 },
        services: [{ name: 'api', port: 81, address: '10.0.0.2' }],
        checks: [{ id: 'mem', name: 'Memory', ttl: '30s', status: 'passing' }],
      }),
    );
    agent.proc.kill('SIGHUP');
    await waitFor('node TTL after SIGHUP', async () => (await nodeTtl()) === '30', { timeoutMs: 10000, intervalMs: 100 });
    expect((await dig(agent.dnsPort, 'api.service.consul')).answer.map((a) => a[4])).toEqual(['10.0.0.2']);
    expect((await dig(agent.dnsPort, 'web.service.consul')).status).toBe('NXDOMAIN');
    const checks = (await (await fetch(`http://${agent.httpAddr}/v1/agent/checks`)).json()) as Record<string, { Name: string }>;
    expect(checks.mem?.Name).toBe('Memory');
    const nodeMeta = async () =>
      ((await (await fetch(`http://${agent!.httpAddr}/v1/catalog/node/reload-node`)).json()) as { Node: { Meta: Record<string, string> } }).Node.Meta;
    await waitFor('node meta synced', async () => (await nodeMeta()).rack === 'r2', { timeoutMs: 10000, intervalMs: 100 });
    await waitFor('restart warning', async () => agent!.output().includes('Changed settings take effect only after a restart'), { timeoutMs: 5000, intervalMs: 50 });
    expect(agent.output()).toContain('[WARN]  agent: Changed settings take effect only after a restart: settings=ports.server');

    // `conclave reload` (PUT /v1/agent/reload) does the same; the running port stays the one it started with.
    writeFileSync(conf, JSON.stringify({ dns_config: { node_ttl: '10s' }, ports: { server: 18300 } }));
    const res = await runCli(['reload', '-http-addr', agent.httpAddr]);
    expect(res).toEqual({ code: 0, stdout: 'Configuration reload triggered\n', stderr: '' });
    expect(await nodeTtl()).toBe('10');
    expect(agent.output().match(/Changed settings take effect only after a restart/g)).toHaveLength(2);
  });

  it('runs the watches of its config file and restarts them on reload', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-cfg-'));
    const out = join(dir, 'calls');
    const conf = join(dir, 'watch.json');
    const watch = (key: string) => ({ watches: [{ type: 'key', key, args: ['sh', '-c', `cat >> ${out}; echo >> ${out}`] }] });
    writeFileSync(conf, JSON.stringify(watch('app/a')));
    agent = await startDevAgent(['-config-file', conf]);
    const calls = () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter((l) => l.trim() !== '') : []);
    // The first result always runs the handler: a missing key is null.
    await waitFor('first watch call', async () => calls().length === 1, { timeoutMs: 10000, intervalMs: 100 });
    expect(calls()[0]).toBe('null');
    await fetch(`http://${agent.httpAddr}/v1/kv/app/a`, { method: 'PUT', body: 'one' });
    await waitFor('watch call after PUT', async () => calls().length === 2, { timeoutMs: 10000, intervalMs: 100 });
    expect(JSON.parse(calls()[1]!)).toMatchObject({ Key: 'app/a', Value: Buffer.from('one').toString('base64') });
    // Reload with a watch on another key: the old watch stops, the new one starts.
    writeFileSync(conf, JSON.stringify(watch('app/b')));
    expect((await runCli(['reload', '-http-addr', agent.httpAddr])).code).toBe(0);
    await waitFor('new watch first call', async () => calls().length === 3, { timeoutMs: 10000, intervalMs: 100 });
    await fetch(`http://${agent.httpAddr}/v1/kv/app/a`, { method: 'PUT', body: 'two' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(calls()).toHaveLength(3);
  });

  it('answers /v1/agent/self with Consul six keys and hides the consul service from /v1/agent/services', async () => {
    agent = await startDevAgent(['-node', 'self-test']);
    const self = (await (await fetch(`http://${agent.httpAddr}/v1/agent/self`)).json()) as Record<string, Record<string, unknown>>;
    expect(Object.keys(self).sort()).toEqual(['Config', 'Coord', 'DebugConfig', 'Member', 'Meta', 'Stats']);
    expect(self.Config!.NodeName).toBe('self-test');
    expect(self.Config!.Datacenter).toBe('dc1');
    expect(self.Config!.Server).toBe(true);
    expect(await (await fetch(`http://${agent.httpAddr}/v1/agent/services`)).json()).toEqual({});
    const nodes = (await (await fetch(`http://${agent.httpAddr}/v1/catalog/nodes`)).json()) as Array<{ Node: string }>;
    expect(nodes.map((n) => n.Node)).toEqual(['self-test']);
    const health = (await (await fetch(`http://${agent.httpAddr}/v1/health/node/self-test`)).json()) as Array<{ CheckID: string; Status: string }>;
    expect(health.map((c) => [c.CheckID, c.Status])).toEqual([['serfHealth', 'passing']]);
  });
});
