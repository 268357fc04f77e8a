// Sessions, locks, transactions and user events in cluster mode: one server (-bootstrap-expect 1) and one
// client, as processes. The client forwards session and KV writes to the server; the leader's TTL timer ends
// an unrenewed session; user events fired at the client travel by gossip to the server and back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { allocate, startClusterAgent, stopAgent, type ClusterAgent } from './support/cluster.js';

let server: ClusterAgent;
let client: ClusterAgent;

const http = (a: ClusterAgent, path: string, init?: RequestInit) => fetch(`http://${a.httpAddr}${path}`, init);
const json = async <T>(a: ClusterAgent, path: string, init?: RequestInit) => (await (await http(a, path, init)).json()) as T;

beforeAll(async () => {
  const s = await allocate('srv-1', true);
  const c = await allocate('cli-1', false);
  server = await startClusterAgent(s, ['-bootstrap-expect', '1']);
  client = await startClusterAgent(c, ['-retry-join', `127.0.0.1:${s.ports.serf}`, '-retry-interval', '1s']);
  // The client is registered in the catalog (sessions need their node) and can reach the leader.
  await waitFor(
    'client registered',
    async () => {
      const r = await http(server, '/v1/catalog/node/cli-1');
      return r.ok && (await r.json()) !== null;
    },
    { timeoutMs: 40_000, intervalMs: 100 },
  );
}, 90_000);
afterAll(async () => {
  if (client) await stopAgent(client, 'SIGKILL');
  if (server) await stopAgent(server, 'SIGKILL');
});

describe('sessions and locks through a client agent', () => {
  it('creates a session for the client node, acquires, and the server sees the holder', async () => {
    const { ID } = await json<{ ID: string }>(client, '/v1/session/create', { method: 'PUT', body: '{"Name":"svc","LockDelay":"1ms"}' });
    const [s] = await json<Array<{ Node: string; NodeChecks: string[] }>>(server, `/v1/session/info/${ID}`);
    expect(s).toMatchObject({ Node: 'cli-1', NodeChecks: ['serfHealth'] });
    expect(await (await http(client, `/v1/kv/svc/leader?acquire=${ID}`, { method: 'PUT', body: 'cli-1' })).text()).toBe('true');
    const [e] = await json<Array<{ Session: string; LockIndex: number }>>(server, '/v1/kv/svc/leader');
    expect(e).toMatchObject({ Session: ID, LockIndex: 1 });
    const txn = await http(client, '/v1/txn', {
      method: 'PUT',
      body: JSON.stringify([{ KV: { Verb: 'check-session', Key: 'svc/leader', Session: ID } }, { KV: { Verb: 'set', Key: 'svc/epoch', Value: 'MQ==' } }]),
    });
    expect(txn.status).toBe(200);
    expect((await json<unknown[]>(server, '/v1/session/node/cli-1')).length).toBe(1);
    expect(await (await http(client, `/v1/session/destroy/${ID}`, { method: 'PUT' })).text()).toBe('true');
  });

  it("the leader's timer ends an unrenewed TTL session", { timeout: 60_000 }, async () => {
    const { ID } = await json<{ ID: string }>(client, '/v1/session/create', { method: 'PUT', body: '{"TTL":"10s"}' });
    const renewed = await http(client, `/v1/session/renew/${ID}`, { method: 'PUT' });
    expect(renewed.status).toBe(200);
    await waitFor('TTL expiry', async () => (await json<unknown[]>(server, `/v1/session/info/${ID}`)).length === 0, { timeoutMs: 45_000, intervalMs: 100 });
    expect((await http(client, `/v1/session/renew/${ID}`, { method: 'PUT' })).status).toBe(404);
  });
});

describe('user events by gossip', () => {
  it('an event fired at the client reaches every agent, with the same ID and a Lamport time', async () => {
    const fired = await json<{ ID: string; LTime: number }>(client, '/v1/event/fire/deploy?node=.', { method: 'PUT', body: 'v2' });
    for (const a of [server, client]) {
      const list = await waitFor(`event on ${a.name}`, async () => {
        const l = await json<Array<{ ID: string; Payload: string; LTime: number }>>(a, '/v1/event/list?name=deploy');
        return l.length > 0 ? l : undefined;
      }, { timeoutMs: 15_000, intervalMs: 100 });
      expect(list.map((e) => [e.ID, e.Payload])).toEqual([[fired.ID, Buffer.from('v2').toString('base64')]]);
      expect(list[0]!.LTime).toBeGreaterThan(0);
    }
    // A node filter: only the server keeps it.
    const only = await json<{ ID: string }>(client, '/v1/event/fire/only-srv?node=^srv-', { method: 'PUT' });
    await waitFor('filtered event on the server', async () => (await json<Array<{ ID: string }>>(server, '/v1/event/list?name=only-srv')).some((e) => e.ID === only.ID), { timeoutMs: 15_000, intervalMs: 100 });
    expect(await json<unknown[]>(client, '/v1/event/list?name=only-srv')).toEqual([]);
  });
});

describe('node health ends sessions', () => {
  it("a client that leaves loses its sessions (serfHealth), and its lock is released", { timeout: 60_000 }, async () => {
    const { ID } = await json<{ ID: string }>(client, '/v1/session/create', { method: 'PUT', body: '{"LockDelay":"1ms"}' });
    expect(await (await http(client, `/v1/kv/svc/owner?acquire=${ID}`, { method: 'PUT', body: 'cli-1' })).text()).toBe('true');
    await stopAgent(client, 'SIGTERM');
    await waitFor('session invalidated', async () => (await json<unknown[]>(server, `/v1/session/info/${ID}`)).length === 0, { timeoutMs: 45_000, intervalMs: 100 });
    const [e] = await json<Array<Record<string, unknown>>>(server, '/v1/kv/svc/owner');
    expect(e).not.toHaveProperty('Session');
  });
});
