// Prepared queries and ?dc= forwarding over two real HTTP APIs, one per datacenter, each on its own state
// machine: dc1's datacenter forwarder sends a request to dc2's API over HTTP (in the agent it travels as an
// RPC to a dc2 server, which does the same).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateMachine, type Command } from '@conclave/state';
import { RefusedError } from '@conclave/toolkit';
import { createHttpApi, type ApiBackend, type ForwardedRequest, type HttpApi, type RequestForwarder } from '../src/index.js';
import { applyingLog, recordingAgent } from './harness.js';
import { CompiledTemplate } from '../src/prepared-query-template.js';
import { failoverTargets, filterInstances } from '../src/query-execute.js';

interface Dc {
  name: string;
  state: StateMachine;
  api: HttpApi;
  base: string;
  write(cmd: Command): Promise<unknown>;
  forwarded: ForwardedRequest[];
}

const dcs: Record<string, Dc> = {};
/** Datacenters a forwarder can reach (a "down" one answers like the WAN forwarder: No path to datacenter). */
const down = new Set<string>();

function forwarderFor(seen: ForwardedRequest[]): RequestForwarder {
  return {
    shouldForward: () => true,
    async forward(r) {
      seen.push(r);
      const dc = new URL(r.url, 'http://x').searchParams.get('dc')!;
      const target = dcs[dc];
      if (!target || down.has(dc)) throw new RefusedError('No path to datacenter');
      const res = await fetch(target.base + r.url, { method: r.method, headers: r.headers, body: r.method === 'GET' ? undefined : Buffer.from(r.body) });
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => (headers[k] = v));
      return { status: res.status, headers, body: Buffer.from(await res.arrayBuffer()) };
    },
  };
}

async function startDc(name: string, known: string[]): Promise<Dc> {
  const state = new StateMachine();
  const log = applyingLog(state);
  const forwarded: ForwardedRequest[] = [];
  const backend: ApiBackend = {
    state,
    log,
    leadership: () => ({ knownLeader: true, lastContactMs: 0, leaderAddress: '127.0.0.1:8300' }),
    peers: () => [],
    agent: recordingAgent([]),
    datacenter: name,
    datacenters: () => known,
    datacenterForwarder: forwarderFor(forwarded),
    nodeName: 'node1',
  };
  const api = createHttpApi(backend);
  const { port } = await api.listen(0, '127.0.0.1');
  return { name, state, api, base: `http://127.0.0.1:${port}`, write: log.write, forwarded };
}

function register(dc: Dc, node: string, svc: { ID: string; Service: string; Tags?: string[]; Meta?: Record<string, string> }, status = 'passing', nodeMeta: Record<string, string> = {}) {
  return dc.write({
    type: 'catalog.register',
    Node: node,
    Address: `10.0.0.${node.length}`,
    NodeMeta: nodeMeta,
    Service: { Port: 80, ...svc },
    Checks: [{ CheckID: `${svc.ID}-check`, Name: 'check', Status: status, ServiceID: svc.ID }],
  } as Command);
}

async function call(dc: Dc, path: string, method = 'GET', body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(dc.base + path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers });
  const text = await res.text();
  return { status: res.status, text, json: <T = any>() => JSON.parse(text) as T };
}

beforeAll(async () => {
  dcs.dc1 = await startDc('dc1', ['dc1', 'dc2', 'dc3']);
  dcs.dc2 = await startDc('dc2', ['dc2', 'dc1', 'dc3']);
  dcs.dc3 = await startDc('dc3', ['dc3', 'dc1', 'dc2']);
});

afterAll(async () => {
  await Promise.all(Object.values(dcs).map((d) => d.api.close()));
});

describe('?dc= forwarding', () => {
  it('sends requests for another datacenter to it with the caller’s token, and keeps local and agent ones here', async () => {
    const dc1 = dcs.dc1!;
    dc1.forwarded.length = 0;
    const put = await call(dc1, '/v1/kv/fwd/key?dc=dc2', 'PUT', 'v', { 'X-Consul-Token': 'secret-token' });
    expect(put.text).toBe('true');
    expect(dcs.dc2!.state.kv.get('fwd/key').value).toBeDefined();
    expect(dc1.state.kv.get('fwd/key').value).toBeUndefined();
    expect(dc1.forwarded.map((r) => [r.method, r.url, r.headers['x-consul-token']])).toEqual([['PUT', '/v1/kv/fwd/key?dc=dc2', 'secret-token']]);
    // The local datacenter by name, and the agent's own endpoints, are answered here.
    expect((await call(dc1, '/v1/kv/fwd/key?dc=dc1')).status).toBe(404);
    expect((await call(dc1, '/v1/agent/self?dc=dc2')).status).toBe(200);
    expect(dc1.forwarded).toHaveLength(1);
    const nowhere = await call(dc1, '/v1/catalog/nodes?dc=dc9');
    expect([nowhere.status, nowhere.text]).toEqual([500, 'No path to datacenter']);
  });

  it('lists the known datacenters', async () => {
    expect((await call(dcs.dc2!, '/v1/catalog/datacenters')).json()).toEqual(['dc2', 'dc1', 'dc3']);
  });
});

describe('prepared queries', () => {
  it('creates, reads, lists, updates and deletes a query by ID, with Consul’s errors', async () => {
    const dc1 = dcs.dc1!;
    const created = await call(dc1, '/v1/query', 'POST', { Name: 'crud', Service: { Service: 'redis', Tags: ['primary'] }, DNS: { TTL: '10s' } });
    expect(created.status).toBe(200);
    const { ID } = created.json<{ ID: string }>();
    expect(ID).toMatch(/^[0-9a-f-]{36}$/);
    const read = (await call(dc1, `/v1/query/${ID}`)).json();
    expect(read).toHaveLength(1);
    expect(read[0]).toMatchObject({ ID, Name: 'crud', Service: { Service: 'redis', Tags: ['primary'], OnlyPassing: false, Failover: { NearestN: 0, Datacenters: [] } }, DNS: { TTL: '10s' } });
    expect(read[0].CreateIndex).toBe(read[0].ModifyIndex);
    expect((await call(dc1, '/v1/query')).json().map((q: { ID: string }) => q.ID)).toContain(ID);

    expect((await call(dc1, `/v1/query/${ID}`, 'PUT', { Name: 'crud', Service: { Service: 'redis', OnlyPassing: true } })).status).toBe(200);
    const updated = (await call(dc1, `/v1/query/${ID}`)).json()[0];
    expect(updated.Service.OnlyPassing).toBe(true);
    expect(updated.ModifyIndex).toBeGreaterThan(updated.CreateIndex);

    // The name belongs to one query; a name may not be another query's ID.
    const dup = await call(dc1, '/v1/query', 'POST', { Name: 'crud', Service: { Service: 'x' } });
    expect([dup.status, dup.text]).toEqual([400, "name 'crud' aliases an existing query name"]);
    const alias = await call(dc1, '/v1/query', 'POST', { Name: ID, Service: { Service: 'x' } });
    expect([alias.status, alias.text]).toEqual([400, `name '${ID}' aliases an existing query ID`]);
    const missing = await call(dc1, '/v1/query/00000000-0000-0000-0000-000000000000', 'PUT', { Service: { Service: 'x' } });
    expect([missing.status, missing.text]).toEqual([400, "Cannot modify non-existent prepared query: '00000000-0000-0000-0000-000000000000'"]);

    expect((await call(dc1, `/v1/query/${ID}`, 'DELETE')).status).toBe(200);
    const gone = await call(dc1, `/v1/query/${ID}`);
    expect([gone.status, gone.text]).toEqual([404, 'Query not found']);
    expect((await call(dc1, '/v1/query/crud/execute')).status).toBe(404);
    expect((await call(dc1, '/v1/query', 'PATCH')).status).toBe(405);
  });

  it('binds a query to a session: refused without a live one, deleted when the session ends', async () => {
    const dc1 = dcs.dc1!;
    await register(dc1, 'sess-node', { ID: 'bound-svc', Service: 'bound-svc' });
    const bad = await call(dc1, '/v1/query', 'POST', { Name: 'bound', Session: 'no-such-session', Service: { Service: 'bound-svc' } });
    expect([bad.status, bad.text]).toEqual([400, 'invalid session "no-such-session"']);
    const created = await call(dc1, '/v1/session/create', 'PUT', { Node: 'sess-node', NodeChecks: [] });
    expect(created.status).toBe(200);
    const session = created.json<{ ID: string }>().ID;
    const bound = (await call(dc1, '/v1/query', 'POST', { Name: 'bound', Session: session, Service: { Service: 'bound-svc' } })).json<{ ID: string }>().ID;
    const unbound = (await call(dc1, '/v1/query', 'POST', { Name: 'unbound', Service: { Service: 'bound-svc' } })).json<{ ID: string }>().ID;
    expect((await call(dc1, `/v1/query/${bound}`)).json()[0].Session).toBe(session);
    expect((await call(dc1, '/v1/query/bound/execute')).status).toBe(200);
    expect((await call(dc1, `/v1/session/destroy/${session}`, 'PUT')).status).toBe(200);
    expect((await call(dc1, `/v1/query/${bound}`)).status).toBe(404);
    expect((await call(dc1, '/v1/query/bound/execute')).status).toBe(404);
    expect((await call(dc1, `/v1/query/${unbound}`)).status).toBe(200);
    expect((await call(dc1, `/v1/query/${unbound}`, 'DELETE')).status).toBe(200);
  });

  it('refuses malformed definitions with 400 and Consul’s words', async () => {
    const cases: Array<[unknown, string]> = [
      [{ Service: {} }, 'Must provide a Service name to query'],
      [{ Service: { Service: 'x', Failover: { NearestN: -1 } } }, "Bad NearestN '-1', must be >= 0"],
      [{ Service: { Service: 'x' }, DNS: { TTL: '5 minutes' } }, 'Bad DNS TTL \'5 minutes\': time: unknown unit " minutes" in duration "5 minutes"'],
      [{ Service: { Service: 'x' }, DNS: { TTL: '-5s' } }, "DNS TTL '-5000000000', must be >=0"],
      [{ Service: { Service: 'x' }, Token: '<hidden>' }, "Bad Token '<hidden>', it looks like a query definition with a redacted token was submitted"],
      [{ Template: { Type: 'name_prefix_match', Regexp: 'a(' }, Service: { Service: 'x' } }, 'Bad Regexp: error parsing regexp: missing closing ): `a(`'],
      [{ Template: { Type: 'exact' }, Service: { Service: 'x' } }, "Bad Template.Type 'exact'"],
      [{ Template: { Type: 'name_prefix_match' }, Service: { Service: '${name.full' } }, 'Bad format \'${name.full\' in Service.Service: expected "}" but found end of string'],
      [{ Template: { Type: 'name_prefix_match' }, Service: { Service: 'x', Tags: ['${nope()}'] } }, "Bad evaluation for '${nope()}' in Service.Tags[0]: unknown function called: nope"],
      [{ Service: { Service: ['x'] } }, 'Request decode failed: json: cannot unmarshal array into Go struct field PreparedQuery.Service.Service of type string'],
      ['just a string', 'Request decode failed: json: cannot unmarshal string into Go value of type structs.PreparedQuery'],
    ];
    for (const [body, text] of cases) {
      const r = await call(dcs.dc1!, '/v1/query', 'POST', body);
      expect([r.status, r.text], JSON.stringify(body)).toEqual([400, text]);
    }
    const notJson = await fetch(`${dcs.dc1!.base}/v1/query`, { method: 'POST', body: '{' });
    expect(notJson.status).toBe(400);
  });

  it('executes with the health, tag and meta filters and ?limit', async () => {
    const dc1 = dcs.dc1!;
    await register(dc1, 'n-a', { ID: 'api-1', Service: 'api', Tags: ['v1', 'canary'], Meta: { tier: 'gold' } }, 'passing', { rack: 'r1' });
    await register(dc1, 'n-bb', { ID: 'api-2', Service: 'api', Tags: ['v1'], Meta: { tier: 'gold' } }, 'warning', { rack: 'r1' });
    await register(dc1, 'n-ccc', { ID: 'api-3', Service: 'api', Tags: ['V1'] }, 'critical', { rack: 'r2' });
    const make = async (Service: Record<string, unknown>) => (await call(dc1, '/v1/query', 'POST', { Service: { Service: 'api', ...Service } })).json<{ ID: string }>().ID;
    const nodes = async (id: string, q = '') => {
      const r = (await call(dc1, `/v1/query/${id}/execute${q}`)).json();
      return (r.Nodes as Array<{ Node: { Node: string } }>).map((n) => n.Node.Node).sort();
    };
    expect(await nodes(await make({}))).toEqual(['n-a', 'n-bb']);
    expect(await nodes(await make({ OnlyPassing: true }))).toEqual(['n-a']);
    expect(await nodes(await make({ IgnoreCheckIDs: ['api-3-check'] }))).toEqual(['n-a', 'n-bb', 'n-ccc']);
    expect(await nodes(await make({ Tags: ['v1', '!CANARY'] }))).toEqual(['n-bb']);
    expect(await nodes(await make({ NodeMeta: { rack: 'r1' }, ServiceMeta: { tier: 'gold' }, OnlyPassing: true }))).toEqual(['n-a']);
    const all = await make({ IgnoreCheckIDs: ['api-3-check'] });
    expect(await nodes(all, '?limit=2')).toHaveLength(2);
    const bad = await call(dc1, `/v1/query/${all}/execute?limit=x`);
    expect(bad.status).toBe(400);
    const r = (await call(dc1, `/v1/query/${all}/execute`)).json();
    expect(Object.keys(r)).toEqual(['Service', 'Nodes', 'DNS', 'Datacenter', 'Failovers']);
    expect([r.Service, r.Datacenter, r.Failovers]).toEqual(['api', 'dc1', 0]);
  });

  it('fails over to the listed and nearest datacenters in order, skipping its own, unknown and unreachable ones', async () => {
    const [dc1, dc2, dc3] = [dcs.dc1!, dcs.dc2!, dcs.dc3!];
    await register(dc1, 'cache-1', { ID: 'cache', Service: 'cache' }, 'critical');
    await register(dc3, 'cache-3', { ID: 'cache', Service: 'cache' }, 'passing');
    await register(dc2, 'cache-2', { ID: 'cache', Service: 'cache' }, 'critical');
    const id = (await call(dc1, '/v1/query', 'POST', { Name: 'cache', Service: { Service: 'cache', Failover: { Datacenters: ['dc1', 'nowhere', 'dc2', 'dc3'] } } })).json().ID;
    const run = async () => (await call(dc1, `/v1/query/${id}/execute`, 'GET', undefined, { 'X-Consul-Token': 'tok' })).json();
    let r = await run();
    expect([r.Datacenter, r.Failovers, r.Nodes.map((n: { Node: { Node: string } }) => n.Node.Node)]).toEqual(['dc3', 2, ['cache-3']]);
    // The failover reads carry the caller's token.
    expect(dc1.forwarded.at(-1)!.headers['x-consul-token']).toBe('tok');
    down.add('dc2');
    r = await run();
    expect([r.Datacenter, r.Failovers]).toEqual(['dc3', 2]);
    down.delete('dc2');
    // NearestN takes the first other datacenters of the known list.
    const nearest = (await call(dc1, '/v1/query', 'POST', { Service: { Service: 'cache', Failover: { NearestN: 1, Datacenters: ['dc3'] } } })).json().ID;
    r = (await call(dc1, `/v1/query/${nearest}/execute`)).json();
    expect([r.Datacenter, r.Failovers]).toEqual(['dc3', 2]);
    expect(failoverTargets({ Failover: { NearestN: 5, Datacenters: ['dc2', 'dc1'] } } as never, ['dc1', 'dc2', 'dc3'], 'dc1')).toEqual(['dc2', 'dc3']);
    // Nothing anywhere: every datacenter tried, no nodes.
    const none = (await call(dc1, '/v1/query', 'POST', { Service: { Service: 'ghost', Failover: { NearestN: 9 } } })).json().ID;
    r = (await call(dc1, `/v1/query/${none}/execute`)).json();
    expect([r.Nodes, r.Failovers]).toEqual([[], 2]);
  });

  it('resolves names: exact first, then the longest template prefix, rendering ${...} for the name', async () => {
    const dc2 = dcs.dc2!;
    await register(dc2, 'geo-1', { ID: 'mysql-1', Service: 'mysql', Tags: ['primary'] });
    await register(dc2, 'geo-2', { ID: 'mysql-2', Service: 'mysql', Tags: ['replica'] });
    const post = (b: unknown) => call(dc2, '/v1/query', 'POST', b);
    expect((await post({ Name: '', Template: { Type: 'name_prefix_match' }, Service: { Service: '${name.full}' } })).status).toBe(200);
    expect(
      (await post({ Name: 'geo-db-', Template: { Type: 'name_prefix_match', Regexp: '^geo-db-(.*?)-([^-]+?)$', RemoveEmptyTags: true }, Service: { Service: '${match(1)}', Tags: ['${match(2)}', '${match(7)}'] } })).status,
    ).toBe(200);
    expect((await post({ Name: 'geo-db-static', Service: { Service: 'static' } })).status).toBe(200);
    const explain = async (name: string) => (await call(dc2, `/v1/query/${name}/explain`)).json().Query;
    expect((await explain('geo-db-mysql-primary')).Service).toMatchObject({ Service: 'mysql', Tags: ['primary'] });
    expect((await explain('geo-db-static')).Service.Service).toBe('static');
    expect((await explain('mysql')).Service.Service).toBe('mysql');
    const exec = (await call(dc2, '/v1/query/geo-db-mysql-replica/execute')).json();
    expect(exec.Nodes.map((n: { Node: { Node: string } }) => n.Node.Node)).toEqual(['geo-2']);
    // Executed from dc1 through ?dc=dc2.
    const remote = (await call(dcs.dc1!, '/v1/query/geo-db-mysql-primary/execute?dc=dc2')).json();
    expect([remote.Datacenter, remote.Nodes.map((n: { Node: { Node: string } }) => n.Node.Node)]).toEqual(['dc2', ['geo-1']]);
  });
});

describe('templates', () => {
  const tmpl = (Service: Record<string, unknown>, Regexp = '', Name = 'pre-') =>
    CompiledTemplate.compile({
      ID: 'x',
      Name,
      Session: '',
      Token: '',
      Template: { Type: 'name_prefix_match', Regexp, RemoveEmptyTags: false },
      Service: { Service: '', Failover: { NearestN: 0, Datacenters: [] }, OnlyPassing: false, IgnoreCheckIDs: [], Near: '', Tags: [], NodeMeta: {}, ServiceMeta: {}, Connect: { Enabled: false }, ...Service },
      DNS: { TTL: '' },
      CreateIndex: 1,
      ModifyIndex: 1,
    } as never);

  it('renders name.full, name.prefix, name.suffix, match(N) and $${ escapes, everywhere in Service', () => {
    const t = tmpl({ Service: '${name.suffix}', Near: '${name.full}', NodeMeta: { p: '${name.prefix}' }, Tags: ['$${literal}', 'x-${match(1)}-${ match( 0 ) }'] }, '^pre-(\\w+)');
    const q = t.render('pre-web');
    expect(q.Service).toMatchObject({ Service: 'web', Near: 'pre-web', NodeMeta: { p: 'pre-' }, Tags: ['${literal}', 'x-web-pre-web'] });
    // The prototype is untouched by a render.
    expect(t.render('pre-db').Service.Service).toBe('db');
  });

  it('answers an empty string for a group out of range or a name the Regexp does not match', () => {
    expect(tmpl({ Service: 'a${match(3)}b' }, '(x)').render('pre-y').Service.Service).toBe('ab');
  });

  it('filters instances as Consul does (unit)', () => {
    const entry = (status: string, tags: string[]) => ({ Node: { Node: 'n', Meta: {} }, Service: { Tags: tags, Meta: {} }, Checks: [{ CheckID: 'c', Status: status }] }) as never;
    const svc = { OnlyPassing: false, IgnoreCheckIDs: [], Tags: ['a'], NodeMeta: {}, ServiceMeta: {} } as never;
    expect(filterInstances([entry('passing', ['A']), entry('critical', ['a']), entry('warning', ['b'])], svc)).toHaveLength(1);
  });
});
