// Issue 21's endpoints that used to answer 404, on a dev agent over plain HTTP (the npm `consul` client has no
// call for them; it is used for the registrations): a node's services as a list, gateway services, health
// connect/ingress for services without sidecars, the agent health endpoints in every form with Consul's codes,
// /v1/agent/service/:id with its content hash and hash-based blocking, and Connect's "must be enabled" answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Consul from 'consul';
import { waitFor } from '@conclave/test-support/wait-for';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startDevAgent, type AgentProcess } from './support/agent-process.js';

let agent: AgentProcess;
let consul: Consul;
const NODE = 'complete-1';

beforeAll(async () => {
  agent = await startDevAgent(['-node', NODE]);
  consul = new Consul({ host: '127.0.0.1', port: agent.httpPort });
  await consul.agent.service.register({ name: 'web', id: 'web-1', tags: ['v1'], port: 8080, check: { ttl: '30s' } } as never);
  await consul.agent.service.register({ name: 'web', id: 'web-2', port: 8081, check: { ttl: '30s' } } as never);
  await consul.agent.service.register({ name: 'db', id: 'db-1', port: 5432 } as never);
  await consul.agent.check.pass('service:web-1');
  await waitFor('the services in the catalog', async () => {
    const web = (await consul.catalog.service.nodes('web')) as unknown[];
    const db = (await consul.catalog.service.nodes('db')) as unknown[];
    return web.length === 2 && db.length === 1 ? true : undefined;
  }, { timeoutMs: 15000, intervalMs: 100 });
}, 60000);

afterAll(async () => {
  consul?.destroy();
  const code = await agent?.stop('SIGTERM');
  expect(code).toBe(0);
});

async function get(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; text: string; json: () => any }> {
  const res = await fetch(`http://${agent.httpAddr}${path}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

describe('catalog and health endpoints that used to 404', () => {
  it('/v1/catalog/node-services/:node lists the node\'s services, with ?filter, and {Node: null, Services: []} for an unknown node', async () => {
    const r = await get(`/v1/catalog/node-services/${NODE}`);
    expect(r.status).toBe(200);
    expect(Number(r.headers.get('x-consul-index'))).toBeGreaterThan(0);
    const body = r.json();
    expect(body.Node.Node).toBe(NODE);
    expect(Array.isArray(body.Services)).toBe(true);
    expect(body.Services.map((s: { ID: string }) => s.ID).sort()).toEqual(['consul', 'db-1', 'web-1', 'web-2']);
    const web = (await get(`/v1/catalog/node-services/${NODE}?filter=${encodeURIComponent('Service == web and Port == 8081')}`)).json();
    expect(web.Services.map((s: { ID: string }) => s.ID)).toEqual(['web-2']);
    const bad = await get(`/v1/catalog/node-services/${NODE}?filter=${encodeURIComponent('Nope == 1')}`);
    expect(bad.status).toBe(400);
    expect((await get('/v1/catalog/node-services/nobody')).json()).toEqual({ Node: null, Services: [] });
  });

  it('/v1/catalog/gateway-services/:gw is an empty list (no gateways)', async () => {
    const r = await get('/v1/catalog/gateway-services/ingress-gw');
    expect([r.status, r.json()]).toEqual([200, []]);
    expect(r.headers.get('x-consul-index')).not.toBeNull();
  });

  it('/v1/health/connect and /v1/health/ingress answer [] for a service without sidecars, and check ?passing', async () => {
    for (const kind of ['connect', 'ingress']) {
      const r = await get(`/v1/health/${kind}/web`);
      expect([r.status, r.json()]).toEqual([200, []]);
      expect(r.headers.get('x-consul-index')).not.toBeNull();
      expect((await get(`/v1/health/${kind}/web?passing=maybe`)).status).toBe(400);
    }
  });

  it('/v1/health/connect lists a connect-native instance and a sidecar proxy of the service', async () => {
    // The agent's service definitions keep no Connect settings (mesh is out of scope); the catalog keeps them.
    const register = (service: Record<string, unknown>) =>
      fetch(`http://${agent.httpAddr}/v1/catalog/register`, {
        method: 'PUT',
        body: JSON.stringify({ Node: 'ext-1', Address: '10.0.0.9', Service: service }),
      }).then((r) => expect(r.status).toBe(200));
    await register({ Service: 'api', ID: 'api-native', Port: 9000, Connect: { Native: true } });
    await register({ Service: 'pay-proxy', ID: 'pay-proxy-1', Kind: 'connect-proxy', Port: 21000, Proxy: { DestinationServiceName: 'pay' } });
    await register({ Service: 'api', ID: 'api-plain', Port: 9001 });
    await waitFor('the connect-capable instances', async () => {
      const api = (await get('/v1/health/connect/api')).json() as Array<{ Service: { ID: string } }>;
      const pay = (await get('/v1/health/connect/pay')).json() as Array<{ Service: { ID: string } }>;
      return api.length === 1 && pay.length === 1 ? { api, pay } : undefined;
    }, { timeoutMs: 15000, intervalMs: 100 }).then(({ api, pay }) => {
      expect(api[0]!.Service.ID).toBe('api-native');
      expect(pay[0]!.Service.ID).toBe('pay-proxy-1');
    });
    await consul.catalog.deregister({ node: 'ext-1' } as never);
  });
});

describe('agent service and health endpoints', () => {
  it('/v1/agent/service/:id answers api.AgentService with ContentHash and X-Consul-ContentHash', async () => {
    const r = await get('/v1/agent/service/web-1');
    expect(r.status).toBe(200);
    const hash = r.headers.get('x-consul-contenthash');
    expect(hash).toMatch(/^[0-9a-f]+$/);
    expect(r.json()).toEqual({
      ID: 'web-1', Service: 'web', Tags: ['v1'], Meta: {}, Port: 8080, Address: '',
      Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false, ContentHash: hash, Datacenter: 'dc1',
    });
    // Same content, same hash.
    expect((await get('/v1/agent/service/web-1')).headers.get('x-consul-contenthash')).toBe(hash);
    expect((await get('/v1/agent/service/none')).status).toBe(404);
  });

  it('?hash= blocks until the service changes, and answers the same hash when ?wait runs out', async () => {
    const first = await get('/v1/agent/service/web-2');
    const hash = first.headers.get('x-consul-contenthash')!;
    const timedOut = await get(`/v1/agent/service/web-2?hash=${hash}&wait=300ms`);
    expect([timedOut.status, timedOut.headers.get('x-consul-contenthash')]).toEqual([200, hash]);
    const blocked = get(`/v1/agent/service/web-2?hash=${hash}&wait=30s`);
    let settled = false;
    void blocked.then(() => (settled = true));
    // Give the query time to reach its wait, then change the service: the query answers the new content.
    await new Promise((r) => setTimeout(r, 200));
    expect(settled).toBe(false);
    await consul.agent.service.register({ name: 'web', id: 'web-2', port: 8082, check: { ttl: '30s' } } as never);
    const changed = await blocked;
    expect(changed.json().Port).toBe(8082);
    expect(changed.headers.get('x-consul-contenthash')).not.toBe(hash);
  });

  it('/v1/agent/health/service/id/:id: 200 passing, 503 critical, 429 warning, text and JSON, and the not-found forms', async () => {
    const ok = await get('/v1/agent/health/service/id/web-1');
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ AggregatedStatus: 'passing', Service: { ID: 'web-1', Service: 'web' } });
    expect(ok.json().Checks.map((c: { CheckID: string }) => c.CheckID)).toEqual(['service:web-1']);
    expect(ok.headers.get('x-consul-contenthash')).toMatch(/^[0-9a-f]+$/);
    const critical = await get('/v1/agent/health/service/id/web-2?format=text');
    expect([critical.status, critical.text]).toEqual([503, 'critical']);
    await consul.agent.check.warn('service:web-1');
    const warn = await get('/v1/agent/health/service/id/web-1', { headers: { Accept: 'text/plain' } });
    expect([warn.status, warn.text]).toEqual([429, 'warning']);
    await consul.agent.check.pass('service:web-1');
    const none = await get('/v1/agent/health/service/id/nope');
    expect([none.status, none.json()]).toEqual([404, { AggregatedStatus: 'critical', Service: null, Checks: null }]);
    const noneText = await get('/v1/agent/health/service/id/nope?format=text');
    expect([noneText.status, noneText.text]).toEqual([404, 'ServiceId nope not found']);
  });

  it('/v1/agent/health/service/name/:name: the worst instance decides the code; a service with no checks is passing', async () => {
    const web = await get('/v1/agent/health/service/name/web');
    expect(web.status).toBe(503);
    const infos = web.json() as Array<{ AggregatedStatus: string; Service: { ID: string } }>;
    expect(infos.map((i) => [i.Service.ID, i.AggregatedStatus]).sort()).toEqual([['web-1', 'passing'], ['web-2', 'critical']]);
    const db = await get('/v1/agent/health/service/name/db?format=text');
    expect([db.status, db.text]).toEqual([200, 'passing']);
    const none = await get('/v1/agent/health/service/name/nope');
    expect([none.status, none.json()]).toEqual([404, []]);
    const noneText = await get('/v1/agent/health/service/name/nope?format=text');
    expect([noneText.status, noneText.text]).toEqual([404, 'ServiceName nope Not Found']);
  });

  it('?hash= on the agent health endpoint wakes on a check change', async () => {
    const first = await get('/v1/agent/health/service/id/web-2');
    const hash = first.headers.get('x-consul-contenthash')!;
    const blocked = get(`/v1/agent/health/service/id/web-2?hash=${hash}&wait=30s`);
    await new Promise((r) => setTimeout(r, 200));
    await consul.agent.check.pass('service:web-2');
    const changed = await blocked;
    expect(changed.status).toBe(200);
    expect(changed.json().AggregatedStatus).toBe('passing');
  });

  it('/v1/agent/connect/* answers Consul\'s "Connect must be enabled" text', async () => {
    for (const path of ['/v1/agent/connect/ca/roots', '/v1/agent/connect/ca/leaf/web']) {
      const r = await get(path);
      expect([r.status, r.text]).toEqual([500, 'Connect must be enabled in order to use this endpoint']);
    }
    const auth = await get('/v1/agent/connect/authorize', { method: 'POST', body: '{}' });
    expect([auth.status, auth.text]).toEqual([500, 'Connect must be enabled in order to use this endpoint']);
  });
});

describe('?cached and ?near on a dev agent', () => {
  it('?cached: MISS then HIT with Age 0, kept current by the background refresh, and blocking on ?index', async () => {
    const first = await get('/v1/catalog/services?cached');
    expect([first.status, first.headers.get('x-cache'), first.headers.get('age')]).toEqual([200, 'MISS', null]);
    const second = await get('/v1/catalog/services?cached');
    expect([second.status, second.headers.get('x-cache'), second.headers.get('age')]).toEqual([200, 'HIT', '0']);
    expect(second.json()).toEqual(first.json());
    expect(second.headers.get('x-consul-index')).toBe(first.headers.get('x-consul-index'));
    const index = Number(second.headers.get('x-consul-index'));
    const blocked = get(`/v1/catalog/services?cached&index=${index}&wait=30s`);
    await consul.agent.service.register({ name: 'cache-me', id: 'cache-me-1', port: 7000 } as never);
    const woke = await blocked;
    expect(Number(woke.headers.get('x-consul-index'))).toBeGreaterThan(index);
    expect(Object.keys(woke.json())).toContain('cache-me');
    // The entry itself is current now: a plain cached read is a hit with the new service.
    const after = await get('/v1/catalog/services?cached');
    expect(after.headers.get('x-cache')).toBe('HIT');
    expect(Object.keys(after.json())).toContain('cache-me');
    // Each distinct request is its own entry.
    const health = await get('/v1/health/service/web?cached&passing');
    expect(health.headers.get('x-cache')).toBe('MISS');
    expect((await get('/v1/health/service/web?passing&cached')).headers.get('x-cache')).toBe('HIT');
  });

  it('?cached refuses ?consistent and a bad Cache-Control number; endpoints Consul does not cache ignore it', async () => {
    const both = await get('/v1/catalog/services?cached&consistent');
    expect([both.status, both.text]).toEqual([400, 'Cannot specify ?cached with ?consistent, conflicting semantics.']);
    const bad = await get('/v1/catalog/services?cached', { headers: { 'Cache-Control': 'max-age=soon' } });
    expect([bad.status, bad.text]).toEqual([400, 'Invalid max-age value: "soon"']);
    const nodes = await get('/v1/catalog/nodes?cached');
    expect([nodes.status, nodes.headers.get('x-cache')]).toEqual([200, null]);
  });

  it('?near=_agent puts the agent\'s node first (no coordinates yet), ?near=<node> that node', async () => {
    for (const node of ['aaa-remote', 'zzz-remote']) {
      const r = await fetch(`http://${agent.httpAddr}/v1/catalog/register`, {
        method: 'PUT',
        body: JSON.stringify({ Node: node, Address: '10.0.0.7', Service: { Service: 'web', ID: `web-${node}`, Port: 80 } }),
      });
      expect(r.status).toBe(200);
    }
    const plain = (await get('/v1/catalog/nodes')).json() as Array<{ Node: string }>;
    expect(plain[0]!.Node).toBe('aaa-remote');
    const near = (await get('/v1/catalog/nodes?near=_agent')).json() as Array<{ Node: string }>;
    expect(near.map((n) => n.Node)).toEqual([NODE, ...plain.map((n) => n.Node).filter((n) => n !== NODE)]);
    const svc = (await get('/v1/catalog/service/web?near=_agent')).json() as Array<{ Node: string }>;
    expect(svc.slice(0, 2).map((s) => s.Node)).toEqual([NODE, NODE]);
    const health = (await get('/v1/health/service/web?near=zzz-remote')).json() as Array<{ Node: { Node: string } }>;
    expect(health[0]!.Node.Node).toBe('zzz-remote');
    const viaClient = (await consul.catalog.node.list({ near: '_agent' } as never)) as Array<{ Node: string }>;
    expect(viaClient[0]!.Node).toBe(NODE);
    await consul.catalog.deregister({ node: 'aaa-remote' } as never);
    await consul.catalog.deregister({ node: 'zzz-remote' } as never);
  });
});

describe('CLI: snapshot inspect itemized, catalog -near', () => {
  it('snapshot inspect prints Consul\'s type table, -kvdetails the KV breakdown, -format=json the OutputFormat', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-inspect-'));
    try {
      for (const k of ['vault/core/a', 'vault/core/b', 'vault/sys/x', 'other']) await consul.kv.set(k, `value-${k}`);
      const file = join(dir, 'backup.snap');
      const saved = await runCli(['snapshot', 'save', '-http-addr', agent.httpAddr, file]);
      expect(saved.code).toBe(0);
      const plain = await runCli(['snapshot', 'inspect', file]);
      expect(plain.code).toBe(0);
      const lines = plain.stdout.split('\n');
      expect(lines[0]).toMatch(/^ ID {11}\d+-\d+-\d+$/);
      expect(lines.slice(5, 8)).toEqual(['', expect.stringMatching(/^ Type +Count +Size$/), expect.stringMatching(/^ ---- +---- +----$/)]);
      expect(plain.stdout).toMatch(/\n KVS +4 +\d+B\n/);
      expect(plain.stdout).toMatch(/\n Register +\d+ +/);
      expect(plain.stdout).toMatch(/\n Total +\d+(\.\d)?K?B\n$/);
      expect(plain.stdout).not.toContain('Key Name');
      const kv = await runCli(['snapshot', 'inspect', '-kvdetails', '-kvdepth', '1', '-kvfilter', 'vault', file]);
      expect(kv.stdout).toMatch(/\n Key Name +Count +Size\n ---- +---- +----\n vault +3 +\d+B\n ---- +---- +----\n Total +\d+B\n$/);
      const json = JSON.parse((await runCli(['snapshot', 'inspect', '-format=json', file])).stdout) as { Meta: { Index: number }; Stats: Array<{ Name: string; Count: number }> };
      expect(json.Meta.Index).toBeGreaterThan(0);
      expect(json.Stats.find((s) => s.Name === 'KVS')?.Count).toBe(4);
      const bad = await runCli(['snapshot', 'inspect', join(dir, 'missing.snap')]);
      expect([bad.code, bad.stderr.startsWith('Error opening snapshot file: ')]).toEqual([1, true]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('catalog nodes -near _agent lists the agent\'s node first', async () => {
    const r = await fetch(`http://${agent.httpAddr}/v1/catalog/register`, { method: 'PUT', body: JSON.stringify({ Node: 'aaa-near', Address: '10.0.0.8' }) });
    expect(r.status).toBe(200);
    const plain = await runCli(['catalog', 'nodes', '-http-addr', agent.httpAddr]);
    expect(plain.stdout.split('\n')[1]).toMatch(/^aaa-near /);
    const near = await runCli(['catalog', 'nodes', '-near', '_agent', '-http-addr', agent.httpAddr]);
    expect(near.stdout.split('\n')[1]).toMatch(new RegExp(`^${NODE} `));
    await consul.catalog.deregister({ node: 'aaa-near' } as never);
  });
});
