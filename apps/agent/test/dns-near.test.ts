// Prepared queries answered over DNS keep the order the query's execution gives them, and `Near: "_agent"` means
// the agent that answers the DNS question, as in Consul (its DNS server passes itself as the query's Agent): on a
// client agent its own node, not the server's that executes the query. One server and one client on 127.0.0.1,
// coordinates written with PUT /v1/coordinate/update (both agents keep theirs to themselves: disable_coordinates),
// real `dig` against each agent's DNS port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dig } from './support/agent-process.js';
import { allocate, startClusterAgent, stopAgent, type ClusterAgent } from './support/cluster.js';

const root = mkdtempSync(join(tmpdir(), 'conclave-dns-near-'));
let s1: ClusterAgent;
let c1: ClusterAgent;

async function call(agent: ClusterAgent, path: string, init: RequestInit = {}) {
  const res = await fetch(`http://${agent.httpAddr}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** One dimension is enough: s1 at 0, ext 9 ms from it, c1 10 ms from it (so ext is 1 ms from c1). */
const coord = (ms: number) => ({ Vec: [ms / 1000, 0, 0, 0, 0, 0, 0, 0], Error: 0.2, Adjustment: 0, Height: 1e-5 });
/** Each instance has an address of its own, so that the A answers tell them apart (all agents bind 127.0.0.1). */
const ADDRESS = { s1: '10.1.0.1', c1: '10.1.0.2', ext: '10.1.0.9' } as const;

beforeAll(async () => {
  const noCoordinates = ['-hcl', 'disable_coordinates = true'];
  const s = await allocate('s1', true, root);
  const c = await allocate('c1', false, root);
  s1 = await startClusterAgent(s, ['-bootstrap-expect', '1', ...noCoordinates]);
  await waitFor('s1 leads', async () => (await call(s1, '/v1/status/leader')) !== '', { timeoutMs: 20_000, intervalMs: 100 });
  c1 = await startClusterAgent(c, ['-retry-join', `127.0.0.1:${s.ports.serf}`, '-retry-interval', '1s', ...noCoordinates]);
  await call(s1, '/v1/agent/service/register', { method: 'PUT', body: JSON.stringify({ Name: 'db', Address: ADDRESS.s1, Port: 5432 }) });
  await waitFor('c1 joined', async () => (await call(s1, '/v1/catalog/nodes')).some((n: { Node: string }) => n.Node === 'c1'), { timeoutMs: 20_000, intervalMs: 100 });
  await call(c1, '/v1/agent/service/register', { method: 'PUT', body: JSON.stringify({ Name: 'db', Address: ADDRESS.c1, Port: 5432 }) });
  await call(s1, '/v1/catalog/register', {
    method: 'PUT',
    body: JSON.stringify({ Node: 'ext', Address: '10.1.0.9', Service: { Service: 'db', Address: ADDRESS.ext, Port: 5432 } }),
  });
  await waitFor('three db instances', async () => (await call(s1, '/v1/catalog/service/db')).length === 3, { timeoutMs: 20_000, intervalMs: 100 });
  for (const [node, ms] of [['s1', 0], ['ext', 9], ['c1', 10]] as const) {
    await call(s1, '/v1/coordinate/update', { method: 'PUT', body: JSON.stringify({ Node: node, Coord: coord(ms) }) });
  }
  await waitFor('coordinates stored', async () => (await call(s1, '/v1/coordinate/nodes')).length === 3, { timeoutMs: 20_000, intervalMs: 100 });
  await call(s1, '/v1/query', { method: 'POST', body: JSON.stringify({ Name: 'db-near', Service: { Service: 'db', Near: '_agent' } }) });
});

afterAll(async () => {
  await Promise.all([c1, s1].filter(Boolean).map((a) => stopAgent(a)));
  rmSync(root, { recursive: true, force: true });
});

describe('DNS and prepared queries near the answering agent', () => {
  it('answers db-near.query.consul nearest first from the agent asked: the server from its node, the client from its own', async () => {
    const order = async (agent: ClusterAgent, type = 'A') => (await dig(agent.ports.dns, 'db-near.query.consul', type)).answer.map((r) => r[4]);
    for (let i = 0; i < 5; i++) {
      // Repeated: an order that held by chance (a shuffle) would not hold five times for both agents.
      expect(await order(s1)).toEqual([ADDRESS.s1, ADDRESS.ext, ADDRESS.c1]);
      expect(await order(c1)).toEqual([ADDRESS.c1, ADDRESS.ext, ADDRESS.s1]);
    }
  });

  it('executes the query over HTTP on the client with the client as _agent too', async () => {
    const nodes = async (agent: ClusterAgent) => (await call(agent, '/v1/query/db-near/execute')).Nodes.map((n: { Node: { Node: string } }) => n.Node.Node);
    expect(await nodes(c1)).toEqual(['c1', 'ext', 's1']);
    expect(await nodes(s1)).toEqual(['s1', 'ext', 'c1']);
  });

  it('keeps shuffling plain service lookups, as Consul does', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 30 && seen.size < 2; i++) seen.add((await dig(c1.ports.dns, 'db.service.consul', 'A')).answer.map((r) => r[4]).join(','));
    expect(seen.size).toBeGreaterThan(1);
  });
});
