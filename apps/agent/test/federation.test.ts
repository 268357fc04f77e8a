// Two datacenters federated over the WAN, as processes on 127.0.0.1: dc1 and dc2 each run one server and one
// client (one server per datacenter keeps the test small for CI; each server still runs Raft, its LAN and the
// WAN pool). dc2's server joins dc1's over the WAN. A service of dc2 is found from dc1's client by HTTP
// (?dc=dc2), DNS (dig) and conclave-template; a ?dc=dc2 KV write lands in dc2 only; a prepared query of dc2
// fails over to dc1 when every dc2 instance is critical (HTTP and DNS); dc2's server killed answers
// `No path to datacenter` at once, and the federation heals when it is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CONCLAVE_BIN, dig, runCli } from './support/agent-process.js';
import { allocate, startClusterAgent, stopAgent, type ClusterAgent } from './support/cluster.js';

const TEMPLATE_BIN = fileURLToPath(new URL('../../template/bin/conclave-template.js', import.meta.url));
const execFileP = promisify(execFile);

const root = mkdtempSync(join(tmpdir(), 'conclave-federation-'));
type Spec = Awaited<ReturnType<typeof allocate>>;
const specs: Record<'s1' | 'c1' | 's2' | 'c2', Spec> = {} as never;
const agents: Partial<Record<keyof typeof specs, ClusterAgent>> = {};

async function http(agent: ClusterAgent, path: string, init: RequestInit = {}): Promise<{ status: number; text: string; json<T>(): T; index: string }> {
  const res = await fetch(`http://${agent.httpAddr}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  return { status: res.status, text, json: <T>() => JSON.parse(text) as T, index: res.headers.get('x-consul-index') ?? '' };
}

function wanAddr(s: Spec): string {
  return `127.0.0.1:${s.ports.serfWan}`;
}

async function startServer(name: 's1' | 's2'): Promise<ClusterAgent> {
  const dc = name === 's1' ? 'dc1' : 'dc2';
  const wan = name === 's2' ? ['-retry-join-wan', wanAddr(specs.s1), '-retry-interval-wan', '1s'] : [];
  const agent = await startClusterAgent(specs[name], ['-datacenter', dc, '-bootstrap-expect', '1', ...FAST_COORDINATES, ...wan]);
  agents[name] = agent;
  await waitFor(`${name} leads`, async () => (await http(agent, '/v1/status/leader')).json<string>() !== '', { timeoutMs: 20_000, intervalMs: 100 });
  return agent;
}

async function startClient(name: 'c1' | 'c2'): Promise<ClusterAgent> {
  const server = name === 'c1' ? specs.s1 : specs.s2;
  const agent = await startClusterAgent(specs[name], ['-datacenter', name === 'c1' ? 'dc1' : 'dc2', ...FAST_COORDINATES, '-retry-join', `127.0.0.1:${server.ports.serf}`, '-retry-interval', '1s']);
  agents[name] = agent;
  return agent;
}

/** Agents send their coordinate every second (Consul's default is every 15 s or more). */
const FAST_COORDINATES = ['-hcl', 'sync_coordinate_interval_min = "1s"'];

const nodesOf = (r: { Nodes: Array<{ Node: { Node: string } }> }) => r.Nodes.map((n) => n.Node.Node).sort();

beforeAll(async () => {
  for (const name of ['s1', 'c1', 's2', 'c2'] as const) specs[name] = await allocate(name, name.startsWith('s'), root);
  await startServer('s1');
  await startServer('s2');
  await Promise.all([startClient('c1'), startClient('c2')]);
  // Both clients see their server, and the WAN pool has both servers.
  await waitFor('the WAN pool has both servers', async () => (await http(agents.s1!, '/v1/agent/members?wan=1')).json<unknown[]>().length === 2, {
    timeoutMs: 20_000,
    intervalMs: 100,
  });
  for (const c of ['c1', 'c2'] as const) {
    await waitFor(`${c} registered`, async () => (await http(agents[c]!, `/v1/catalog/node/${c}`)).status === 200 && (await http(agents[c]!, `/v1/catalog/node/${c}`)).text !== 'null', {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(Object.values(agents).map((a) => stopAgent(a!, 'SIGKILL')));
  rmSync(root, { recursive: true, force: true });
});

describe('WAN federation', () => {
  it('lists the WAN members as node.dc on servers, and every datacenter from any agent', async () => {
    const wan = (await http(agents.s2!, '/v1/agent/members?wan=1')).json<Array<{ Name: string; Tags: Record<string, string>; Status: number }>>();
    expect(wan.map((m) => m.Name).sort()).toEqual(['s1.dc1', 's2.dc2']);
    expect(wan.every((m) => m.Status === 1 && m.Tags.role === 'consul')).toBe(true);
    const cli = await runCli(['members', '-wan', `-http-addr=${agents.s1!.httpAddr}`]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^s1\.dc1\s+127\.0\.0\.1:\d+\s+alive\s+server/m);
    expect(cli.stdout).toMatch(/^s2\.dc2\s+127\.0\.0\.1:\d+\s+alive\s+server/m);
    // A client agent is not in the WAN pool.
    expect((await http(agents.c1!, '/v1/agent/members?wan=1')).json()).toEqual([]);
    // Stats.serf_wan on servers (Serf's keys for the WAN pool), not on clients.
    type Self = { Stats: Record<string, Record<string, string>> };
    expect((await http(agents.s1!, '/v1/agent/self')).json<Self>().Stats.serf_wan).toMatchObject({ members: '2', failed: '0', left: '0' });
    expect((await http(agents.c1!, '/v1/agent/self')).json<Self>().Stats.serf_wan).toBeUndefined();
    // The local datacenter first.
    expect((await http(agents.c1!, '/v1/catalog/datacenters')).json()).toEqual(['dc1', 'dc2']);
    expect((await http(agents.c2!, '/v1/catalog/datacenters')).json()).toEqual(['dc2', 'dc1']);
    // Joining the WAN through a client is refused with a reason.
    const join = await http(agents.c1!, `/v1/agent/join/${wanAddr(specs.s2)}?wan=1`, { method: 'PUT' });
    expect(join.status).toBe(500);
    expect(join.text).toMatch(/only servers join the WAN pool/);
    const forceLeave = await http(agents.s1!, '/v1/agent/force-leave/nobody.dc2?wan=1', { method: 'PUT' });
    expect([forceLeave.status, forceLeave.text]).toEqual([500, "agent: No node found with name 'nobody.dc2'"]);
  });

  it('finds a service of dc2 from dc1 by HTTP, the CLI, DNS and a template', async () => {
    const reg = await http(agents.c2!, '/v1/agent/service/register', { method: 'PUT', body: JSON.stringify({ Name: 'web', Port: 8080, Tags: ['v1'] }) });
    expect(reg.status).toBe(200);
    const found = await waitFor('web in dc2, seen from dc1', async () => {
      const r = await http(agents.c1!, '/v1/health/service/web?dc=dc2');
      const list = r.json<Array<{ Node: { Node: string; Datacenter: string }; Service: { Port: number } }>>();
      return list.length === 1 ? list : undefined;
    });
    expect(found[0]!.Node).toMatchObject({ Node: 'c2', Datacenter: 'dc2' });
    expect(found[0]!.Service.Port).toBe(8080);
    // dc1 itself has no web.
    expect((await http(agents.c1!, '/v1/health/service/web')).json()).toEqual([]);

    const cli = await runCli(['catalog', 'services', '-datacenter', 'dc2', `-http-addr=${agents.c1!.httpAddr}`]);
    expect(cli.stdout.split('\n')).toContain('web');

    const a = await dig(specs.c1.ports.dns, 'web.service.dc2.consul', 'A');
    expect(a.status).toBe('NOERROR');
    expect(a.answer.map((r) => r[4])).toEqual(['127.0.0.1']);
    const srv = await dig(specs.c1.ports.dns, '_web._tcp.service.dc2.consul', 'SRV');
    expect(srv.answer.map((r) => r.slice(4).join(' '))).toEqual(['1 1 8080 c2.node.dc2.consul.']);
    const node = await dig(specs.s1.ports.dns, 'c2.node.dc2.consul', 'A');
    expect(node.answer.map((r) => r[4])).toEqual(['127.0.0.1']);
    expect((await dig(specs.c1.ports.dns, 'web.service.nowhere.consul', 'A')).status).toBe('NXDOMAIN');

    await http(agents.c2!, '/v1/kv/app/colour', { method: 'PUT', body: 'blue' });
    const dir = mkdtempSync(join(root, 'tmpl-'));
    writeFileSync(join(dir, 'in.ctmpl'), '{{range service "web@dc2"}}{{.Node}}:{{.Port}} {{end}}|{{key "app/colour@dc2"}}|{{range datacenters}}{{.}} {{end}}|{{range nodes "@dc2"}}{{.Node}} {{end}}');
    await execFileP(process.execPath, [TEMPLATE_BIN, '-once', '-consul-addr', agents.c1!.httpAddr, '-template', `${join(dir, 'in.ctmpl')}:${join(dir, 'out')}`], { timeout: 30_000 });
    expect(readFileSync(join(dir, 'out'), 'utf8')).toBe('c2:8080 |blue|dc1 dc2 |c2 s2 ');

    // conclave watch -datacenter dc2 through dc1's client: the key's JSON (no handler given).
    const watcher = spawn(process.execPath, [CONCLAVE_BIN, 'watch', '-type', 'key', '-key', 'app/colour', '-datacenter', 'dc2', `-http-addr=${agents.c1!.httpAddr}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let watched = '';
    watcher.stdout.on('data', (d: Buffer) => (watched += d.toString()));
    watcher.stderr.on('data', (d: Buffer) => (watched += d.toString()));
    try {
      await waitFor('the watch to print dc2’s value', () => watched.includes(Buffer.from('blue').toString('base64')));
    } finally {
      watcher.kill('SIGTERM');
    }
  });

  it('writes KV with ?dc=dc2 into dc2 only, and blocks on dc2 data from dc1', async () => {
    const put = await http(agents.c1!, '/v1/kv/only-in/dc2?dc=dc2', { method: 'PUT', body: 'x' });
    expect(put.text).toBe('true');
    expect((await http(agents.c2!, '/v1/kv/only-in/dc2?raw')).text).toBe('x');
    expect((await http(agents.s1!, '/v1/kv/only-in/dc2')).status).toBe(404);

    const first = await http(agents.c1!, '/v1/kv/only-in/dc2?dc=dc2');
    const started = Date.now();
    const blocked = http(agents.c1!, `/v1/kv/only-in/dc2?dc=dc2&index=${first.index}&wait=20s`);
    await new Promise((r) => setTimeout(r, 300));
    await http(agents.s2!, '/v1/kv/only-in/dc2', { method: 'PUT', body: 'y' });
    const woke = await blocked;
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(Number(woke.index)).toBeGreaterThan(Number(first.index));
    expect(Buffer.from(woke.json<Array<{ Value: string }>>()[0]!.Value, 'base64').toString()).toBe('y');
  });

  it('saves and restores dc2’s snapshot from dc1’s client agent, streamed through both servers', async () => {
    expect((await http(agents.s2!, '/v1/kv/snap/marker', { method: 'PUT', body: 'kept' })).text).toBe('true');
    const saved = await fetch(`http://${agents.c1!.httpAddr}/v1/snapshot?dc=dc2`);
    expect(saved.status).toBe(200);
    const archive = Buffer.from(await saved.arrayBuffer());
    expect(archive.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect((await http(agents.s2!, '/v1/kv/snap/marker', { method: 'DELETE' })).text).toBe('true');
    const restored = await fetch(`http://${agents.c1!.httpAddr}/v1/snapshot?dc=dc2`, { method: 'PUT', body: archive });
    expect([restored.status, await restored.text()]).toEqual([200, '']);
    expect((await http(agents.c2!, '/v1/kv/snap/marker?raw')).text).toBe('kept');
    // dc1 was not touched.
    expect((await http(agents.s1!, '/v1/kv/snap/marker')).status).toBe(404);
  });

  it('answers a datacenter nobody knows with Consul’s error', async () => {
    for (const agent of [agents.c1!, agents.s1!]) {
      const r = await http(agent, '/v1/catalog/nodes?dc=nowhere');
      expect([r.status, r.text]).toEqual([500, 'No path to datacenter']);
    }
  });
});

describe('prepared queries across datacenters', () => {
  it('fails over to dc1 when every dc2 instance is critical, by HTTP and DNS', async () => {
    for (const c of ['c1', 'c2'] as const) {
      const r = await http(agents[c]!, '/v1/agent/service/register', {
        method: 'PUT',
        body: JSON.stringify({ Name: 'db', Port: c === 'c1' ? 5432 : 5433, Check: { CheckID: 'db-ttl', TTL: '5m', Status: 'passing' } }),
      });
      expect(r.status).toBe(200);
    }
    // The query lives in dc2 (created from dc1 with ?dc=dc2) and names dc1 as its failover.
    const created = await http(agents.c1!, '/v1/query?dc=dc2', {
      method: 'POST',
      body: JSON.stringify({ Name: 'db', Service: { Service: 'db', Failover: { Datacenters: ['dc1'] } }, DNS: { TTL: '7s' } }),
    });
    expect(created.status).toBe(200);
    const id = created.json<{ ID: string }>().ID;
    expect((await http(agents.c1!, `/v1/query/${id}`)).status).toBe(404);
    expect((await http(agents.c2!, `/v1/query/${id}`)).json<Array<{ Name: string }>>()[0]!.Name).toBe('db');

    type Exec = { Service: string; Datacenter: string; Failovers: number; Nodes: Array<{ Node: { Node: string } }>; DNS: { TTL: string } };
    const local = await waitFor('db in dc2', async () => {
      const r = (await http(agents.c2!, '/v1/query/db/execute')).json<Exec>();
      return r.Nodes.length === 1 ? r : undefined;
    });
    expect([local.Datacenter, local.Failovers, nodesOf(local)]).toEqual(['dc2', 0, ['c2']]);

    await http(agents.c2!, '/v1/agent/check/fail/db-ttl', { method: 'PUT' });
    const failed = await waitFor('the query fails over to dc1', async () => {
      const r = (await http(agents.c2!, '/v1/query/db/execute')).json<Exec>();
      return r.Datacenter === 'dc1' ? r : undefined;
    });
    expect([failed.Service, failed.Failovers, nodesOf(failed), failed.DNS.TTL]).toEqual(['db', 1, ['c1'], '7s']);
    // By ID, from dc1 through ?dc=dc2, the same answer.
    const byId = (await http(agents.c1!, `/v1/query/${id}/execute?dc=dc2`)).json<Exec>();
    expect([byId.Datacenter, byId.Failovers]).toEqual(['dc1', 1]);

    const srv = await dig(specs.c2.ports.dns, 'db.query.consul', 'SRV');
    expect(srv.answer.map((r) => [r[1], ...r.slice(4)].join(' '))).toEqual(['7 1 1 5432 c1.node.dc1.consul.']);
    const rfc = await dig(specs.s2.ports.dns, '_db._tcp.query.consul', 'SRV');
    expect(rfc.answer.map((r) => r.slice(4).join(' '))).toEqual(['1 1 5432 c1.node.dc1.consul.']);

    await http(agents.c2!, '/v1/agent/check/pass/db-ttl', { method: 'PUT' });
    await waitFor('dc2 answers again', async () => (await http(agents.c2!, '/v1/query/db/execute')).json<Exec>().Datacenter === 'dc2');
    expect((await dig(specs.c2.ports.dns, 'db.query.consul', 'SRV')).answer.map((r) => r[7])).toEqual(['c2.node.dc2.consul.']);
  });

  it('renders templates for the name asked, and explains them', async () => {
    const created = await http(agents.s1!, '/v1/query', {
      method: 'POST',
      body: JSON.stringify({ Name: 'geo-', Template: { Type: 'name_prefix_match', Regexp: '^geo-(.+)-(dc[0-9])$' }, Service: { Service: '${match(1)}', Failover: { Datacenters: ['${match(2)}'] } } }),
    });
    expect(created.status).toBe(200);
    const explained = (await http(agents.c1!, '/v1/query/geo-web-dc2/explain')).json<{ Query: { Service: { Service: string; Failover: { Datacenters: string[] } } } }>();
    expect(explained.Query.Service).toMatchObject({ Service: 'web', Failover: { Datacenters: ['dc2'] } });
    // No web in dc1: the template's failover finds dc2's.
    const r = (await http(agents.c1!, '/v1/query/geo-web-dc2/execute')).json<{ Datacenter: string; Failovers: number; Nodes: Array<{ Node: { Node: string } }> }>();
    expect([r.Datacenter, r.Failovers, nodesOf(r)]).toEqual(['dc2', 1, ['c2']]);
    const dns = await dig(specs.c1.ports.dns, 'geo-web-dc2.query.consul', 'A');
    expect(dns.answer.map((x) => x[4])).toEqual(['127.0.0.1']);
  });

  it('refuses bad definitions with Consul’s words, and skips its own datacenter in failover', async () => {
    const post = (body: unknown) => http(agents.c1!, '/v1/query', { method: 'POST', body: JSON.stringify(body) });
    const cases: Array<[unknown, string]> = [
      [{ Name: 'bad', Template: { Type: 'name_prefix_match' }, Service: { Service: '${name.full' } }, "Bad format '${name.full' in Service.Service: expected \"}\" but found end of string"],
      [{ Name: 'bad', Template: { Type: 'name_prefix_match', Regexp: '([a-z]' }, Service: { Service: 'x' } }, 'Bad Regexp: error parsing regexp: missing closing ): `([a-z]`'],
      [{ Name: 'bad', Template: { Type: 'prefix' }, Service: { Service: 'x' } }, "Bad Template.Type 'prefix'"],
      [{ Name: 'bad', Service: {} }, 'Must provide a Service name to query'],
      [{ Name: 'bad', Service: { Service: 'x', Failover: { NearestN: -2 } } }, "Bad NearestN '-2', must be >= 0"],
    ];
    for (const [body, text] of cases) expect(await post(body).then((r) => [r.status, r.text])).toEqual([400, text]);
    // A query naming its own datacenter as failover: Consul skips it (no loop, no error).
    const own = await post({ Name: 'self', Service: { Service: 'nothing-here', Failover: { Datacenters: ['dc1'] } } });
    expect(own.status).toBe(200);
    const r = (await http(agents.c1!, '/v1/query/self/execute')).json<{ Failovers: number; Nodes: unknown[]; Datacenter: string }>();
    expect(r).toMatchObject({ Failovers: 0, Nodes: [], Datacenter: 'dc1' });
    expect((await http(agents.c1!, '/v1/query/none-such/execute')).status).toBe(404);
  });
});

describe('network coordinates', () => {
  it('collects LAN coordinates from the agents and WAN coordinates of every datacenter, and estimates RTTs', async () => {
    type Entry = { Node: string; Coord: { Vec: number[]; Error: number } };
    const lan = await waitFor('c1 and s1 coordinates', async () => {
      const list = (await http(agents.c1!, '/v1/coordinate/nodes')).json<Entry[]>();
      return list.length === 2 ? list : undefined;
    }, { timeoutMs: 20_000, intervalMs: 250 });
    expect(lan.map((e) => e.Node)).toEqual(['c1', 's1']);
    expect(lan.every((e) => e.Coord.Vec.length === 8)).toBe(true);
    const rtt = await runCli(['rtt', `-http-addr=${agents.c1!.httpAddr}`, 's1']);
    expect(rtt.stdout).toMatch(/^Estimated s1 <-> c1 rtt: \d+\.\d{3} ms \(using LAN coordinates\)\n$/);
    expect((await http(agents.c1!, '/v1/catalog/nodes?near=_agent')).json<Array<{ Node: string }>>()[0]!.Node).toBe('c1');
    expect((await http(agents.c1!, '/v1/catalog/nodes?near=s1')).json<Array<{ Node: string }>>()[0]!.Node).toBe('s1');

    // WAN probes run every 5 s (memberlist's WAN timing): the first coordinates arrive after one.
    type Dc = { Datacenter: string; AreaID: string; Coordinates: Entry[] };
    const wan = await waitFor('WAN coordinates of both datacenters', async () => {
      const dcs = (await http(agents.s1!, '/v1/coordinate/datacenters')).json<Dc[]>();
      return dcs.length === 2 && dcs.every((d) => d.Coordinates.length === 1) ? dcs : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    expect(wan.map((d) => [d.Datacenter, d.AreaID, d.Coordinates[0]!.Node])).toEqual([['dc1', 'wan', 's1.dc1'], ['dc2', 'wan', 's2.dc2']]);
    const wanRtt = await runCli(['rtt', '-wan', `-http-addr=${agents.s1!.httpAddr}`, 's2.dc2']);
    expect(wanRtt.stdout).toMatch(/^Estimated s2\.dc2 <-> s1\.dc1 rtt: \d+\.\d{3} ms \(using WAN coordinates\)\n$/);
    const missing = await runCli(['rtt', `-http-addr=${agents.c1!.httpAddr}`, 'nobody']);
    expect([missing.code, missing.stderr]).toEqual([1, 'Could not find a coordinate for node "nobody"\n']);
  });
});

describe('losing and regaining a datacenter', () => {
  it('answers No path to datacenter within seconds while dc2 is down, and heals when it is back', async () => {
    await stopAgent(agents.s2!, 'SIGKILL');
    const started = Date.now();
    const r = await http(agents.c1!, '/v1/catalog/nodes?dc=dc2');
    expect([r.status, r.text]).toEqual([500, 'No path to datacenter']);
    expect(Date.now() - started).toBeLessThan(5_000);
    // dc1 keeps serving.
    expect((await http(agents.c1!, '/v1/catalog/nodes')).status).toBe(200);
    expect((await dig(specs.c1.ports.dns, 'web.service.dc2.consul', 'A')).status).toBe('SERVFAIL');

    await startServer('s2');
    const healed = await waitFor(
      'dc2 reachable again',
      async () => {
        const x = await http(agents.c1!, '/v1/kv/only-in/dc2?dc=dc2&raw');
        return x.status === 200 ? x.text : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(healed).toBe('y');
  });
});
