// Per-entry ACL filtering where Consul filters entry by entry rather than asking for rights on every name:
// coordinates (node:read per node), prepared queries (query rules on the query's name; unnamed ones for management
// only; execute filtered by node and service read of the query's token or the caller's; stored tokens hidden), the
// UI summaries (node and service read per entry), and ?filter on the ACL lists (go-bexpr over Consul's list stubs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '@conclave/state';
import { apiCall, startHarness, type Harness } from './harness.js';

let h: Harness;
let root = '';

async function req(method: string, path: string, token: string | undefined, body?: unknown) {
  const r = await apiCall(h.base, method, path, token, body);
  return { ...r, filtered: r.headers.get('x-consul-results-filtered-by-acls') };
}

async function tokenWith(name: string, rules: string): Promise<{ secret: string; accessor: string; policy: string }> {
  const p = await req('PUT', '/v1/acl/policy', root, { Name: name, Rules: rules });
  expect(p.status).toBe(200);
  const t = (await req('PUT', '/v1/acl/token', root, { Description: `token ${name}`, Policies: [{ ID: p.json.ID }] })).json;
  return { secret: t.SecretID, accessor: t.AccessorID, policy: p.json.ID };
}

const coord = { Vec: [0.1, 0, 0, 0, 0, 0, 0, 0], Error: 0.5, Adjustment: 0, Height: 0.0001 };

beforeAll(async () => {
  h = await startHarness({ acl: { defaultPolicy: 'deny' } });
  root = (await req('PUT', '/v1/acl/bootstrap', undefined)).json.SecretID;
  const reg = (Node: string, ID: string, Service: string, status = 'passing'): Command =>
    ({
      type: 'catalog.register',
      Node,
      Address: `10.1.0.${Node.length}`,
      Service: { ID, Service, Port: 80 },
      Check: { CheckID: `check-${ID}`, Name: ID, Status: status, ServiceID: ID },
    }) as Command;
  await h.write(reg('web1', 'web', 'web'));
  await h.write(reg('web1', 'db-on-web1', 'db'));
  await h.write(reg('db1xx', 'db', 'db'));
  await h.write(reg('db1xx', 'web-on-db1', 'web'));
  await h.write({ type: 'coordinate.batch-update', Updates: ['web1', 'db1xx'].map((Node) => ({ Node, Segment: '', Coord: coord })) } as Command);
});
afterAll(async () => {
  await h.close();
});

describe('coordinates', () => {
  it('lists only the nodes the token may read, with the filtered header', async () => {
    const t = await tokenWith('coord-web1', 'node "web1" { policy = "read" }');
    const mine = await req('GET', '/v1/coordinate/nodes', t.secret);
    expect(mine.status).toBe(200);
    expect(mine.json.map((c: { Node: string }) => c.Node)).toEqual(['web1']);
    expect(mine.filtered).toBe('true');
    const all = await req('GET', '/v1/coordinate/nodes', root);
    expect(all.json.map((c: { Node: string }) => c.Node).sort()).toEqual(['db1xx', 'web1']);
    expect(all.filtered).toBeNull();
    expect((await req('GET', '/v1/coordinate/node/web1', t.secret)).status).toBe(200);
    expect((await req('GET', '/v1/coordinate/node/db1xx', t.secret)).text).toMatch(/lacks permission 'node:read' on "db1xx"/);
  });

  it('takes node:write on the node a coordinate update is for', async () => {
    const t = await tokenWith('coord-writer', 'node "web1" { policy = "write" }');
    expect((await req('PUT', '/v1/coordinate/update', t.secret, { Node: 'web1', Coord: coord })).status).toBe(200);
    const other = await req('PUT', '/v1/coordinate/update', t.secret, { Node: 'db1xx', Coord: coord });
    expect(other.status).toBe(403);
    expect(other.text).toBe(`Permission denied: token with AccessorID '${t.accessor}' lacks permission 'node:write' on "db1xx"`);
  });
});

describe('prepared queries', () => {
  let named = '';
  let unnamed = '';
  let template = '';
  let withToken = '';
  let webReader = { secret: '', accessor: '', policy: '' };

  beforeAll(async () => {
    webReader = await tokenWith('web-everything', 'service "web" { policy = "read" }\nnode "web1" { policy = "read" }');
    named = (await req('POST', '/v1/query', root, { Name: 'web-q', Service: { Service: 'web' } })).json.ID;
    unnamed = (await req('POST', '/v1/query', root, { Service: { Service: 'web' } })).json.ID;
    template = (await req('POST', '/v1/query', root, { Name: 'tpl-', Template: { Type: 'name_prefix_match' }, Service: { Service: '${name.suffix}' } })).json.ID;
    withToken = (await req('POST', '/v1/query', root, { Name: 'web-tokened', Token: webReader.secret, Service: { Service: 'web' } })).json.ID;
    for (const id of [named, unnamed, template, withToken]) expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('lists and reads by query rules on the name; unnamed queries are for management tokens; tokens hidden', async () => {
    const t = await tokenWith('query-web', 'query_prefix "web" { policy = "read" }');
    const list = await req('GET', '/v1/query', t.secret);
    expect(list.status).toBe(200);
    expect(list.json.map((q: { Name: string }) => q.Name).sort()).toEqual(['web-q', 'web-tokened']);
    expect(list.filtered).toBe('true');
    expect(list.json.find((q: { Name: string }) => q.Name === 'web-tokened').Token).toBe('<hidden>');
    expect(list.json.find((q: { Name: string }) => q.Name === 'web-q').Token).toBe('');
    const all = await req('GET', '/v1/query', root);
    expect(all.json).toHaveLength(4);
    expect(all.json.find((q: { Name: string }) => q.Name === 'web-tokened').Token).toBe(webReader.secret);
    // Anonymous: an empty list, not a refusal (Consul filters).
    expect((await req('GET', '/v1/query', undefined)).json).toEqual([]);

    expect((await req('GET', `/v1/query/${named}`, t.secret)).json[0].Name).toBe('web-q');
    for (const id of [unnamed, template]) {
      const denied = await req('GET', `/v1/query/${id}`, t.secret);
      expect(denied.status).toBe(403);
      expect(denied.text).toBe('Permission denied');
    }
    expect((await req('GET', `/v1/query/${unnamed}`, root)).status).toBe(200);
    expect((await req('GET', `/v1/query/${named}/explain`, t.secret)).status).toBe(200);
    expect((await req('GET', `/v1/query/${unnamed}/explain`, t.secret)).text).toBe('Permission denied');
  });

  it('creates, updates and deletes with query:write on the name, checking the stored name too', async () => {
    const t = await tokenWith('query-web-writer', 'query_prefix "web" { policy = "write" }');
    const mine = await req('POST', '/v1/query', t.secret, { Name: 'web-new', Service: { Service: 'web' } });
    expect(mine.status).toBe(200);
    const other = await req('POST', '/v1/query', t.secret, { Name: 'db-new', Service: { Service: 'db' } });
    expect(other.status).toBe(403);
    expect(other.text).toMatch(/lacks permission 'query:write' on "db-new"/);
    // Renaming out of its reach, or taking over a query it cannot write, is refused.
    expect((await req('PUT', `/v1/query/${mine.json.ID}`, t.secret, { Name: 'db-stolen', Service: { Service: 'web' } })).status).toBe(403);
    expect((await req('PUT', `/v1/query/${template}`, t.secret, { Name: 'web-taken', Service: { Service: 'web' } })).status).toBe(403);
    expect((await req('PUT', `/v1/query/${mine.json.ID}`, t.secret, { Name: 'web-renamed', Service: { Service: 'web' } })).status).toBe(200);
    expect((await req('DELETE', `/v1/query/${template}`, t.secret)).status).toBe(403);
    expect((await req('DELETE', `/v1/query/${mine.json.ID}`, t.secret)).status).toBe(200);
    // A query without a name is governed by no rule: any token may create one (only management can list it).
    expect((await req('POST', '/v1/query', undefined, { Service: { Service: 'web' } })).status).toBe(200);
  });

  it('executes for anyone holding the ID or name, answering only the instances its token may read', async () => {
    const anon = await req('GET', `/v1/query/${named}/execute`, undefined);
    expect(anon.status).toBe(200);
    expect(anon.json.Nodes).toEqual([]);
    const mine = await req('GET', '/v1/query/web-q/execute', webReader.secret);
    // web on web1 only: web on db1xx sits on a node the token cannot read.
    expect(mine.json.Nodes.map((e: { Node: { Node: string }; Service: { ID: string } }) => `${e.Node.Node}/${e.Service.ID}`)).toEqual(['web1/web']);
    const all = await req('GET', '/v1/query/web-q/execute', root);
    expect(all.json.Nodes).toHaveLength(2);
    // A query with a Token of its own filters with that token, whoever executes it.
    const tokened = await req('GET', `/v1/query/${withToken}/execute`, undefined);
    expect(tokened.json.Nodes.map((e: { Service: { ID: string } }) => e.Service.ID)).toEqual(['web']);
  });
});

describe('UI summaries', () => {
  it('summarise only the instances, nodes, services and checks the token may read', async () => {
    const t = await tokenWith('ui-web1', 'node "web1" { policy = "read" }\nservice "web" { policy = "read" }');
    const services = await req('GET', '/v1/internal/ui/services', t.secret);
    expect(services.status).toBe(200);
    expect(services.filtered).toBe('true');
    expect(services.json.map((s: { Name: string; Nodes: string[]; InstanceCount: number }) => [s.Name, s.Nodes, s.InstanceCount])).toEqual([['web', ['web1'], 1]]);
    const allServices = await req('GET', '/v1/internal/ui/services', root);
    expect(allServices.json.map((s: { Name: string }) => s.Name)).toEqual(['consul', 'db', 'web']);
    expect(allServices.filtered).toBeNull();

    const nodes = await req('GET', '/v1/internal/ui/nodes', t.secret);
    expect(nodes.json.map((n: { Node: string }) => n.Node)).toEqual(['web1']);
    expect(nodes.json[0].Services.map((s: { ID: string }) => s.ID)).toEqual(['web']);
    expect(nodes.json[0].Checks.map((c: { CheckID: string }) => c.CheckID)).toEqual(['check-web']);
    expect(nodes.filtered).toBe('true');

    const node = await req('GET', '/v1/internal/ui/node/web1', t.secret);
    expect(node.json.Services.map((s: { ID: string }) => s.ID)).toEqual(['web']);
    expect(node.filtered).toBe('true');
    const hidden = await req('GET', '/v1/internal/ui/node/db1xx', t.secret);
    expect(hidden.status).toBe(404);
    expect(hidden.filtered).toBe('true');
    expect((await req('GET', '/v1/internal/ui/node/db1xx', root)).json.Services).toHaveLength(2);
    expect((await req('GET', '/v1/internal/ui/services', undefined)).json).toEqual([]);
  });
});

describe('?filter on the ACL lists', () => {
  it('filters tokens, policies and roles with go-bexpr over Consul\'s list types', async () => {
    const a = await tokenWith('bexpr-a', 'key "a" { policy = "read" }');
    const role = await req('PUT', '/v1/acl/role', root, { Name: 'bexpr-role', Description: 'for filters', Policies: [{ ID: a.policy }], ServiceIdentities: [{ ServiceName: 'api' }] });
    expect(role.status).toBe(200);
    const tokens = await req('GET', `/v1/acl/tokens?filter=${encodeURIComponent('Description == "token bexpr-a"')}`, root);
    expect(tokens.json.map((t: { AccessorID: string }) => t.AccessorID)).toEqual([a.accessor]);
    const byPolicy = await req('GET', `/v1/acl/tokens?filter=${encodeURIComponent('Policies.Name contains "bexpr"')}`, root);
    expect(byPolicy.json.map((t: { AccessorID: string }) => t.AccessorID)).toEqual([a.accessor]);
    const policies = await req('GET', `/v1/acl/policies?filter=${encodeURIComponent('Name matches "^bexpr-"')}`, root);
    expect(policies.json.map((p: { Name: string }) => p.Name)).toEqual(['bexpr-a']);
    const roles = await req('GET', `/v1/acl/roles?filter=${encodeURIComponent('"api" in ServiceIdentities.ServiceName')}`, root);
    expect(roles.json.map((r: { Name: string }) => r.Name)).toEqual(['bexpr-role']);
    const none = await req('GET', `/v1/acl/roles?filter=${encodeURIComponent('ServiceIdentities is empty')}`, root);
    expect(none.json).toEqual([]);
    const bad = await req('GET', `/v1/acl/policies?filter=${encodeURIComponent('Rules == "x"')}`, root);
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/Selector .*Rules.* is not valid/);
  });
});
