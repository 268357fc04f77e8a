import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';

let h: Harness;

const get = async (path: string) => {
  const r = await fetch(`${h.base}${path}`);
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) as any };
};
const put = (path: string, body: unknown) =>
  fetch(`${h.base}${path}`, { method: 'PUT', body: JSON.stringify(body) }).then((r) => r.text());

beforeAll(async () => {
  h = await startHarness();
  await put('/v1/catalog/register', {
    Node: 'db1',
    Address: '10.0.0.2',
    NodeMeta: { rack: 'r1' },
    Service: { Service: 'db', ID: 'db-main', Tags: ['v1', 'master'], Port: 3306, Meta: { 'external-source': 'k8s' } },
    Checks: [
      { CheckID: 'service:db-main', Name: 'db alive', ServiceID: 'db-main', Status: 'passing' },
      { CheckID: 'node-ok', Name: 'node ok', Status: 'critical' },
    ],
  });
  await put('/v1/catalog/register', {
    Node: 'db1',
    Address: '10.0.0.2',
    NodeMeta: { rack: 'r1' },
    Service: { Service: 'db', ID: 'db-second', Tags: ['v1'], Port: 3307 },
    Check: { CheckID: 'service:db-second', Name: 'second', ServiceID: 'db-second', Status: 'warning' },
  });
  await put('/v1/catalog/register', { Node: 'db2', Address: '10.0.0.3', Service: { Service: 'db', ID: 'db-r', Port: 1 } });
  await put('/v1/catalog/register', { Node: 'db2', Address: '10.0.0.3', Service: { Service: 'a/<b>%', ID: 'x', Port: 2 } });
});
afterAll(async () => {
  await h.close();
});

describe('/v1/internal/ui/services', () => {
  it('summarizes each service as Consul does: node checks counted once per node', async () => {
    const r = await get('/v1/internal/ui/services');
    expect(r.status).toBe(200);
    expect(Number(r.headers.get('x-consul-index'))).toBeGreaterThan(0);
    const list = r.json();
    expect(list.map((s: any) => s.Name)).toEqual(['a/<b>%', 'consul', 'db']);
    expect(list[2]).toEqual({
      Name: 'db',
      Datacenter: 'dc1',
      Tags: ['master', 'v1'],
      Nodes: ['db1', 'db2'],
      ExternalSources: ['k8s'],
      InstanceCount: 3,
      ChecksPassing: 1,
      ChecksWarning: 1,
      ChecksCritical: 1,
      GatewayConfig: {},
      TransparentProxy: false,
      ConnectNative: false,
      ConnectedWithProxy: false,
      ConnectedWithGateway: false,
    });
    expect(list[0].Tags).toBeNull();
  });

  it('applies ?filter over the service instances', async () => {
    const list = (await get(`/v1/internal/ui/services?filter=${encodeURIComponent('Service.Port == 3307')}`)).json();
    expect(list.map((s: any) => [s.Name, s.InstanceCount])).toEqual([['db', 1]]);
    expect((await get(`/v1/internal/ui/services?filter=${encodeURIComponent('Nope ==')}`)).status).toBe(400);
  });

  it('blocks until a check changes', async () => {
    const first = await get('/v1/internal/ui/services');
    const index = first.headers.get('x-consul-index');
    const pending = get(`/v1/internal/ui/services?index=${index}&wait=5s`);
    await put('/v1/catalog/register', {
      Node: 'db2',
      Address: '10.0.0.3',
      Check: { CheckID: 'svc-r', Name: 'r', ServiceID: 'db-r', Status: 'critical' },
    });
    const next = await pending;
    expect(Number(next.headers.get('x-consul-index'))).toBeGreaterThan(Number(index));
    expect(next.json().find((s: any) => s.Name === 'db').ChecksCritical).toBe(2);
  });
});

describe('/v1/internal/ui/nodes and node/:name', () => {
  it('dumps every node with services and checks', async () => {
    const list = (await get('/v1/internal/ui/nodes')).json();
    const db1 = list.find((n: any) => n.Node === 'db1');
    expect(db1.Meta).toEqual({ rack: 'r1' });
    expect(db1.Services.map((s: any) => s.ID)).toEqual(['db-main', 'db-second']);
    expect(db1.Checks.map((c: any) => c.CheckID)).toEqual(['node-ok', 'service:db-main', 'service:db-second']);
    const filtered = (await get(`/v1/internal/ui/nodes?filter=${encodeURIComponent('Meta.rack == r1')}`)).json();
    expect(filtered.map((n: any) => n.Node)).toEqual(['db1']);
  });

  it('answers one node, 404 for an unknown one, 400 without a name', async () => {
    const one = await get('/v1/internal/ui/node/db2');
    expect(one.json().Services.map((s: any) => s.Service).sort()).toEqual(['a/<b>%', 'db']);
    const none = await get('/v1/internal/ui/node/nope');
    expect(none.status).toBe(404);
    expect(none.text).toBe('');
    expect((await get('/v1/internal/ui/node/')).status).toBe(400);
    expect((await get('/v1/internal/ui/other')).status).toBe(404);
  });
});
