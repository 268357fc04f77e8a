// The article's cluster on one machine: 3 servers (-bootstrap-expect 3) and 4 clients as processes, joined by
// gossip; every agent answers DNS and KV; the leader is killed and restarted, a client is killed and restarted,
// and all servers are restarted without losing an acknowledged write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dig, runCli } from './support/agent-process.js';
import { allocate, startClusterAgent, stopAgent, type ClusterAgent } from './support/cluster.js';

const agents = new Map<string, ClusterAgent>();
const specs = new Map<string, Awaited<ReturnType<typeof allocate>>>();
let seed = '';

async function get<T>(agent: ClusterAgent, path: string): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`http://${agent.httpAddr}${path}`);
  const text = await res.text();
  return { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T, headers: res.headers };
}

async function put(agent: ClusterAgent, path: string, body: string): Promise<string> {
  const res = await fetch(`http://${agent.httpAddr}${path}`, { method: 'PUT', body });
  return res.text();
}

async function start(name: string): Promise<ClusterAgent> {
  const spec = specs.get(name)!;
  const extra = spec.server ? ['-bootstrap-expect', '3'] : [];
  if (name.startsWith('web')) extra.push('-config-dir', join(spec.dataDir, '..', `${name}-conf`));
  const agent = await startClusterAgent(spec, [...extra, '-retry-join', seed, '-retry-interval', '1s']);
  agents.set(name, agent);
  return agent;
}

const leaderOf = async (a: ClusterAgent) => (await get<string>(a, '/v1/status/leader')).body;

beforeAll(async () => {
  const names: Array<[string, boolean]> = [
    ['lb-1', true],
    ['lb-2', true],
    ['web-1', true],
    ['web-2', false],
    ['web-3', false],
    ['db-1', false],
    ['db-2', false],
  ];
  let root: string | undefined;
  for (const [name, server] of names) {
    const spec = await allocate(name, server, root);
    root ??= join(spec.dataDir, '..');
    specs.set(name, spec);
  }
  seed = `127.0.0.1:${specs.get('lb-1')!.ports.serf}`;
  // web-2 and web-3 register the web service from a config file, as the article's agents do.
  for (const [i, name] of ['web-2', 'web-3'].entries()) {
    const dir = join(root!, `${name}-conf`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'web.json'), JSON.stringify({ service: { name: 'web', port: 80, address: `192.168.33.${22 + i}` } }));
  }
  mkdirSync(join(root!, 'web-1-conf'), { recursive: true });
  await Promise.all(names.map(([n]) => start(n)));
  await waitFor('a leader', async () => (await leaderOf(agents.get('lb-1')!)) !== '', { timeoutMs: 30000, intervalMs: 100 });
}, 90000);

afterAll(async () => {
  await Promise.all([...agents.values()].map((a) => stopAgent(a, 'SIGKILL')));
});

describe('a seven-node cluster', () => {
  it('shows every member in the members table', async () => {
    await waitFor('seven alive members', async () => {
      const r = await runCli(['members', '-http-addr', agents.get('db-2')!.httpAddr]);
      return r.stdout.trim().split('\n').length === 8 && !/failed|left/.test(r.stdout) ? r : undefined;
    }, { timeoutMs: 20000, intervalMs: 100 });
    const r = await runCli(['members', '-http-addr', agents.get('db-2')!.httpAddr]);
    const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/));
    expect(rows.map((x) => [x[0], x[2], x[3]])).toEqual([
      ['lb-1', 'alive', 'server'],
      ['lb-2', 'alive', 'server'],
      ['web-1', 'alive', 'server'],
      ['db-1', 'alive', 'client'],
      ['db-2', 'alive', 'client'],
      ['web-2', 'alive', 'client'],
      ['web-3', 'alive', 'client'],
    ]);
    await waitFor('three peers', async () => (await get<string[]>(agents.get('lb-2')!, '/v1/status/peers')).body.length === 3, { timeoutMs: 20000, intervalMs: 100 });
    // operator raft list-peers through a client: three voters, one leader.
    const peers = await runCli(['operator', 'raft', 'list-peers', '-http-addr', agents.get('web-2')!.httpAddr]);
    expect(peers.code).toBe(0);
    const lines = peers.stdout.trim().split('\n');
    expect(lines[0]!.split(/\s+/)).toEqual(['Node', 'ID', 'Address', 'State', 'Voter', 'RaftProtocol']);
    const peerRows = lines.slice(1).map((l) => l.split(/\s+/));
    expect(peerRows.map((r) => r[0]).sort()).toEqual(['lb-1', 'lb-2', 'web-1']);
    expect(peerRows.filter((r) => r[3] === 'leader')).toHaveLength(1);
    expect(peerRows.every((r) => r[4] === 'true' && r[5] === '3')).toBe(true);
  });

  it("answers a client's config-file service through DNS on every agent", async () => {
    for (const a of agents.values()) {
      await waitFor(`web on ${a.name}`, async () => (await dig(a.ports.dns, 'web.service.consul')).answer.length === 2, { timeoutMs: 20000, intervalMs: 100 });
      const res = await dig(a.ports.dns, 'web.service.consul');
      expect(res.answer.map((x) => x[4]).sort()).toEqual(['192.168.33.22', '192.168.33.23']);
    }
  });

  it('reads a KV write made through one client from every agent with ?consistent', async () => {
    expect(await put(agents.get('db-1')!, '/v1/kv/app/config', 'v1')).toBe('true');
    for (const a of agents.values()) {
      const r = await get<string>(a, '/v1/kv/app/config?consistent&raw');
      expect([a.name, r.status, r.body]).toEqual([a.name, 200, 'v1']);
    }
  });

  it('answers KV writes on every server, followers through their Raft log to the leader (CAS decided there)', async () => {
    const leaderAddr = await leaderOf(agents.get('lb-1')!);
    const servers = [...agents.values()].filter((a) => a.server);
    expect(servers.filter((a) => leaderAddr !== `127.0.0.1:${a.ports.server}`).length).toBeGreaterThanOrEqual(2);
    for (const s of servers) expect([s.name, await put(s, `/v1/kv/direct/${s.name}`, s.name)]).toEqual([s.name, 'true']);
    // A CAS at index 0 succeeds once, whichever server takes it: the leader's state machine decides.
    const results = [];
    for (const s of servers) results.push(await put(s, '/v1/kv/direct/once?cas=0', s.name));
    expect(results.sort()).toEqual(['false', 'false', 'true']);
    const keys = (await get<string[]>(agents.get('lb-1')!, '/v1/kv/direct/?keys&consistent')).body;
    expect(keys.sort()).toEqual(['direct/once', ...servers.map((s) => `direct/${s.name}`)].sort());
  });

  it('survives kill -9 of the leader: new leader, writes resume, nothing acknowledged lost, the node rejoins', async () => {
    const client = agents.get('db-2')!;
    const acked: string[] = [];
    for (let i = 0; i < 20; i++) {
      if ((await put(client, `/v1/kv/acked/${i}`, String(i))) === 'true') acked.push(String(i));
    }
    const leaderAddr = await leaderOf(client);
    const leader = [...agents.values()].find((a) => leaderAddr === `127.0.0.1:${a.ports.server}`)!;
    expect(leader.server).toBe(true);
    await stopAgent(leader, 'SIGKILL');
    const survivor = [...agents.values()].find((a) => a.server && a !== leader)!;
    await waitFor('a new leader', async () => {
      const l = await leaderOf(survivor);
      return l !== '' && l !== leaderAddr;
    }, { timeoutMs: 20000, intervalMs: 100 });
    await waitFor('writes to resume', async () => (await put(client, '/v1/kv/after-failover', 'yes')) === 'true', { timeoutMs: 20000, intervalMs: 100 });
    const keys = (await get<string[]>(client, '/v1/kv/acked/?keys&consistent')).body;
    expect(keys.map((k) => k.slice('acked/'.length)).sort()).toEqual([...acked].sort());
    // The killed server's serfHealth goes critical once gossip notices.
    await waitFor('serfHealth critical for the killed leader', async () => {
      const checks = (await get<Array<{ CheckID: string; Status: string }>>(client, `/v1/health/node/${leader.name}`)).body;
      return checks.some((c) => c.CheckID === 'serfHealth' && c.Status === 'critical');
    }, { timeoutMs: 30000, intervalMs: 100 });
    // ...and its services (a server's built-in `consul` service) leave DNS.
    // (SRV, since every node here shares 127.0.0.1 and A answers are de-duplicated by address.)
    const targets = (await dig(client.ports.dns, 'consul.service.consul', 'SRV')).answer.map((x) => x[7]);
    expect(targets).toHaveLength(2);
    expect(targets).not.toContain(`${leader.name}.node.dc1.consul.`);
    const back = await start(leader.name);
    await waitFor('restarted server caught up', async () => (await get<string>(back, '/v1/kv/after-failover?stale&raw')).body === 'yes', { timeoutMs: 30000, intervalMs: 100 });
  });

  it("drops a killed client's services from health?passing and DNS, and brings them back on restart", async () => {
    const web3 = agents.get('web-3')!;
    const observer = agents.get('db-1')!;
    await stopAgent(web3, 'SIGKILL');
    await waitFor('web-3 gone from health?passing', async () => {
      const r = await get<Array<{ Node: { Node: string } }>>(observer, '/v1/health/service/web?passing');
      return r.body.length === 1 && r.body[0]!.Node.Node === 'web-2';
    }, { timeoutMs: 30000, intervalMs: 100 });
    expect((await dig(observer.ports.dns, 'web.service.consul')).answer.map((x) => x[4])).toEqual(['192.168.33.22']);
    await start('web-3');
    await waitFor('web-3 back in DNS', async () => (await dig(observer.ports.dns, 'web.service.consul')).answer.length === 2, { timeoutMs: 30000, intervalMs: 100 });
  });

  it('keeps every acknowledged KV and catalog write across a restart of all servers', async () => {
    const servers = [...agents.values()].filter((a) => a.server);
    await Promise.all(servers.map((s) => stopAgent(s, 'SIGTERM')));
    await Promise.all(servers.map((s) => start(s.name)));
    const client = agents.get('db-1')!;
    await waitFor('a leader after restart', async () => (await leaderOf(client).catch(() => '')) !== '', { timeoutMs: 30000, intervalMs: 100 });
    await waitFor('KV after restart', async () => (await get<string>(client, '/v1/kv/app/config?consistent&raw')).body === 'v1', { timeoutMs: 20000, intervalMs: 100 });
    expect((await get<string>(client, '/v1/kv/after-failover?raw')).body).toBe('yes');
    const web = (await get<Array<{ Node: string }>>(client, '/v1/catalog/service/web')).body;
    expect(web.map((w) => w.Node).sort()).toEqual(['web-2', 'web-3']);
  });
});
