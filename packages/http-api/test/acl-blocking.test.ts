// Blocking queries on lists filtered by ACLs (docs/acl.md, "Blocking queries and hidden data"): a write the token
// cannot read neither wakes the blocked caller nor shows in the X-Consul-Index it gets; a write it can read wakes
// it, at that write's index. Checked on KV keys and recurse, catalog services, health service and session list.
//
// "Does not wake" is checked without timing: after the hidden write is applied, one more request round trip lets
// the agent run everything the write set off; the blocked request must still be open, and the answer it finally
// gives must hold the visible write that came after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '@conclave/state';
import { apiCall, startHarness, type Harness } from './harness.js';

let h: Harness;
let root = '';

async function req(method: string, path: string, token: string | undefined, body?: unknown) {
  const r = await apiCall(h.base, method, path, token, body);
  return { ...r, index: Number(r.headers.get('x-consul-index')), filtered: r.headers.get('x-consul-results-filtered-by-acls') };
}

/** A blocking GET, and whether it has answered yet. */
function blocked(path: string, token: string) {
  const call = { settled: false, answer: undefined as unknown as Promise<Awaited<ReturnType<typeof req>>> };
  call.answer = req('GET', path, token).finally(() => {
    call.settled = true;
  });
  return call;
}

/** Writes through the log and answers the index it was applied at. */
async function write(cmd: Command): Promise<number> {
  await h.write(cmd);
  return h.state.lastIndex;
}

/** One request round trip: whatever a write woke has run by the time it answers. */
async function settle(): Promise<void> {
  await req('GET', '/v1/status/leader', undefined);
  await req('GET', '/v1/status/leader', undefined);
}

async function tokenWith(name: string, rules: string): Promise<string> {
  const p = await req('PUT', '/v1/acl/policy', root, { Name: name, Rules: rules });
  expect(p.status).toBe(200);
  return (await req('PUT', '/v1/acl/token', root, { Policies: [{ ID: p.json.ID }] })).json.SecretID as string;
}

const kv = (Key: string, v: string): Command => ({ type: 'kv.set', Key, Value: new TextEncoder().encode(v), Flags: '0' }) as Command;

beforeAll(async () => {
  h = await startHarness({ acl: { defaultPolicy: 'deny' } });
  root = (await req('PUT', '/v1/acl/bootstrap', undefined)).json.SecretID;
});
afterAll(async () => {
  await h.close();
});

describe('blocking queries on lists filtered by ACLs', () => {
  it('KV recurse and keys: a hidden key neither wakes the caller nor moves its index; a visible one does', async () => {
    const t = await tokenWith('kv-app', 'key_prefix "app/" { policy = "read" }');
    const visible1 = await write(kv('app/a', '1'));
    await write(kv('secret/s', 'x'));
    for (const list of ['recurse', 'keys']) {
      const first = await req('GET', `/v1/kv/?${list}`, t);
      expect(first.filtered).toBe('true');
      // The index is the newest write the token can see, not the hidden one after it.
      expect(first.index).toBe(visible1);
    }
    const recurse = blocked(`/v1/kv/?recurse&index=${visible1}`, t);
    const keys = blocked(`/v1/kv/?keys&index=${visible1}`, t);
    await settle();
    await write(kv('secret/t', 'hidden'));
    await write({ type: 'kv.delete', Key: 'secret/s' } as Command);
    await settle();
    expect(recurse.settled).toBe(false);
    expect(keys.settled).toBe(false);

    const visible2 = await write(kv('app/b', '2'));
    const r = await recurse.answer;
    expect(r.json.map((e: { Key: string }) => e.Key)).toEqual(['app/a', 'app/b']);
    expect(r.index).toBe(visible2);
    const k = await keys.answer;
    expect(k.json).toEqual(['app/a', 'app/b']);
    expect(k.index).toBe(visible2);

    // A visible delete wakes it too (the tombstone's index), and a hidden write after it does not show.
    const again = blocked(`/v1/kv/app/?recurse&index=${visible2}`, t);
    const gone = await write({ type: 'kv.delete', Key: 'app/a' } as Command);
    expect((await again.answer).index).toBe(gone);
    await write(kv('secret/u', 'hidden'));
    expect((await req('GET', '/v1/kv/?keys', t)).index).toBe(gone);
    // A management token sees everything, the hidden writes' indexes included.
    expect((await req('GET', '/v1/kv/?keys', root)).index).toBeGreaterThan(gone);
  });

  it('a wait that times out with only hidden changes answers the caller\'s own index', async () => {
    const t = await tokenWith('kv-timeout', 'key_prefix "tmo/" { policy = "read" }\nkey_prefix "tmo/hidden/" { policy = "deny" }');
    const at = await write(kv('tmo/a', '1'));
    const call = blocked(`/v1/kv/tmo/?recurse&index=${at}&wait=300ms`, t);
    await settle();
    await write(kv('tmo/hidden/x', 'x'));
    await write(kv('tmo/hidden/y', 'y'));
    const r = await call.answer;
    expect(r.status).toBe(200);
    expect(r.index).toBe(at);
  });

  it('catalog services: a hidden service neither wakes nor shows; a visible one does', async () => {
    const t = await tokenWith('svc-web', 'service "web" { policy = "read" }');
    const reg = (Node: string, ID: string, Service: string, Port = 80): Command =>
      ({ type: 'catalog.register', Node, Address: '10.0.0.9', Service: { ID, Service, Port } }) as Command;
    const webAt = await write(reg('n9', 'web', 'web'));
    await write(reg('n9', 'db', 'db'));
    const first = await req('GET', '/v1/catalog/services', t);
    expect(Object.keys(first.json)).toEqual(['web']);
    expect(first.index).toBe(webAt);
    expect(first.filtered).toBe('true');

    const call = blocked(`/v1/catalog/services?index=${webAt}`, t);
    await settle();
    await write(reg('n9', 'cache', 'cache'));
    await write({ type: 'catalog.deregister', Node: 'n9', ServiceID: 'db' } as Command);
    await settle();
    expect(call.settled).toBe(false);
    const webAgain = await write(reg('n10', 'web', 'web'));
    const r = await call.answer;
    expect(Object.keys(r.json)).toEqual(['web']);
    expect(r.index).toBe(webAgain);

    // A deregistration of the visible service wakes the caller with its index.
    const next = blocked(`/v1/catalog/services?index=${webAgain}`, t);
    const gone = await write({ type: 'catalog.deregister', Node: 'n10', ServiceID: 'web' } as Command);
    expect((await next.answer).index).toBe(gone);
  });

  it('health service: a change to another service does not wake a query on a visible one', async () => {
    const t = await tokenWith('health-api', 'service "api" { policy = "read" }\nnode_prefix "" { policy = "read" }');
    const reg = (ID: string, Service: string, Node = 'h1'): Command =>
      ({ type: 'catalog.register', Node, Address: '10.0.1.1', Service: { ID, Service, Port: 81 } }) as Command;
    const at = await write(reg('api', 'api'));
    await write(reg('other', 'other'));
    const first = await req('GET', '/v1/health/service/api', t);
    expect(first.index).toBe(at);
    const call = blocked(`/v1/health/service/api?index=${at}`, t);
    await settle();
    await write(reg('other2', 'other'));
    await write({ type: 'catalog.register', Node: 'h1', Address: '10.0.1.1', Check: { CheckID: 'c-other', Name: 'c', Status: 'critical', ServiceID: 'other' } } as Command);
    await settle();
    expect(call.settled).toBe(false);
    const visible = await write(reg('api2', 'api', 'h2'));
    const r = await call.answer;
    expect(r.json.map((e: { Service: { ID: string } }) => e.Service.ID)).toEqual(['api', 'api2']);
    expect(r.index).toBe(visible);
    expect((await req('GET', '/v1/health/service/other', t)).status).toBe(403);
  });

  it('session list: a session on a node the token cannot read neither wakes nor shows', async () => {
    const t = await tokenWith('sess-s2', 'session "s2node" { policy = "read" }');
    for (const Node of ['s1node', 's2node']) await write({ type: 'catalog.register', Node, Address: '10.0.2.1' } as Command);
    const session = (ID: string, Node: string): Command =>
      ({ type: 'session.create', Session: { ID, Node, Behavior: 'release', LockDelay: 0, TTL: '', NodeChecks: [] }, Now: 0 }) as unknown as Command;
    const mineAt = await write(session('sess-a', 's2node'));
    await write(session('sess-hidden-1', 's1node'));
    const first = await req('GET', '/v1/session/list', t);
    expect(first.json.map((s: { ID: string }) => s.ID)).toEqual(['sess-a']);
    expect(first.index).toBe(mineAt);
    expect(first.filtered).toBe('true');

    const call = blocked(`/v1/session/list?index=${mineAt}`, t);
    await settle();
    await write(session('sess-hidden-2', 's1node'));
    await write({ type: 'session.destroy', ID: 'sess-hidden-1', Now: 0 } as Command);
    await settle();
    expect(call.settled).toBe(false);
    const destroyed = await write({ type: 'session.destroy', ID: 'sess-a', Now: 0 } as Command);
    const r = await call.answer;
    expect(r.json).toEqual([]);
    expect(r.index).toBe(destroyed);
  });

  it('lists filtered without a per-entry index (catalog nodes) still sleep through hidden changes', async () => {
    const t = await tokenWith('node-only', 'node "vis" { policy = "read" }');
    await write({ type: 'catalog.register', Node: 'vis', Address: '10.0.3.1' } as Command);
    const first = await req('GET', '/v1/catalog/nodes', t);
    expect(first.json.map((n: { Node: string }) => n.Node)).toEqual(['vis']);
    const call = blocked(`/v1/catalog/nodes?index=${first.index}`, t);
    await settle();
    await write({ type: 'catalog.register', Node: 'hidden-node', Address: '10.0.3.2' } as Command);
    await settle();
    expect(call.settled).toBe(false);
    await write({ type: 'catalog.register', Node: 'vis', Address: '10.0.3.9' } as Command);
    const r = await call.answer;
    expect(r.json).toMatchObject([{ Node: 'vis', Address: '10.0.3.9' }]);
  });
});
