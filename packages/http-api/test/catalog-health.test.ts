import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import Consul from 'consul';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';

let h: Harness;
let consul: Consul;

const get = async (path: string) => {
  const r = await fetch(`${h.base}${path}`);
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) as unknown };
};

beforeAll(async () => {
  h = await startHarness();
  consul = new Consul({ host: '127.0.0.1', port: h.port });
  await consul.catalog.register({
    node: 'db1',
    address: '10.0.0.2',
    nodemeta: { rack: 'r1' },
    service: { service: 'db', id: 'db-main', tags: ['master', 'v1'], port: 3306 },
    check: { name: 'db alive', serviceid: 'db-main', status: 'passing' },
  } as never);
  await fetch(`${h.base}/v1/catalog/register`, {
    method: 'PUT',
    body: JSON.stringify({
      Node: 'db2',
      Address: '10.0.0.3',
      Service: { Service: 'db', ID: 'db-replica', Tags: ['slave', 'v1'], Port: 3306 },
      Checks: [
        { CheckID: 'service:db-replica', Name: 'replica lag', ServiceID: 'db-replica', Status: 'warning' },
        { CheckID: '_node_maintenance', Name: 'Node Maintenance Mode', Status: 'critical' },
      ],
    }),
  }).then((r) => r.text());
});
afterAll(async () => {
  consul.destroy();
  await h.close();
});

describe('catalog', () => {
  it('lists datacenters and nodes in Consul shapes', async () => {
    expect((await get('/v1/catalog/datacenters')).text).toBe('["dc1"]');
    expect(await consul.catalog.datacenters()).toEqual(['dc1']);
    const nodes = await get('/v1/catalog/nodes');
    expect(nodes.headers.get('content-type')).toBe('application/json');
    expect(nodes.headers.get('x-consul-knownleader')).toBe('true');
    expect(nodes.headers.get('x-consul-lastcontact')).toBe('0');
    expect(nodes.headers.get('x-consul-effective-consistency')).toBe('leader');
    const list = nodes.json() as Array<Record<string, unknown>>;
    expect(list.map((n) => n.Node)).toEqual(['db1', 'db2', 'node1']);
    expect(list[2]).toEqual({
      ID: '8ce8c9d5-2a68-4dd5-a2e4-a5d7e3e1b7f1',
      Node: 'node1',
      Address: '127.0.0.1',
      Datacenter: 'dc1',
      TaggedAddresses: { lan: '127.0.0.1', lan_ipv4: '127.0.0.1', wan: '127.0.0.1', wan_ipv4: '127.0.0.1' },
      Meta: { 'consul-network-segment': '' },
      CreateIndex: 1,
      ModifyIndex: 1,
    });
    expect((await get('/v1/catalog/nodes?node-meta=rack:r1')).json()).toMatchObject([{ Node: 'db1' }]);
  });

  it('maps services with "consul": []', async () => {
    expect((await get('/v1/catalog/services')).text).toBe('{"consul":[],"db":["master","slave","v1"]}');
  });

  it('filters service/:name by repeated tags, case-insensitively', async () => {
    const all = (await get('/v1/catalog/service/db')).json() as Array<Record<string, unknown>>;
    expect(all.map((s) => s.ServiceID)).toEqual(['db-main', 'db-replica']);
    expect(all[0]).toMatchObject({
      Node: 'db1',
      Address: '10.0.0.2',
      Datacenter: 'dc1',
      NodeMeta: { rack: 'r1' },
      ServiceName: 'db',
      ServiceTags: ['master', 'v1'],
      ServicePort: 3306,
      ServiceAddress: '',
      ServiceWeights: { Passing: 1, Warning: 1 },
      ServiceEnableTagOverride: false,
    });
    const slave = (await get('/v1/catalog/service/db?tag=SLAVE&tag=v1')).json() as Array<{ Node: string }>;
    expect(slave.map((s) => s.Node)).toEqual(['db2']);
    expect((await get('/v1/catalog/service/db?tag=slave&tag=master')).text).toBe('[]');
    expect((await get('/v1/catalog/service/nope')).text).toBe('[]');
  });

  it('answers node/:node, null for an unknown node', async () => {
    const n = (await get('/v1/catalog/node/db1')).json() as { Node: { Node: string }; Services: Record<string, unknown> };
    expect(n.Node.Node).toBe('db1');
    expect(n.Services['db-main']).toMatchObject({ ID: 'db-main', Service: 'db', Port: 3306, Tags: ['master', 'v1'] });
    expect((await get('/v1/catalog/node/ghost')).text).toBe('null');
  });

  it('deregisters a service and then a node', async () => {
    await consul.catalog.register({ node: 'tmp', address: '10.9.9.9', service: { service: 'tmpsvc' } } as never);
    expect(Object.keys((await get('/v1/catalog/services')).json() as object)).toContain('tmpsvc');
    const r = await fetch(`${h.base}/v1/catalog/deregister`, { method: 'PUT', body: JSON.stringify({ Node: 'tmp', ServiceID: 'tmpsvc' }) });
    expect(await r.text()).toBe('true');
    expect(Object.keys((await get('/v1/catalog/services')).json() as object)).not.toContain('tmpsvc');
    await consul.catalog.deregister({ node: 'tmp' } as never);
    expect(((await get('/v1/catalog/nodes')).json() as Array<{ Node: string }>).map((n) => n.Node)).not.toContain('tmp');
  });
});

describe('health', () => {
  it('lists node checks sorted by CheckID with ServiceID "" for node checks', async () => {
    const checks = (await get('/v1/health/node/db2')).json() as Array<Record<string, unknown>>;
    expect(checks.map((c) => c.CheckID)).toEqual(['_node_maintenance', 'service:db-replica']);
    expect(checks[0]).toMatchObject({ ServiceID: '', ServiceName: '', ServiceTags: [], Node: 'db2', Status: 'critical' });
    expect(Object.keys(checks[1]!)).toEqual([
      'Node', 'CheckID', 'Name', 'Status', 'Notes', 'Output', 'ServiceID', 'ServiceName', 'ServiceTags', 'Type',
      'Interval', 'Timeout', 'ExposedPort', 'Definition', 'CreateIndex', 'ModifyIndex',
    ]);
  });

  it('answers service/:name with node, service and checks; passing drops any non-passing instance', async () => {
    const entries = (await get('/v1/health/service/db')).json() as Array<{
      Node: { Node: string };
      Service: Record<string, unknown>;
      Checks: Array<{ CheckID: string }>;
    }>;
    expect(entries.map((e) => e.Node.Node)).toEqual(['db1', 'db2']);
    expect(entries[0]!.Service).toMatchObject({ ID: 'db-main', Service: 'db', Tags: ['master', 'v1'], Port: 3306, Meta: {} });
    expect(entries[1]!.Checks.map((c) => c.CheckID)).toEqual(['_node_maintenance', 'service:db-replica']);
    for (const q of ['passing', 'passing=1', 'passing=true']) {
      const p = (await get(`/v1/health/service/db?${q}`)).json() as Array<{ Node: { Node: string } }>;
      expect(p.map((e) => e.Node.Node)).toEqual(['db1']);
    }
    const bad = await get('/v1/health/service/db?passing=maybe');
    expect([bad.status, bad.text]).toEqual([400, 'Invalid value for ?passing']);
    expect(((await get('/v1/health/service/db?tag=slave')).json() as unknown[]).length).toBe(1);
    const viaClient = (await consul.health.service({ service: 'db', passing: true } as never)) as unknown as unknown[];
    expect(viaClient).toHaveLength(1);
  });

  it('applies ?filter to catalog and health answers', async () => {
    const q = (expr: string) => encodeURIComponent(expr);
    const nodes = (await get(`/v1/catalog/nodes?filter=${q('Meta.rack == r1')}`)).json() as Array<{ Node: string }>;
    expect(nodes.map((n) => n.Node)).toEqual(['db1']);
    const svc = (await get(`/v1/catalog/service/db?filter=${q('slave in ServiceTags')}`)).json() as Array<{ Node: string }>;
    expect(svc.map((s) => s.Node)).toEqual(['db2']);
    const health = (await get(`/v1/health/service/db?filter=${q('Checks.Status contains warning')}`)).json() as Array<{
      Node: { Node: string };
    }>;
    expect(health.map((e) => e.Node.Node)).toEqual(['db2']);
    expect((await get(`/v1/catalog/services?filter=${q('ServicePort == 3306 and slave in ServiceTags')}`)).text).toBe(
      '{"db":["slave","v1"]}',
    );
    const bad = await get(`/v1/health/state/any?filter=${q('Status ==')}`);
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/^Failed to create boolean expression evaluator: /);
  });

  it('answers checks/:service and state/:state', async () => {
    expect(((await get('/v1/health/checks/db')).json() as Array<{ CheckID: string }>).map((c) => c.CheckID)).toEqual([
      'db alive',
      'service:db-replica',
    ]);
    expect(((await get('/v1/health/state/critical')).json() as Array<{ CheckID: string }>).map((c) => c.CheckID)).toEqual([
      '_node_maintenance',
    ]);
    expect(((await get('/v1/health/state/any')).json() as unknown[]).length).toBe(4);
    expect((await get('/v1/health/state/bogus')).status).toBe(400);
  });

  it('wakes a blocked health query for its service only', async () => {
    const first = await get('/v1/health/service/db');
    const index = Number(first.headers.get('x-consul-index'));
    let settled = false;
    const blocked = fetch(`${h.base}/v1/health/service/db?index=${index}&wait=20s&passing`).then(async (r) => {
      settled = true;
      return { index: Number(r.headers.get('x-consul-index')), body: (await r.json()) as Array<{ Node: { Node: string } }> };
    });
    await waitFor('a query blocked on a watch', () => h.state.watches.size > 0, { timeoutMs: 5000 });
    await consul.catalog.register({ node: 'web1', address: '10.0.1.1', service: { service: 'web' } } as never);
    await get('/v1/catalog/services');
    expect(settled).toBe(false);
    await h.write({ type: 'catalog.check-status', Node: 'db1', CheckID: 'db alive', Status: 'critical', Output: 'down' });
    const r = await blocked;
    expect(r.index).toBeGreaterThan(index);
    expect(r.body).toEqual([]);
  });
});

describe('status', () => {
  it('answers leader and peers', async () => {
    expect((await get('/v1/status/leader')).text).toBe('"127.0.0.1:8300"');
    expect(await consul.status.peers()).toEqual(['127.0.0.1:8300']);
  });
});
