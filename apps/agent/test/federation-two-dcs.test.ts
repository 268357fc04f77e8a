// Two datacenters of three servers and one client each, as processes on 127.0.0.1, gossip encrypted: only one
// server of dc2 is told to join the WAN (-retry-join-wan), its datacenter's other servers are flood-joined, so the
// WAN pool has all six. Checked: Stats.serf_wan; a ?dc=dc2 write from dc1's client lands in dc2 only; the keyring
// across both datacenters (`conclave keyring` lists the WAN pool and each datacenter's LAN; install, use and
// remove reach all of them; -local-only lists this LAN alone); coordinates of every node of a datacenter arrive
// through the servers' batches; a dc2 server killed and restarted without any -join-wan rejoins the WAN pool from
// the peers its data dir remembers.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { runCli } from './support/agent-process.js';
import { allocate, startClusterAgent, stopAgent, type ClusterAgent } from './support/cluster.js';

const root = mkdtempSync(join(tmpdir(), 'conclave-two-dcs-'));
const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
type Spec = Awaited<ReturnType<typeof allocate>>;
const names = ['a1', 'a2', 'a3', 'ac', 'b1', 'b2', 'b3', 'bc'] as const;
type Name = (typeof names)[number];
const specs = {} as Record<Name, Spec>;
const agents = {} as Record<Name, ClusterAgent>;

const dcOf = (n: Name) => (n.startsWith('a') ? 'dc1' : 'dc2');
const json = async <T>(a: ClusterAgent, path: string, init: RequestInit = {}): Promise<T> => (await (await fetch(`http://${a.httpAddr}${path}`, init)).json()) as T;
const keyring = (a: ClusterAgent, ...args: string[]) => runCli(['keyring', '-http-addr', a.httpAddr, ...args]);

function argsFor(n: Name, wanJoin: boolean): string[] {
  const dc = dcOf(n);
  const seed = specs[dc === 'dc1' ? 'a1' : 'b1'];
  return [
    '-datacenter', dc, '-encrypt', k1, '-retry-join', `127.0.0.1:${seed.ports.serf}`, '-retry-interval', '1s',
    '-hcl', 'sync_coordinate_interval_min = "1s"',
    // The WAN pool on LAN-like timings (gossip_wan, as an operator may set it): the restart test below waits for a
    // failure to be detected, which the WAN profile's 5 s probes and ×6 suspicion stretch to minutes.
    ...(specs[n].server
      ? ['-bootstrap-expect', '3', '-hcl', 'consul { coordinate { update_period = "500ms" } }', '-hcl', 'gossip_wan {\n probe_interval = "1s"\n probe_timeout = "500ms"\n suspicion_mult = 3\n}']
      : []),
    ...(wanJoin ? ['-retry-join-wan', `127.0.0.1:${specs.a1.ports.serfWan}`, '-retry-interval-wan', '1s'] : []),
  ];
}

beforeAll(async () => {
  for (const n of names) specs[n] = await allocate(n, !n.endsWith('c'), root);
  const started = await Promise.all(names.map((n) => startClusterAgent(specs[n], argsFor(n, n === 'b1'))));
  names.forEach((n, i) => (agents[n] = started[i]!));
  // Seen from every server: the keyring list below may be answered by any of dc1's, counting the WAN members that
  // server knows, and each datacenter's LAN list by whichever of its servers takes the forwarded request.
  const alive = async (a: ClusterAgent, path: string) => (await json<Array<{ Status: number }>>(a, path)).filter((m) => m.Status === 1).length;
  await waitFor('six servers in the WAN pool and four members in each LAN, seen from each server', async () => {
    for (const a of [agents.a1, agents.a2, agents.a3, agents.b1, agents.b2, agents.b3]) {
      if ((await alive(a, '/v1/agent/members?wan=1')) !== 6 || (await alive(a, '/v1/agent/members')) !== 4) return false;
    }
    return true;
  }, { timeoutMs: 60_000, intervalMs: 250 });
  await waitFor('both clients answer through a leader', async () => {
    for (const c of [agents.ac, agents.bc]) if ((await fetch(`http://${c.httpAddr}/v1/kv/x?consistent`)).status !== 404) return false;
    return true;
  }, { timeoutMs: 60_000, intervalMs: 250 });
}, 150_000);

afterAll(async () => {
  await Promise.all(Object.values(agents).map((a) => stopAgent(a, 'SIGKILL')));
  rmSync(root, { recursive: true, force: true });
});

describe('two datacenters of 3 servers + 1 client', () => {
  it('shows the WAN pool in Stats.serf_wan, and writes ?dc=dc2 into dc2 only', async () => {
    type Self = { Stats: Record<string, Record<string, string>> };
    expect((await json<Self>(agents.b2, '/v1/agent/self')).Stats.serf_wan).toMatchObject({ members: '6', failed: '0', encrypted: 'true' });
    expect((await json<Self>(agents.bc, '/v1/agent/self')).Stats.serf_wan).toBeUndefined();
    expect(await json(agents.ac, '/v1/kv/fed/key?dc=dc2', { method: 'PUT', body: 'v' })).toBe(true);
    expect(await (await fetch(`http://${agents.bc.httpAddr}/v1/kv/fed/key?raw`)).text()).toBe('v');
    expect((await fetch(`http://${agents.a2.httpAddr}/v1/kv/fed/key`)).status).toBe(404);
  });

  it('collects every node’s coordinate through the servers’ batches', async () => {
    for (const [c, nodes] of [[agents.ac, ['a1', 'a2', 'a3', 'ac']], [agents.bc, ['b1', 'b2', 'b3', 'bc']]] as const) {
      await waitFor(`coordinates of ${nodes.join(', ')}`, async () => {
        const list = await json<Array<{ Node: string }>>(c, '/v1/coordinate/nodes');
        return list.map((e) => e.Node).join(',') === nodes.join(',');
      }, { timeoutMs: 30_000, intervalMs: 250 });
    }
  });

  it('rotates the gossip key in the WAN pool and both datacenters’ LANs', async () => {
    const list = async (a: ClusterAgent, ...extra: string[]) => {
      const r = await keyring(a, '-list', ...extra);
      expect(r.code).toBe(0);
      return r.stdout;
    };
    const first = await list(agents.ac);
    expect(first).toBe(`==> Gathering installed encryption keys...\n\nWAN:\n  ${k1} [6/6]\n\ndc1 (LAN):\n  ${k1} [4/4]\n\ndc2 (LAN):\n  ${k1} [4/4]\n`);
    expect(await list(agents.b1, '-local-only')).toBe(`==> Gathering installed encryption keys...\n\ndc2 (LAN):\n  ${k1} [4/4]\n`);
    const localWrite = await fetch(`http://${agents.a1.httpAddr}/v1/operator/keyring?local-only=true`, { method: 'POST', body: JSON.stringify({ Key: k2 }) });
    expect([localWrite.status, await localWrite.text()]).toEqual([400, 'Invalid use of local-only: local-only can only be set for list requests']);

    expect((await keyring(agents.bc, '-install', k2)).code).toBe(0);
    const both = [k1, k2].sort();
    expect(await list(agents.a3)).toBe(
      `==> Gathering installed encryption keys...\n\nWAN:\n${both.map((k) => `  ${k} [6/6]\n`).join('')}\ndc1 (LAN):\n${both.map((k) => `  ${k} [4/4]\n`).join('')}\ndc2 (LAN):\n${both.map((k) => `  ${k} [4/4]\n`).join('')}`,
    );
    expect((await keyring(agents.ac, '-use', k2)).code).toBe(0);
    expect((await keyring(agents.b3, '-remove', k1)).code).toBe(0);
    expect(await list(agents.ac)).toBe(`==> Gathering installed encryption keys...\n\nWAN:\n  ${k2} [6/6]\n\ndc1 (LAN):\n  ${k2} [4/4]\n\ndc2 (LAN):\n  ${k2} [4/4]\n`);
    // Still federated on the new key.
    expect(await (await fetch(`http://${agents.ac.httpAddr}/v1/kv/fed/key?dc=dc2&raw`)).text()).toBe('v');
  });

  it('brings a restarted dc2 server back into the WAN pool from its data dir, with no -join-wan', async () => {
    await stopAgent(agents.b2, 'SIGKILL');
    // The bound of the gossip_wan timings above, not a guess: a suspicion of one of 6 members lasts from
    // 3 × log10(6) × 1 s = 2.3 s (every other member confirmed it) up to Lifeguard's 6 × that = 14 s (no
    // confirmation yet), after the first failed probe, which comes within a few 1 s probe rounds (up to 8 s each
    // while a loaded machine raises a prober's awareness). With the WAN profile's own timings this took up to
    // 140 s (CI, 7 Dec).
    await waitFor('b2 failed in the WAN pool', async () => {
      const wan = await json<Array<{ Name: string; Status: number }>>(agents.a1, '/v1/agent/members?wan=1');
      return wan.some((m) => m.Name === 'b2.dc2' && m.Status !== 1);
    }, { timeoutMs: 90_000, intervalMs: 250 });
    // No -retry-join at all either: the LAN comes back from its own data dir too. The keyring is the rotated one.
    const noJoin = argsFor('b2', false).filter((_, i, a) => a[i] !== '-retry-join' && a[i - 1] !== '-retry-join');
    agents.b2 = await startClusterAgent(specs.b2, noJoin);
    await waitFor('b2 alive in the WAN pool again', async () => {
      const wan = await json<Array<{ Name: string; Status: number }>>(agents.a1, '/v1/agent/members?wan=1');
      return wan.some((m) => m.Name === 'b2.dc2' && m.Status === 1);
    }, { timeoutMs: 60_000, intervalMs: 250 });
    // Its own WAN join, from the peers it remembered (its datacenter's servers would also flood-join it).
    expect(agents.b2.output()).toMatch(/\(WAN\) joined: number_of_nodes=[1-9]/);
  }, 180_000);
});
