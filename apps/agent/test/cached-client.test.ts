// ?cached on a client agent, where the agent cache matters: the client answers repeated reads from memory, kept
// current by its own blocking query to the server; when the server goes away the entry ages (Age counts from the
// lost contact), `Cache-Control: max-age` then asks for a fresh answer (an error without a server) unless
// `stale-if-error` allows the old one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@conclave/test-support/wait-for';
import { allocate, startClusterAgent, stopAgent, type ClusterAgent } from './support/cluster.js';

let server: ClusterAgent;
let client: ClusterAgent;
let root = '';

beforeAll(async () => {
  const s = await allocate('cache-server', true);
  root = join(s.dataDir, '..');
  const c = await allocate('cache-client', false, root);
  server = await startClusterAgent(s, ['-bootstrap']);
  client = await startClusterAgent(c, ['-retry-join', `127.0.0.1:${s.ports.serf}`, '-retry-interval', '1s']);
  await waitFor('the client served through the server', async () => {
    const r = await fetch(`http://${client.httpAddr}/v1/catalog/nodes`);
    const nodes = r.ok ? ((await r.json()) as Array<{ Node: string }>) : [];
    return nodes.length === 2 ? true : undefined;
  }, { timeoutMs: 30000, intervalMs: 200 });
}, 60000);

afterAll(async () => {
  await Promise.all([stopAgent(client, 'SIGKILL'), stopAgent(server, 'SIGKILL')]);
  if (root) rmSync(root, { recursive: true, force: true });
});

const get = async (path: string, headers: Record<string, string> = {}) => {
  const r = await fetch(`http://${client.httpAddr}${path}`, { headers });
  return { status: r.status, cache: r.headers.get('x-cache'), age: r.headers.get('age'), text: await r.text() };
};

describe('?near=_agent on a client agent', () => {
  it('is the client\'s own node, resolved before the request goes to the server (Consul\'s parseSource)', async () => {
    const names = async (agent: ClusterAgent) =>
      ((await (await fetch(`http://${agent.httpAddr}/v1/catalog/nodes?near=_agent`)).json()) as Array<{ Node: string }>).map((n) => n.Node);
    expect(await names(server)).toEqual(['cache-server', 'cache-client']);
    expect(await names(client)).toEqual(['cache-client', 'cache-server']);
  });
});

describe('?cached on a client agent', () => {
  it('fills from the server, answers hits, follows changes, and ages once the server is gone', async () => {
    const first = await get('/v1/catalog/services?cached');
    expect([first.status, first.cache]).toEqual([200, 'MISS']);
    expect(await get('/v1/catalog/services?cached')).toMatchObject({ status: 200, cache: 'HIT', age: '0', text: first.text });
    // A registration through the server reaches the client's cache by its background refresh.
    const reg = await fetch(`http://${server.httpAddr}/v1/catalog/register`, {
      method: 'PUT',
      body: JSON.stringify({ Node: 'ext', Address: '10.1.1.1', Service: { Service: 'cached-svc', Port: 1 } }),
    });
    expect(reg.status).toBe(200);
    await waitFor('the refreshed entry', async () => {
      const r = await get('/v1/catalog/services?cached');
      return r.cache === 'HIT' && r.text.includes('cached-svc') ? true : undefined;
    }, { timeoutMs: 10000, intervalMs: 100 });
    await stopAgent(server, 'SIGKILL');
    // The refresh notices (its long poll breaks), then Age counts whole seconds from then.
    const aged = await waitFor('an aging entry', async () => {
      const r = await get('/v1/catalog/services?cached');
      return r.cache === 'HIT' && Number(r.age) >= 2 ? r : undefined;
    }, { timeoutMs: 20000, intervalMs: 250 });
    expect(aged.text).toContain('cached-svc');
    const strict = await get('/v1/catalog/services?cached', { 'Cache-Control': 'max-age=1' });
    expect(strict.status).toBe(500);
    const lenient = await get('/v1/catalog/services?cached', { 'Cache-Control': 'max-age=1, stale-if-error=600' });
    expect([lenient.status, lenient.cache]).toEqual([200, 'HIT']);
    expect(lenient.text).toContain('cached-svc');
  }, 60000);
});
