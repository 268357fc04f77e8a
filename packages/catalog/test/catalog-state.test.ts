import { describe, expect, it } from 'vitest';
import {
  CatalogState,
  aggregateStatus,
  decodeDeregisterRequest,
  decodeRegisterRequest,
} from '../src/index.js';
import type { CatalogCommand } from '../src/index.js';
import { WatchHub, WatchSet } from '@conclave/toolkit';

function catalog() {
  const hub = new WatchHub();
  const state = new CatalogState(hub);
  let index = 0;
  const apply = (cmd: CatalogCommand) => state.apply(cmd, ++index);
  return { state, hub, apply };
}

function seed() {
  const c = catalog();
  c.apply({
    type: 'catalog.register',
    Node: 'server1',
    Address: '127.0.0.1',
    Datacenter: 'dc1',
    ID: 'a1b2',
    TaggedAddresses: { lan: '127.0.0.1', lan_ipv4: '127.0.0.1', wan: '127.0.0.1', wan_ipv4: '127.0.0.1' },
    NodeMeta: { 'consul-network-segment': '' },
    Service: { ID: 'consul', Service: 'consul', Port: 8300, Meta: { raft_version: '3' } },
    Check: { CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing' },
  });
  c.apply(
    decodeRegisterRequest(
      {
        node: 'db1',
        address: '10.0.0.2',
        nodemeta: { rack: 'r1' },
        service: { service: 'db', id: 'db-main', tags: ['Master', 'v1'], port: 3306 },
        checks: [
          { name: 'db alive', serviceid: 'db-main', status: 'passing' },
          { checkid: 'mem', name: 'Memory', status: 'warning' },
        ],
      },
      'dc1',
    ),
  );
  c.apply(
    decodeRegisterRequest(
      { Node: 'db2', Address: '10.0.0.3', Service: { Service: 'db', Tags: ['slave', 'v1'], Port: 3306 } },
      'dc1',
    ),
  );
  return c;
}

describe('catalog queries in Consul shapes', () => {
  it('lists nodes sorted, with Meta and TaggedAddresses', () => {
    const { state } = seed();
    const nodes = state.nodeList();
    expect(nodes.value.map((n) => n.Node)).toEqual(['db1', 'db2', 'server1']);
    expect(nodes.value[2]).toEqual({
      ID: 'a1b2',
      Node: 'server1',
      Address: '127.0.0.1',
      Datacenter: 'dc1',
      TaggedAddresses: { lan: '127.0.0.1', lan_ipv4: '127.0.0.1', wan: '127.0.0.1', wan_ipv4: '127.0.0.1' },
      Meta: { 'consul-network-segment': '' },
      CreateIndex: 1,
      ModifyIndex: 1,
    });
    expect(nodes.index).toBe(3);
    expect(state.nodeList({ nodeMeta: { rack: 'r1' } }).value.map((n) => n.Node)).toEqual(['db1']);
  });

  it('maps services to the union of their tags, consul with []', () => {
    const { state } = seed();
    expect(state.serviceList().value).toEqual({ consul: [], db: ['Master', 'slave', 'v1'] });
    expect(JSON.stringify(state.serviceList().value)).toBe('{"consul":[],"db":["Master","slave","v1"]}');
  });

  it('filters service instances by repeated tags, case-insensitively, AND', () => {
    const { state } = seed();
    const all = state.serviceNodes('db');
    expect(all.value.map((s) => s.ServiceID)).toEqual(['db-main', 'db']);
    expect(state.serviceNodes('db', { tags: ['master'] }).value.map((s) => s.Node)).toEqual(['db1']);
    expect(state.serviceNodes('db', { tags: ['v1', 'SLAVE'] }).value.map((s) => s.Node)).toEqual(['db2']);
    expect(state.serviceNodes('db', { tags: ['v1', 'v2'] }).value).toEqual([]);
    const s = all.value[0]!;
    expect(Object.keys(s)).toEqual([
      'ID', 'Node', 'Address', 'Datacenter', 'TaggedAddresses', 'NodeMeta', 'ServiceKind', 'ServiceID', 'ServiceName',
      'ServiceTags', 'ServiceAddress', 'ServiceWeights', 'ServiceMeta', 'ServicePort', 'ServiceEnableTagOverride',
      'ServiceProxy', 'ServiceConnect', 'CreateIndex', 'ModifyIndex',
    ]);
    expect(s).toMatchObject({ ServiceWeights: { Passing: 1, Warning: 1 }, ServiceMeta: {}, NodeMeta: { rack: 'r1' } });
    expect(state.serviceNodes('nope').value).toEqual([]);
  });

  it('answers node/:node with its services, null when unknown', () => {
    const { state } = seed();
    const n = state.nodeServices('db1').value!;
    expect(n.Node.Node).toBe('db1');
    expect(Object.keys(n.Services)).toEqual(['db-main']);
    expect(n.Services['db-main']).toMatchObject({ ID: 'db-main', Service: 'db', Tags: ['Master', 'v1'], Port: 3306 });
    expect(state.nodeServices('ghost').value).toBeNull();
  });

  it('health: node checks by CheckID, service entries with node and service checks, passing filter', () => {
    const { state } = seed();
    expect(state.nodeChecks('db1').value.map((c) => c.CheckID)).toEqual(['db alive', 'mem']);
    const entries = state.checkServiceNodes('db');
    expect(entries.value.map((e) => e.Node.Node)).toEqual(['db1', 'db2']);
    expect(entries.value[0]!.Checks.map((c) => [c.CheckID, c.ServiceName, c.ServiceTags])).toEqual([
      ['db alive', 'db', ['Master', 'v1']],
      ['mem', '', []],
    ]);
    // db1 has a warning node check, so ?passing drops it; db2 has no checks at all.
    expect(state.checkServiceNodes('db', { passing: true }).value.map((e) => e.Node.Node)).toEqual(['db2']);
    expect(state.checksInState('warning').value.map((c) => c.CheckID)).toEqual(['mem']);
    expect(state.checksInState('any').value).toHaveLength(3);
    expect(state.checksInState('any').value.map((c) => c.ServiceID)).toEqual(['db-main', '', '']);
    expect(state.serviceChecks('db').value.map((c) => c.CheckID)).toEqual(['db alive']);
  });

  it('aggregates status with maintenance first', () => {
    expect(aggregateStatus([])).toBe('passing');
    expect(aggregateStatus([{ CheckID: 'a', Status: 'warning' }, { CheckID: 'b', Status: 'passing' }])).toBe('warning');
    expect(aggregateStatus([{ CheckID: 'a', Status: 'critical' }, { CheckID: 'b', Status: 'warning' }])).toBe('critical');
    expect(aggregateStatus([{ CheckID: '_node_maintenance', Status: 'critical' }])).toBe('maintenance');
    expect(aggregateStatus([{ CheckID: '_service_maintenance:web', Status: 'critical' }])).toBe('maintenance');
  });
});

describe('catalog writes and indexes', () => {
  it('keeps CreateIndex, skips identical re-registrations, bumps only the touched service', () => {
    const { state, apply } = seed();
    const before = state.serviceNodes('db').index;
    const reg = decodeRegisterRequest(
      { Node: 'db2', Address: '10.0.0.3', Service: { Service: 'db', Tags: ['slave', 'v1'], Port: 3306 } },
      'dc1',
    );
    apply(reg);
    expect(state.serviceNodes('db').index).toBe(before);
    apply({ ...reg, Service: { ...reg.Service!, Port: 3307 } });
    const after = state.serviceNodes('db');
    expect(after.index).toBe(5);
    expect(after.value[1]).toMatchObject({ ServicePort: 3307, CreateIndex: 3, ModifyIndex: 5 });
    expect(state.serviceNodes('consul').index).toBe(1);
  });

  it('treats a re-registration with the same data in another key order as identical, but not reordered tags', () => {
    const { state, apply } = seed();
    const node = state.nodeList().index;
    apply({
      type: 'catalog.register',
      Node: 'server1',
      Address: '127.0.0.1',
      Datacenter: 'dc1',
      ID: 'a1b2',
      TaggedAddresses: { wan_ipv4: '127.0.0.1', wan: '127.0.0.1', lan_ipv4: '127.0.0.1', lan: '127.0.0.1' },
      NodeMeta: { 'consul-network-segment': '' },
      Service: { Meta: { raft_version: '3' }, Port: 8300, Service: 'consul', ID: 'consul' },
    });
    expect(state.nodeList().index).toBe(node);
    expect(state.serviceNodes('consul').index).toBe(1);
    const reg = decodeRegisterRequest({ Node: 'db2', Address: '10.0.0.3', Service: { Service: 'db', Tags: ['v1', 'slave'], Port: 3306 } }, 'dc1');
    apply(reg);
    expect(state.serviceNodes('db').index).toBe(5); // tags are ordered: a reordering is a change
  });

  it('updates check status through check-status and wakes only watchers of that service', () => {
    const { state, hub, apply } = seed();
    const fired: string[] = [];
    for (const name of ['db', 'consul']) {
      const ws = new WatchSet();
      state.checkServiceNodes(name, {}, ws);
      hub.subscribe(ws, () => fired.push(name));
    }
    expect(apply({ type: 'catalog.check-status', Node: 'db1', CheckID: 'db alive', Status: 'critical', Output: 'down' })).toBe(true);
    expect(fired).toEqual(['db']);
    expect(state.checkServiceNodes('db', { passing: true }).value.map((e) => e.Node.Node)).toEqual(['db2']);
    expect(state.nodeChecks('db1').value[0]).toMatchObject({ Status: 'critical', Output: 'down', ModifyIndex: 4, CreateIndex: 2 });
    expect(apply({ type: 'catalog.check-status', Node: 'db1', CheckID: 'zzz', Status: 'critical', Output: '' })).toEqual({
      error: 'Unknown check "zzz" on node "db1"',
    });
  });

  it('deregisters a service with its checks, a check, and a whole node', () => {
    const { state, apply } = seed();
    apply(decodeDeregisterRequest({ Node: 'db1', ServiceID: 'db-main' }));
    expect(state.nodeChecks('db1').value.map((c) => c.CheckID)).toEqual(['mem']);
    apply(decodeDeregisterRequest({ node: 'db1', checkid: 'mem' }));
    expect(state.nodeChecks('db1').value).toEqual([]);
    apply(decodeDeregisterRequest({ Node: 'db2' }));
    expect(state.nodeList().value.map((n) => n.Node)).toEqual(['db1', 'server1']);
    expect(state.serviceList().value).toEqual({ consul: [] });
    // The deleted service keeps its index, so a blocked reader sees it move forward.
    expect(state.serviceNodes('db').index).toBe(6);
  });

  it('refuses incomplete registrations with Consul words', () => {
    const { apply } = catalog();
    expect(apply({ type: 'catalog.register', Node: 'x', Address: '' })).toEqual({ error: 'Must provide node and address' });
    expect(apply({ type: 'catalog.register', Node: 'x', Address: '1.2.3.4', Service: { ID: 'a', Service: '' } })).toEqual({
      error: 'Must provide service name with ID',
    });
    expect(
      apply({ type: 'catalog.register', Node: 'x', Address: '1.2.3.4', Check: { CheckID: 'c', Name: 'c', ServiceID: 'nope' } }),
    ).toEqual({ error: 'Missing service registration' });
    expect(() => decodeRegisterRequest({ Node: 5 }, 'dc1')).toThrow('Node: expected a string, got a number');
    expect(() => decodeRegisterRequest([], 'dc1')).toThrow('body: expected an object');
  });
});
