// `conclave members|catalog|services|maint|reload|info|version|keygen` end to end: the built binary against
// a real dev agent.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONCLAVE_BIN, startDevAgent, type AgentProcess } from './support/agent-process.js';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function conclave(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, CONSUL_HTTP_ADDR: agent.httpAddr, CONSUL_HTTP_TOKEN: '', CONSUL_HTTP_TOKEN_FILE: '', ...opts.env };
    const child = spawn(process.execPath, [CONCLAVE_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`http://${agent.httpAddr}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** Splits a columnized table into cells, checking that every column starts at the same offset on every line. */
function table(text: string): string[][] {
  const lines = text.replace(/\n$/, '').split('\n');
  const starts: number[] = [];
  const header = lines[0]!;
  for (const m of header.matchAll(/\S+/g)) starts.push(m.index!);
  return lines.map((line) => {
    const cells = starts.map((s, i) => line.slice(s, starts[i + 1] ?? undefined).trim());
    for (let i = 1; i < starts.length; i++) {
      if (cells[i] !== '') expect(line[starts[i]! - 1], `column ${i} misaligned in ${JSON.stringify(line)}`).toBe(' ');
    }
    return cells;
  });
}

let agent: AgentProcess;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-cli-agent-'));
  agent = await startDevAgent(['-node', 'cli-node']);
}, 60000);

afterAll(async () => {
  await agent?.stop('SIGTERM');
});

describe('conclave members', () => {
  it("prints Consul's table: servers first, status word, type, build, protocol, dc, partition, segment", async () => {
    const [self] = await api<Array<{ Name: string; Addr: string; Port: number; Tags: Record<string, string> }>>('/v1/agent/members');
    const res = await conclave(['members']);
    expect(res.code).toBe(0);
    const rows = table(res.stdout);
    expect(rows[0]).toEqual(['Node', 'Address', 'Status', 'Type', 'Build', 'Protocol', 'DC', 'Partition', 'Segment']);
    expect(rows[1]).toEqual(['cli-node', `${self!.Addr}:${self!.Port}`, 'alive', 'server', self!.Tags.build!.split(':')[0], self!.Tags.vsn, 'dc1', 'default', '<all>']);
  });

  it('-detailed shows sorted tags; -status filters and exits 2 when nothing matches', async () => {
    const [detailed, alive, none, badRe] = await Promise.all([
      conclave(['members', '-detailed']),
      conclave(['members', '-status', 'alive']),
      conclave(['members', '-status', '^(failed|left)$']),
      conclave(['members', '-status', '(']),
    ]);
    expect(detailed.stderr).toBe('');
    const rows = table(detailed.stdout);
    expect(rows[0]).toEqual(['Node', 'Address', 'Status', 'Tags']);
    const tags = rows[1]![3]!.split(',');
    expect(tags).toEqual([...tags].sort());
    expect(tags).toContain('role=consul');
    expect(tags).toContain('dc=dc1');
    expect(tags).toContain('segment=<all>');
    expect(alive.code).toBe(0);
    expect(none).toEqual({ code: 2, stdout: '', stderr: '' });
    expect(badRe.stderr).toMatch(/^Failed to compile status regexp: /);
  });
});

describe('conclave services and catalog', () => {
  it('registers from a service definition file and shows it in the catalog', async () => {
    const file = join(dir, 'web.json');
    writeFileSync(file, JSON.stringify({ service: { name: 'web', tags: ['rails', 'v2'], port: 8080 } }));
    expect(await conclave(['services', 'register', file])).toEqual({ code: 0, stdout: 'Registered service: web\n', stderr: '' });
    const services = await api<Record<string, { Service: string; Tags: string[]; Port: number }>>('/v1/agent/services');
    expect(services.web).toMatchObject({ Service: 'web', Tags: ['rails', 'v2'], Port: 8080 });
    const [plain, tags, byNode] = await Promise.all([
      conclave(['catalog', 'services']),
      conclave(['catalog', 'services', '-tags']),
      conclave(['catalog', 'services', '-node', 'cli-node']),
    ]);
    expect(plain.stdout).toBe('consul\nweb\n');
    // Go's tabwriter pads every tab-terminated cell (even before an empty tag list); only the output's ends are trimmed.
    expect(tags.stdout).toBe('consul      \nweb         rails,v2\n');
    expect(byNode.stdout).toContain('web\n');
  });

  it('registers several services from a "services" list and by flags, reports errors, and deregisters them', async () => {
    const file = join(dir, 'many.json');
    writeFileSync(file, JSON.stringify({ services: [{ name: 'db', id: 'db-1', port: 5432 }, { Name: 'cache', Port: 6379 }] }));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"service": {"name": ');
    const nameless = join(dir, 'nameless.json');
    writeFileSync(nameless, JSON.stringify({ service: { port: 1 } }));
    const [fromFile, fromFlags, noArgs, parse, refused] = await Promise.all([
      conclave(['services', 'register', file]),
      conclave(['services', 'register', '-name', 'api', '-id', 'api-1', '-port', '9000', '-tag', 'blue']),
      conclave(['services', 'register']),
      conclave(['services', 'register', bad]),
      conclave(['services', 'register', nameless]),
    ]);
    expect(fromFile.stdout).toBe('Registered service: db\nRegistered service: cache\n');
    expect(fromFlags.stdout).toBe('Registered service: api\n');
    expect(noArgs).toEqual({ code: 1, stdout: '', stderr: 'Service registration requires at least one argument or flags.\n' });
    expect(parse.code).toBe(1);
    // The file is read by the agent's own configuration loader, as Consul's `services register` reads it.
    expect(parse.stderr).toMatch(/^Error: .*bad\.json: invalid JSON: /);
    // The agent's 400 for a nameless service comes through with its plain-text body.
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Error registering service "": Unexpected response code: 400 \(.+\)\n$/);
    const services = await api<Record<string, { Service: string; Tags: string[]; Port: number }>>('/v1/agent/services');
    expect(Object.keys(services).sort()).toEqual(['api-1', 'cache', 'db-1', 'web']);
    expect(services['api-1']).toMatchObject({ Service: 'api', Tags: ['blue'], Port: 9000 });
    const [byFile, byId] = await Promise.all([conclave(['services', 'deregister', file]), conclave(['services', 'deregister', '-id', 'api-1'])]);
    expect(byFile.stdout).toBe('Deregistered service: db-1\nDeregistered service: cache\n');
    expect(byId.stdout).toBe('Deregistered service: api-1\n');
    expect(Object.keys(await api<Record<string, unknown>>('/v1/agent/services'))).toEqual(['web']);
  });

  it('lists datacenters and nodes', async () => {
    const [node] = await api<Array<{ ID: string; Node: string; Address: string }>>('/v1/catalog/nodes');
    const [dcs, plain, detailedOut, byService, none] = await Promise.all([
      conclave(['catalog', 'datacenters']),
      conclave(['catalog', 'nodes']),
      conclave(['catalog', 'nodes', '-detailed']),
      conclave(['catalog', 'nodes', '-service', 'web']),
      conclave(['catalog', 'nodes', '-service', 'no-such-service']),
    ]);
    expect(dcs).toEqual({ code: 0, stdout: 'dc1\n', stderr: '' });
    expect(table(plain.stdout)).toEqual([
      ['Node', 'ID', 'Address', 'DC'],
      ['cli-node', node!.ID.split('-')[0], node!.Address, 'dc1'],
    ]);
    const detailed = table(detailedOut.stdout);
    expect(detailed[0]).toEqual(['Node', 'ID', 'Address', 'DC', 'TaggedAddresses', 'Meta']);
    expect(detailed[1]!.slice(0, 4)).toEqual(['cli-node', node!.ID, node!.Address, 'dc1']);
    expect(table(byService.stdout)[1]![0]).toBe('cli-node');
    expect(none).toEqual({ code: 0, stdout: '', stderr: 'No nodes match the given query - try expanding your search.\n' });
  });
});

describe('agent operations', () => {
  it('maint enables, lists and disables node and service maintenance', async () => {
    const [nodeOn, serviceOn] = await Promise.all([conclave(['maint', '-enable', '-reason', 'kernel upgrade']), conclave(['maint', '-enable', '-service', 'web'])]);
    expect(nodeOn).toEqual({ code: 0, stdout: 'Node maintenance is now enabled\n', stderr: '' });
    expect(serviceOn.stdout).toBe('Service maintenance is now enabled for "web"\n');
    const listing = (await conclave(['maint'])).stdout;
    expect(listing).toContain('Node:\n  Name:   cli-node\n  Reason: kernel upgrade\n\n');
    expect(listing).toMatch(/Service:\n {2}ID: {5}web\n {2}Reason: .+\n\n/);
    const [nodeOff, serviceOff, conflict] = await Promise.all([
      conclave(['maint', '-disable']),
      conclave(['maint', '-disable', '-service', 'web']),
      conclave(['maint', '-enable', '-disable']),
    ]);
    expect(nodeOff.stdout).toBe('Node maintenance is now disabled\n');
    expect(serviceOff.stdout).toBe('Service maintenance is now disabled for "web"\n');
    expect(conflict.stderr).toBe('Only one of -enable or -disable may be provided\n');
    expect(await conclave(['maint'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('reload and info', async () => {
    const [reload, info] = await Promise.all([conclave(['reload']), conclave(['info'])]);
    expect(reload).toEqual({ code: 0, stdout: 'Configuration reload triggered\n', stderr: '' });
    expect(info.code).toBe(0);
    const self = await api<{ Stats: Record<string, Record<string, unknown>> }>('/v1/agent/self');
    const sections = info.stdout.split('\n').filter((l) => /^\S.*:$/.test(l));
    expect(sections).toEqual(Object.keys(self.Stats).sort().map((s) => `${s}:`));
    // A -dev agent is a server with gossip: Consul's sections but serf_wan (no WAN federation).
    expect(sections).toEqual(['agent:', 'build:', 'consul:', 'raft:', 'runtime:', 'serf_lan:']);
    expect(info.stdout).toMatch(/^\t\S+ = .*$/m);
    expect(info.stdout).toContain('\tacl = disabled\n');
    expect(info.stdout).toMatch(/^\tcpu_count = [1-9]\d*$/m);
    expect(info.stdout).toMatch(/serf_lan:\n\tencrypted = false\n\tevent_time = \d+\n\tfailed = 0\n\thealth_score = \d+\n\tleft = 0\n\tmembers = 1\n/);
  });

  it('answers /v1/agent/version and /v1/agent/host as Consul does', async () => {
    expect(await api('/v1/agent/version')).toEqual({ SHA: 'conclave', BuildDate: '1970-01-01T00:00:01Z', HumanVersion: '0.1.0', FIPS: '' });
    const before = Date.now() * 1e6;
    const host = await api<Record<string, any>>('/v1/agent/host');
    expect(Object.keys(host)).toEqual(['Memory', 'CPU', 'Host', 'Disk', 'CollectionTime', 'Errors']);
    expect(host.Errors).toBeNull();
    expect(host.CollectionTime).toBeGreaterThanOrEqual(before - 1e9);
    // What node:os says about this machine, as gopsutil names it.
    const os = await import('node:os');
    expect(host.Host).toMatchObject({ hostname: os.hostname(), os: process.platform, kernelVersion: os.release(), kernelArch: os.machine() });
    expect(host.Host.uptime).toBeGreaterThan(0);
    expect(host.Memory.total).toBe(os.totalmem());
    expect(host.Memory.used).toBeGreaterThan(0);
    expect(host.Memory.used).toBeLessThan(host.Memory.total);
    expect(host.CPU).toHaveLength(os.cpus().length);
    expect(host.CPU[0]).toMatchObject({ cpu: 0, cores: 1 });
    expect(host.CPU[0].modelName).toBe(os.cpus()[0]!.model.trim());
    const disk = (await import('node:fs')).statfsSync('/');
    expect(host.Disk).toMatchObject({ path: '/', total: disk.blocks * disk.bsize, inodesTotal: disk.files });
    expect(Object.keys(host.Disk)).toEqual(['path', 'fstype', 'total', 'free', 'used', 'usedPercent', 'inodesTotal', 'inodesUsed', 'inodesFree', 'inodesUsedPercent']);
  });

  it('join and force-leave report the agent\'s refusal as Consul does', async () => {
    const [join, forceLeave] = await Promise.all([conclave(['join', '127.0.0.1:9']), conclave(['force-leave', 'no-such-node'])]);
    expect(join.code).toBe(1);
    expect(join.stderr).toMatch(/^Error joining address '127\.0\.0\.1:9': Unexpected response code: 5\d\d \(.+\)\nFailed to join any nodes\.\n$/);
    expect(forceLeave.code).toBe(1);
    expect(forceLeave.stderr).toMatch(/^Error force leaving: Unexpected response code: \d{3} \(.+\)\n$/);
  });

  it('version, keygen and usage errors need no agent', async () => {
    const none = { env: { CONSUL_HTTP_ADDR: '127.0.0.1:1' } };
    const [version, keygen, unknown, noSub, forceLeave, join] = await Promise.all([
      conclave(['version'], none),
      conclave(['keygen'], none),
      conclave(['members', '-nope'], none),
      conclave(['kv'], none),
      conclave(['force-leave'], none),
      conclave(['join'], none),
    ]);
    expect(version.code).toBe(0);
    expect(version.stdout).toBe(
      'Conclave v0.1.0\nProtocol 2 spoken by default, understands 2 to 3 (agent will automatically use protocol >2 when speaking to compatible agents)\n',
    );
    const key = keygen.stdout.trim();
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(Buffer.from(key, 'base64').toString('base64')).toBe(key);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.split('\n')[0]).toBe('flag provided but not defined: -nope');
    expect(noSub.code).toBe(1);
    expect(noSub.stderr).toContain('Subcommands:');
    expect(forceLeave.code).toBe(1);
    expect(forceLeave.stderr.split('\n')[0]).toBe('A single node name must be specified to force leave.');
    expect(join.code).toBe(1);
    expect(join.stderr.split('\n')[0]).toBe('At least one address to join must be specified.');
  });
});
