import http from 'node:http';
import { stubLog } from './harness.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoServersError, StateMachine } from '@conclave/state';
import { createHttpApi } from '../src/index.js';
import { recordingAgent, startHarness } from './harness.js';
import type { Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

async function call(method: string, path: string, body?: string) {
  const r = await fetch(`${h.base}${path}`, { method, body });
  return { status: r.status, type: r.headers.get('content-type'), allow: r.headers.get('allow'), text: await r.text(), headers: r.headers };
}

describe('error answers in Consul words, as plain text', () => {
  it('400 for bad query parameters', async () => {
    expect(await call('GET', '/v1/kv/')).toMatchObject({ status: 400, text: 'Missing key name', type: 'text/plain; charset=utf-8' });
    expect(await call('PUT', '/v1/kv/', 'x')).toMatchObject({ status: 400, text: 'Missing key name' });
    expect(await call('DELETE', '/v1/kv/')).toMatchObject({ status: 400, text: 'Missing key name' });
    expect(await call('GET', '/v1/kv/a?stale&consistent')).toMatchObject({
      status: 400,
      text: 'Cannot specify ?stale with ?consistent, conflicting semantics.',
    });
    expect(await call('GET', '/v1/kv/a?index=abc')).toMatchObject({ status: 400, text: 'Invalid index' });
    expect(await call('GET', '/v1/kv/a?index=1&wait=soon')).toMatchObject({ status: 400, text: 'Invalid wait time' });
    expect(await call('PUT', '/v1/kv/a?cas=1&acquire=x', 'v')).toMatchObject({ status: 400, text: 'Conflicting flags: acquire=x&cas=1\n' });
  });

  it('400 for malformed JSON, wrong types and missing names', async () => {
    const bad = await call('PUT', '/v1/catalog/register', '{"Node": ');
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/^Request decode failed: /);
    const wrong = await call('PUT', '/v1/catalog/register', '{"Node": 5, "Address": "1.2.3.4"}');
    expect(wrong).toMatchObject({ status: 400, text: 'Request decode failed: Node: expected a string, got a number' });
    expect(await call('PUT', '/v1/catalog/register', '{"Node": "n"}')).toMatchObject({ status: 500, text: 'Must provide node and address' });
    expect(await call('PUT', '/v1/catalog/deregister', '{}')).toMatchObject({ status: 500, text: 'Must provide node' });
    expect(await call('GET', '/v1/health/node/')).toMatchObject({ status: 400, text: 'Missing node name' });
    expect(await call('GET', '/v1/health/service/')).toMatchObject({ status: 400, text: 'Missing service name' });
    expect(await call('PUT', '/v1/agent/service/register', '')).toMatchObject({ status: 400, text: 'Request decode failed: EOF' });
  });

  it('500 No path to datacenter for another ?dc', async () => {
    expect(await call('GET', '/v1/catalog/nodes?dc=dc2')).toMatchObject({ status: 500, text: 'No path to datacenter' });
    expect(await call('PUT', '/v1/kv/x?dc=dc9', 'v')).toMatchObject({ status: 500, text: 'No path to datacenter' });
    expect((await call('GET', '/v1/catalog/nodes?dc=dc1')).status).toBe(200);
  });

  it('404 for unknown paths, 405 with Allow for wrong methods, 200 + Allow for OPTIONS', async () => {
    expect((await call('GET', '/v1/nope')).status).toBe(404);
    expect((await call('GET', '/v2/kv/a')).status).toBe(404);
    expect((await call('GET', '/v1/catalog/bogus')).status).toBe(404);
    expect((await call('GET', '/v1/agent/bogus')).status).toBe(404);
    expect(await call('POST', '/v1/kv/a', 'x')).toMatchObject({ status: 405, allow: 'GET,PUT,DELETE', text: 'method POST not allowed' });
    expect(await call('GET', '/v1/catalog/register')).toMatchObject({ status: 405, allow: 'PUT' });
    expect(await call('PUT', '/v1/catalog/nodes')).toMatchObject({ status: 405, allow: 'GET' });
    expect(await call('OPTIONS', '/v1/catalog/nodes')).toMatchObject({ status: 200, allow: 'GET' });
  });

  it('accepts tokens, ?pretty and ?stale/?consistent with the effective consistency', async () => {
    const r = await fetch(`${h.base}/v1/catalog/services?token=abc&pretty`, { headers: { 'X-Consul-Token': 'def' } });
    expect(await r.text()).toBe('{\n    "consul": []\n}\n');
    const stale = await call('GET', '/v1/catalog/nodes?stale');
    expect(stale.headers.get('x-consul-effective-consistency')).toBe('stale');
    const before = h.barriers;
    const consistent = await call('GET', '/v1/catalog/nodes?consistent');
    expect(consistent.headers.get('x-consul-effective-consistency')).toBe('consistent');
    expect(h.barriers).toBe(before + 1);
  });

  it('never sends X-Consul-Index 0', async () => {
    const fresh = await startHarness();
    try {
      const r = await fetch(`${fresh.base}/v1/kv/nothing`);
      expect(r.headers.get('x-consul-index')).toBe('1');
    } finally {
      await fresh.close();
    }
  });

  it('survives garbage and keeps serving', async () => {
    expect((await call('GET', '/v1/kv/%E0%A4%A')).status).toBe(400);
    await new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: h.port, method: 'PUT', path: '/v1/catalog/register' }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.end('[1,2,3]');
    });
    expect((await call('PUT', '/v1/catalog/register', 'null')).status).toBe(500);
    expect((await call('GET', '/v1/status/leader')).text).toBe('"127.0.0.1:8300"');
  });

  it('keeps connections alive', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ports = new Set<number>();
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve) => {
        http.get({ host: '127.0.0.1', port: h.port, path: '/v1/status/leader', agent }, (res) => {
          ports.add(res.socket.localPort!);
          res.resume();
          res.on('end', () => resolve());
        });
      });
    }
    expect(ports.size).toBe(1);
    agent.destroy();
    expect((h.api.server as http.Server).requestTimeout).toBe(0);
  });

  it('limits open connections per client IP with 429', async () => {
    const state = new StateMachine();
    const api = createHttpApi(
      {
        state,
        log: stubLog(),
        leadership: () => ({ knownLeader: true, lastContactMs: 0, leaderAddress: '' }),
        peers: () => [],
        agent: recordingAgent([]),
        datacenter: 'dc1',
        nodeName: 'n',
      },
      { maxConnsPerClient: 2 },
    );
    const { port } = await api.listen(0, '127.0.0.1');
    // Two blocking queries hold two connections; a third connection is refused.
    const ctl = new AbortController();
    const agents = [0, 1, 2].map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    const request = (agent: http.Agent, path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path, agent, signal: ctl.signal }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
      });
    const held = [request(agents[0]!, '/v1/kv/x?index=1&wait=1m'), request(agents[1]!, '/v1/kv/y?index=1&wait=1m')];
    held.forEach((p) => p.catch(() => undefined));
    for (let i = 0; i < 200 && state.watches.size < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(state.watches.size).toBe(2);
    const third = await request(agents[2]!, '/v1/status/leader');
    expect(third.status).toBe(429);
    expect(third.body).toMatch(/too many concurrent connections/);
    // A reload raises the limit: the held connections are counted, the next one fits.
    api.setMaxConnsPerClient(3);
    const open = () => new Promise<number>((resolve, reject) => api.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    for (let i = 0; i < 200 && (await open()) > 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await open()).toBe(2);
    const fourth = new http.Agent({ keepAlive: false });
    agents.push(fourth);
    expect((await request(fourth, '/v1/status/leader')).status).toBe(200);
    api.setMaxConnsPerClient(2);
    expect((await request(fourth, '/v1/status/leader')).status).toBe(429);
    ctl.abort();
    agents.forEach((a) => a.destroy());
    await api.close();
  });

  it('hands non-agent requests to a forwarder when it asks for them, and survives one that throws', async () => {
    const seen: string[] = [];
    let explode = false;
    const api = createHttpApi({
      state: new StateMachine(),
      log: stubLog(),
      leadership: () => ({ knownLeader: true, lastContactMs: 0, leaderAddress: '' }),
      peers: () => [],
      agent: recordingAgent([]),
      datacenter: 'dc1',
      nodeName: 'n',
      forwarder: {
        shouldForward: (path, query, method) => {
          if (explode) throw new Error('no server reachable');
          seen.push(`${method} ${path} ${query}`);
          return !query.includes('stale');
        },
        forward: async (r) => {
          if (r.url.includes('fail')) throw new NoServersError();
          return { status: 200, headers: { 'Content-Type': 'application/json' }, body: Buffer.from('"forwarded"') };
        },
      },
    });
    const { port } = await api.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${base}/v1/kv/a%2Fb?recurse`)).text()).toBe('"forwarded"');
    expect((await fetch(`${base}/v1/kv/a?stale`)).status).toBe(404);
    expect((await fetch(`${base}/v1/agent/self`)).status).toBe(200);
    expect(seen).toEqual(['GET /v1/kv/a/b recurse', 'GET /v1/kv/a stale']);
    const failed = await fetch(`${base}/v1/kv/fail`);
    expect([failed.status, await failed.text()]).toEqual([500, 'No known Consul servers']);
    explode = true;
    const r = await fetch(`${base}/v1/catalog/nodes`);
    expect([r.status, await r.text()]).toEqual([500, 'no server reachable']);
    await api.close();
  });
});
