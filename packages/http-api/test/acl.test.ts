// ACLs over HTTP: the /v1/acl endpoints with Consul's shapes and texts, and enforcement of a deny-by-default
// cluster through the gate, list filtering and the handlers' own checks. The npm consul client drives what it
// has (bootstrap, and every call with its token option).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Consul from 'consul';
import { connect } from 'node:net';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
let consul: Consul;
let root = '';

async function req(method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.base}${path}`, {
    method,
    headers: { ...(token !== undefined ? { 'X-Consul-Token': token } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json: json as any, headers: res.headers };
}

beforeAll(async () => {
  h = await startHarness({ acl: { defaultPolicy: 'deny' } });
  consul = new Consul({ host: '127.0.0.1', port: h.port });
});
afterAll(async () => {
  consul.destroy();
  await h.close();
});

describe('/v1/acl with default_policy deny', () => {
  it('bootstraps once with the consul client, then refuses with the reset index', async () => {
    const token = (await consul.acl.bootstrap()) as any;
    expect(token).toMatchObject({
      Description: 'Bootstrap Token (Global Management)',
      Policies: [{ ID: '00000000-0000-0000-0000-000000000001', Name: 'global-management' }],
      Local: false,
    });
    expect(token.AccessorID).toMatch(/^[0-9a-f-]{36}$/);
    expect(token.SecretID).toMatch(/^[0-9a-f-]{36}$/);
    expect(token).not.toHaveProperty('Roles');
    root = token.SecretID;
    const again = await req('PUT', '/v1/acl/bootstrap', undefined);
    expect(again.status).toBe(403);
    expect(again.text).toMatch(/^Permission denied: ACL bootstrap no longer allowed \(reset index: \d+\)$/);
  });

  it('denies anonymous requests and unknown tokens with Consul\'s texts', async () => {
    const anon = await req('PUT', '/v1/kv/app/x', undefined, 'v');
    expect(anon.status).toBe(403);
    expect(anon.text).toBe(`Permission denied: token with AccessorID '00000000-0000-0000-0000-000000000002' lacks permission 'key:write' on "app/x"`);
    const unknown = await req('GET', '/v1/kv/app/x', 'no-such-secret');
    expect(unknown.status).toBe(403);
    expect(unknown.text).toBe('ACL not found');
    expect((await req('GET', '/v1/acl/policies', undefined)).status).toBe(403);
  });

  it('creates a policy and a token, which can write app/ and read only web', async () => {
    const bad = await req('PUT', '/v1/acl/policy', root, { Name: 'broken', Rules: 'key_prefix "app/" {\n  policy = "write"\n' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/^Invalid Policy: Failed to parse ACL rules: At \d+:\d+: /);
    const invalid = await req('PUT', '/v1/acl/policy', root, { Name: 'broken', Rules: 'key_prefix "app/" {\n  policy = "admin"\n}' });
    expect(invalid.status).toBe(400);
    expect(invalid.text).toMatch(/\(at line 2, column 3\)$/);
    expect((await req('GET', '/v1/acl/policy/name/broken', root)).status).toBe(403);

    const policy = await req('PUT', '/v1/acl/policy', root, { Name: 'app', Description: 'app writer', Rules: 'key_prefix "app/" { policy = "write" }\nservice "web" { policy = "read" }' });
    expect(policy.status).toBe(200);
    expect(policy.json).toMatchObject({ Name: 'app', Description: 'app writer', Hash: expect.any(String) });
    expect((await req('GET', `/v1/acl/policy/name/app`, root)).json.ID).toBe(policy.json.ID);

    const unknownPolicy = await req('PUT', '/v1/acl/token', root, { Policies: [{ ID: 'nope' }] });
    expect(unknownPolicy.status).toBe(400);
    expect(unknownPolicy.text).toBe('No such ACL policy with ID "nope"');

    const tok = await req('PUT', '/v1/acl/token', root, { Description: 'app', Policies: [{ Name: 'app' }] });
    expect(tok.status).toBe(200);
    expect(tok.json.Policies).toEqual([{ ID: policy.json.ID, Name: 'app' }]);
    const secret = tok.json.SecretID as string;

    const app = new Consul({ host: '127.0.0.1', port: h.port, defaults: { token: secret } });
    try {
      expect(await app.kv.set('app/x', '1')).toBe(true);
      await h.write({ type: 'kv.set', Key: 'secret/y', Value: new TextEncoder().encode('s'), Flags: '0' });
      const refused = await app.kv.get('secret/y').then(
        () => undefined,
        (err: { response?: { statusCode?: number; body?: unknown } }) => err.response,
      );
      expect(refused?.statusCode).toBe(403);
      expect(String(refused?.body)).toBe(`Permission denied: token with AccessorID '${tok.json.AccessorID}' lacks permission 'key:read' on "secret/y"`);
      const denied = await req('GET', '/v1/kv/secret/y', undefined, undefined, { Authorization: `Bearer ${secret}` });
      expect(denied.status).toBe(403);
      expect((await req('GET', `/v1/kv/app/x?token=${secret}`, undefined)).status).toBe(200);

      // Lists: only what the token may read, with Consul's header.
      const all = await req('GET', '/v1/kv/?recurse', secret);
      expect(all.json.map((e: { Key: string }) => e.Key)).toEqual(['app/x']);
      expect(all.headers.get('x-consul-results-filtered-by-acls')).toBe('true');
      const keys = await req('GET', '/v1/kv/?keys', secret);
      expect(keys.json).toEqual(['app/x']);
      await h.write({ type: 'catalog.register', Node: 'n2', Address: '10.0.0.2', Service: { ID: 'web', Service: 'web', Port: 80 } });
      await h.write({ type: 'catalog.register', Node: 'n2', Address: '10.0.0.2', Service: { ID: 'db', Service: 'db', Port: 5432 } });
      const services = await req('GET', '/v1/catalog/services', secret);
      expect(Object.keys(services.json)).toEqual(['web']);
      expect(services.headers.get('x-consul-results-filtered-by-acls')).toBe('true');
      const rootServices = await req('GET', '/v1/catalog/services', root);
      expect(Object.keys(rootServices.json).sort()).toEqual(['consul', 'db', 'web']);
      expect(rootServices.headers.get('x-consul-results-filtered-by-acls')).toBeNull();
      expect((await req('GET', '/v1/catalog/service/db', secret)).status).toBe(403);
      expect((await req('GET', '/v1/health/service/web', secret)).status).toBe(200);

      // The token cannot manage ACLs, nor register services it may only read.
      expect((await req('GET', '/v1/acl/tokens', secret)).status).toBe(403);
      const reg = await req('PUT', '/v1/catalog/register', secret, { Node: 'n3', Address: '1.2.3.4', Service: { Service: 'web' } });
      expect(reg.status).toBe(403);
      expect(reg.text).toMatch(/lacks permission 'service:write' on "web"/);

      // token/self answers for the token itself.
      expect((await req('GET', '/v1/acl/token/self', secret)).json.AccessorID).toBe(tok.json.AccessorID);

      // Deleted: the next request is refused.
      expect((await req('DELETE', `/v1/acl/token/${tok.json.AccessorID}`, root)).json).toBe(true);
      expect((await req('GET', '/v1/kv/app/x', secret)).text).toBe('ACL not found');
    } finally {
      app.destroy();
    }
  });

  it('reads, updates, clones, lists and filters tokens, policies and roles', async () => {
    const p = (await req('PUT', '/v1/acl/policy', root, { Name: 'reader', Rules: 'key_prefix "" { policy = "read" }' })).json;
    const role = await req('PUT', '/v1/acl/role', root, { Name: 'readers', Policies: [{ ID: p.ID }] });
    expect(role.json).toMatchObject({ Name: 'readers', Policies: [{ ID: p.ID, Name: 'reader' }] });
    expect((await req('GET', '/v1/acl/role/name/readers', root)).json.ID).toBe(role.json.ID);
    const t = (await req('PUT', '/v1/acl/token', root, { Description: 'via role', Roles: [{ Name: 'readers' }] })).json;
    expect((await req('GET', '/v1/kv/app/x', t.SecretID)).status).toBe(200);
    expect((await req('PUT', '/v1/kv/app/x', t.SecretID, 'v')).status).toBe(403);

    const updated = await req('PUT', `/v1/acl/token/${t.AccessorID}`, root, { Description: 'renamed', Roles: [{ ID: role.json.ID }], Policies: [{ ID: p.ID }] });
    expect(updated.json).toMatchObject({ AccessorID: t.AccessorID, SecretID: t.SecretID, Description: 'renamed' });
    const clone = await req('PUT', `/v1/acl/token/${t.AccessorID}/clone`, root, { Description: 'copy' });
    expect(clone.json).toMatchObject({ Description: 'copy', Roles: [{ ID: role.json.ID, Name: 'readers' }] });
    expect(clone.json.SecretID).not.toBe(t.SecretID);

    const byPolicy = await req('GET', `/v1/acl/tokens?policy=${p.ID}`, root);
    expect(byPolicy.json.map((x: { AccessorID: string }) => x.AccessorID)).toEqual([t.AccessorID, clone.json.AccessorID]);
    const onlyApp = await req('GET', `/v1/acl/tokens?policy=${(await req('GET', '/v1/acl/policy/name/app', root)).json.ID}`, root);
    expect(onlyApp.json).toEqual([]);
    const byRole = await req('GET', `/v1/acl/tokens?role=${role.json.ID}`, root);
    expect(byRole.json).toHaveLength(2);
    expect(Number(byRole.headers.get('x-consul-index'))).toBeGreaterThan(0);
    const policies = (await req('GET', '/v1/acl/policies', root)).json;
    expect(policies.map((x: { Name: string }) => x.Name)).toEqual(['app', 'global-management', 'reader']);
    expect(policies[0]).not.toHaveProperty('Rules');
    expect((await req('GET', '/v1/acl/roles', root)).json.map((x: { Name: string }) => x.Name)).toEqual(['readers']);

    expect((await req('DELETE', '/v1/acl/policy/00000000-0000-0000-0000-000000000001', root)).status).toBe(403);
    expect((await req('DELETE', `/v1/acl/role/${role.json.ID}`, root)).json).toBe(true);
    expect((await req('GET', `/v1/acl/role/${role.json.ID}`, root)).text).toBe('ACL not found');
  });

  it('lets the anonymous token be granted what a deny cluster should serve to everyone', async () => {
    const p = (await req('PUT', '/v1/acl/policy', root, { Name: 'public', Rules: 'key_prefix "public/" { policy = "read" }' })).json;
    await req('PUT', '/v1/acl/token/00000000-0000-0000-0000-000000000002', root, { Policies: [{ ID: p.ID }] });
    await h.write({ type: 'kv.set', Key: 'public/motd', Value: new TextEncoder().encode('hi'), Flags: '0' });
    expect((await req('GET', '/v1/kv/public/motd', undefined)).status).toBe(200);
    expect((await req('GET', '/v1/kv/app/x', undefined)).status).toBe(403);
    expect((await req('DELETE', '/v1/acl/token/00000000-0000-0000-0000-000000000002', root)).status).toBe(403);
  });

  it('filters health states, sessions, members and agent services by what the token may read', async () => {
    const p = (await req('PUT', '/v1/acl/policy', root, { Name: 'db-reader', Rules: 'service "db" { policy = "read" }\nnode "n2" { policy = "read" }\nsession "n2" { policy = "read" }' })).json;
    const t = (await req('PUT', '/v1/acl/token', root, { Policies: [{ ID: p.ID }] })).json.SecretID as string;
    await h.write({ type: 'catalog.register', Node: 'n2', Address: '10.0.0.2', Check: { CheckID: 'db-check', Name: 'db', Status: 'passing', ServiceID: 'db' } });
    const all = await req('GET', '/v1/health/state/any', root);
    const mine = await req('GET', '/v1/health/state/any', t);
    expect(all.json.length).toBeGreaterThan(mine.json.length);
    expect(mine.json.map((c: { Node: string }) => c.Node)).toEqual(mine.json.map(() => 'n2'));
    expect(mine.headers.get('x-consul-results-filtered-by-acls')).toBe('true');

    await h.write({ type: 'session.create', Session: { ID: 's-n1', Node: 'node1', Behavior: 'release', LockDelay: 0, TTL: '', NodeChecks: [] } as never, Now: 0 });
    await h.write({ type: 'session.create', Session: { ID: 's-n2', Node: 'n2', Behavior: 'release', LockDelay: 0, TTL: '', NodeChecks: [] } as never, Now: 0 });
    const sessions = await req('GET', '/v1/session/list', t);
    expect(sessions.json.map((x: { ID: string }) => x.ID)).toEqual(['s-n2']);
    expect(sessions.headers.get('x-consul-results-filtered-by-acls')).toBe('true');
    expect((await req('GET', '/v1/session/list', root)).json).toHaveLength(2);

    const services = await req('GET', '/v1/agent/services', t);
    expect(services.json).toEqual({});
    expect(services.headers.get('x-consul-results-filtered-by-acls')).toBe('true');
    expect(Object.keys((await req('GET', '/v1/agent/services', root)).json)).toEqual(['web']);
    const members = await req('GET', '/v1/agent/members', t);
    expect(members.json).toEqual([]);
    expect((await req('GET', '/v1/agent/members', root)).json).toHaveLength(1);
  });

  it('checks the agent\'s service endpoints against the service they are about', async () => {
    const p = (await req('PUT', '/v1/acl/policy', root, { Name: 'web-writer', Rules: 'service "web" { policy = "write" }' })).json;
    const t = (await req('PUT', '/v1/acl/token', root, { Policies: [{ ID: p.ID }] })).json.SecretID as string;
    expect((await req('PUT', '/v1/agent/service/register', t, { Name: 'web', Port: 80 })).status).toBe(200);
    const db = await req('PUT', '/v1/agent/service/register', t, { Name: 'db', Port: 5432 });
    expect(db.status).toBe(403);
    expect(db.text).toMatch(/lacks permission 'service:write' on "db"$/);
    expect((await req('PUT', '/v1/agent/service/deregister/web/1', t)).status).toBe(200);
    expect((await req('PUT', '/v1/agent/service/deregister/web/1', undefined)).status).toBe(403);
    expect((await req('GET', '/v1/agent/service/web/1', t)).status).toBe(200);
    // A node check needs node:write on this agent's node.
    expect((await req('PUT', '/v1/agent/check/register', t, { Name: 'disk', TTL: '10s' })).text).toMatch(/lacks permission 'node:write' on "node1"/);
  });

  it('checks every operation of a transaction before applying any', async () => {
    const p = (await req('PUT', '/v1/acl/policy', root, { Name: 'txn-app', Rules: 'key_prefix "txn/" { policy = "write" }' })).json;
    const t = (await req('PUT', '/v1/acl/token', root, { Policies: [{ ID: p.ID }] })).json.SecretID as string;
    const ok = await req('PUT', '/v1/txn', t, [{ KV: { Verb: 'set', Key: 'txn/a', Value: 'YQ==' } }]);
    expect(ok.status).toBe(200);
    const mixed = await req('PUT', '/v1/txn', t, [
      { KV: { Verb: 'set', Key: 'txn/b', Value: 'Yg==' } },
      { KV: { Verb: 'set', Key: 'other/c', Value: 'Yw==' } },
    ]);
    expect(mixed.status).toBe(403);
    expect(mixed.text).toMatch(/lacks permission 'key:write' on "other\/c"/);
    expect((await req('GET', '/v1/kv/txn/b', root)).status).toBe(404);
  });

  it('needs a management token for endpoints without a row, and none for status', async () => {
    expect((await req('GET', '/v1/status/leader', undefined)).status).toBe(200);
    const snap = await req('GET', '/v1/snapshot', undefined);
    expect(snap.status).toBe(403);
    expect(snap.text).toMatch(/lacks permission 'acl:write'/);
  });

  it('checks the rows of the endpoints other branches added: prepared queries, coordinates, operator usage', async () => {
    const policy = await req('PUT', '/v1/acl/policy', root, { Name: 'query-reader', Rules: 'query_prefix "" {\n  policy = "read"\n}\nnode_prefix "" {\n  policy = "read"\n}' });
    expect(policy.status).toBe(200);
    const token = await req('PUT', '/v1/acl/token', root, { Policies: [{ ID: policy.json.ID }] });
    const secret = token.json.SecretID as string;
    expect((await req('GET', '/v1/query', secret)).status).toBe(200);
    const create = await req('POST', '/v1/query', secret, { Name: 'q', Service: { Service: 'web' } });
    expect(create.status).toBe(403);
    expect(create.text).toMatch(/lacks permission 'query:write'/);
    // Consul filters the list by query:read on each query's name: anonymous gets an empty list, not a 403.
    expect((await req('GET', '/v1/query', undefined)).json).toEqual([]);
    expect((await req('GET', '/v1/coordinate/nodes', secret)).status).toBe(200);
    expect((await req('GET', '/v1/coordinate/datacenters', undefined)).status).not.toBe(403);
    expect((await req('GET', '/v1/operator/usage', secret)).text).toMatch(/lacks permission 'operator:read'/);
  });
});

describe('where the token comes from', () => {
  /** One raw request, so that header names, order and duplicates are exactly as written. */
  function raw(headerLines: string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const sock = connect(h.port, '127.0.0.1', () => {
        sock.write(['GET /v1/kv/app/x HTTP/1.1', 'Host: 127.0.0.1', 'Connection: close', ...headerLines, '', ''].join('\r\n'));
      });
      let text = '';
      sock.on('data', (d) => (text += d));
      sock.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1])));
      sock.on('error', reject);
    });
  }

  it('takes the first X-Consul-Token, then Authorization: Bearer, as Consul\'s Header.Get does', async () => {
    const policy = await req('PUT', '/v1/acl/policy', root, { Name: 'token-sources', Rules: 'key_prefix "app/" { policy = "read" }' });
    const tok = await req('PUT', '/v1/acl/token', root, { Policies: [{ ID: policy.json.ID }] });
    const secret = tok.json.SecretID as string;
    await h.write({ type: 'kv.set', Key: 'app/x', Value: new TextEncoder().encode('1'), Flags: '0' });
    expect(await raw([`x-consul-token: ${secret}`])).toBe(200);
    expect(await raw([`X-CONSUL-TOKEN: ${secret}`, 'X-Consul-Token: not-a-token'])).toBe(200);
    expect(await raw(['X-Consul-Token: not-a-token', `X-Consul-Token: ${secret}`])).toBe(403);
    // An empty first X-Consul-Token is no token: Authorization decides (and a second X-Consul-Token does not).
    expect(await raw(['X-Consul-Token:', `X-Consul-Token: ${secret}`])).toBe(403);
    expect(await raw(['X-Consul-Token:', `authorization: bearer  ${secret} `])).toBe(200);
    expect(await raw([`Authorization: Basic ${secret}`])).toBe(403);
    expect(await raw([])).toBe(403);
  });

  it('carries the token into ?cached reads, which the cache answers per token', async () => {
    await h.write({ type: 'catalog.register', Node: 'n-cached', Address: '10.0.0.9', Service: { ID: 'cached-svc', Service: 'cached-svc', Port: 80 } });
    const policy = await req('PUT', '/v1/acl/policy', root, { Name: 'cached-reader', Rules: 'service "cached-svc" { policy = "read" }' });
    const narrow = (await req('PUT', '/v1/acl/token', root, { Policies: [{ ID: policy.json.ID }] })).json.SecretID as string;
    const asRoot = await req('GET', '/v1/catalog/services?cached', root);
    expect(asRoot.status).toBe(200);
    expect(Object.keys(asRoot.json)).toContain('cached-svc');
    expect(Object.keys(asRoot.json).length).toBeGreaterThan(1);
    const asNarrow = await req('GET', '/v1/catalog/services?cached', narrow);
    expect(asNarrow.json).toEqual({ 'cached-svc': [] });
    expect(asNarrow.headers.get('x-consul-results-filtered-by-acls')).toBe('true');
    expect((await req('GET', '/v1/catalog/services?cached', undefined)).json).toEqual({});
  });

  it('resolves each request of a keep-alive connection by its own token, however the tokens alternate', async () => {
    // The resolver remembers the digest of the secret a connection sent last (toolkit's secret-digest.ts): a
    // different secret on the same connection, or a token deleted in between, must still be answered afresh.
    const policy = await req('PUT', '/v1/acl/policy', root, { Name: 'keepalive-reader', Rules: 'key_prefix "ka/" { policy = "read" }' });
    const reader = (await req('PUT', '/v1/acl/token', root, { Policies: [{ ID: policy.json.ID }] })).json;
    await h.write({ type: 'kv.set', Key: 'ka/x', Value: new TextEncoder().encode('1'), Flags: '0' });
    await h.write({ type: 'kv.set', Key: 'other/x', Value: new TextEncoder().encode('1'), Flags: '0' });
    const sock = connect(h.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
    let buffered = '';
    sock.on('data', (d) => (buffered += d));
    async function get(path: string, token: string): Promise<number> {
      const before = buffered.length;
      sock.write([`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', `X-Consul-Token: ${token}`, '', ''].join('\r\n'));
      for (;;) {
        const m = /^HTTP\/1\.1 (\d+)[^]*?\r\nContent-Length: (\d+)\r\n[^]*?\r\n\r\n/i.exec(buffered.slice(before));
        if (m && buffered.length - before >= m.index + m[0].length + Number(m[2])) {
          buffered = buffered.slice(0, before + m.index + m[0].length + Number(m[2]));
          return Number(m[1]);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    try {
      expect(await get('/v1/kv/other/x', reader.SecretID)).toBe(403);
      expect(await get('/v1/kv/ka/x', reader.SecretID)).toBe(200);
      expect(await get('/v1/kv/other/x', root)).toBe(200);
      expect(await get('/v1/kv/other/x', reader.SecretID)).toBe(403);
      // Same length as the reader's secret, one character apart.
      const near = reader.SecretID.slice(0, -1) + (reader.SecretID.endsWith('0') ? '1' : '0');
      expect(await get('/v1/kv/ka/x', near)).toBe(403);
      expect(await get('/v1/kv/ka/x', reader.SecretID)).toBe(200);
      expect((await req('DELETE', `/v1/acl/token/${reader.AccessorID}`, root)).status).toBe(200);
      expect(await get('/v1/kv/ka/x', reader.SecretID)).toBe(403);
    } finally {
      sock.destroy();
    }
  });
});

describe('a token that expires', () => {
  it('stops working at its ExpirationTime although its resolution is cached', async () => {
    let clock = Date.parse('2026-12-07T12:00:00Z');
    const e = await startHarness({ acl: { defaultPolicy: 'deny' }, now: () => clock });
    try {
      const call = async (method: string, path: string, token: string, body?: unknown) => {
        const res = await fetch(`${e.base}${path}`, { method, headers: { 'X-Consul-Token': token }, body: body === undefined ? undefined : JSON.stringify(body) });
        return { status: res.status, text: await res.text() };
      };
      const boot = JSON.parse((await call('PUT', '/v1/acl/bootstrap', '')).text);
      const policy = JSON.parse((await call('PUT', '/v1/acl/policy', boot.SecretID, { Name: 'kv', Rules: 'key_prefix "" { policy = "write" }' })).text);
      const token = JSON.parse((await call('PUT', '/v1/acl/token', boot.SecretID, { Policies: [{ ID: policy.ID }], ExpirationTTL: '10m' })).text);
      expect(Date.parse(token.ExpirationTime)).toBe(clock + 600_000);
      // Resolved (and cached) twice before it expires, the second time on the same keep-alive connection.
      expect((await call('PUT', '/v1/kv/a', token.SecretID, 'x')).status).toBe(200);
      expect((await call('GET', '/v1/kv/a', token.SecretID)).status).toBe(200);
      clock += 599_000;
      expect((await call('GET', '/v1/kv/a', token.SecretID)).status).toBe(200);
      clock += 1_000;
      expect(await call('GET', '/v1/kv/a', token.SecretID)).toEqual({ status: 403, text: 'ACL not found' });
      expect((await call('GET', '/v1/kv/a', boot.SecretID)).status).toBe(200);
    } finally {
      await e.close();
    }
  });
});

describe('/v1/acl with ACLs off', () => {
  it('answers 401 ACL support disabled and ignores tokens elsewhere', async () => {
    const off = await startHarness();
    try {
      const res = await fetch(`${off.base}/v1/acl/bootstrap`, { method: 'PUT' });
      expect(res.status).toBe(401);
      expect(await res.text()).toBe('ACL support disabled');
      const kv = await fetch(`${off.base}/v1/kv/a`, { method: 'PUT', body: 'x', headers: { 'X-Consul-Token': 'whatever' } });
      expect(kv.status).toBe(200);
    } finally {
      await off.close();
    }
  });
});
