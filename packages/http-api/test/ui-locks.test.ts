// /v1/internal/ui/locks/<node> (Conclave only): the keys the node's sessions hold, for the UI's node page, so
// it need not read the whole KV store. A blocked read wakes for a lock taken or released, not for other writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '@conclave/state';
import { startHarness, type Harness } from './harness.js';

let h: Harness;

const kv = (Key: string, v: string): Command => ({ type: 'kv.set', Key, Value: new TextEncoder().encode(v), Flags: '0' }) as Command;

async function get(path: string, token?: string) {
  const r = await fetch(`${h.base}${path}`, { headers: token ? { 'X-Consul-Token': token } : {} });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined, index: Number(r.headers.get('x-consul-index')), filtered: r.headers.get('x-consul-results-filtered-by-acls') };
}

async function put(path: string, body: string, token?: string) {
  const r = await fetch(`${h.base}${path}`, { method: 'PUT', body, headers: token ? { 'X-Consul-Token': token } : {} });
  return r.text();
}

describe('/v1/internal/ui/locks/<node>', () => {
  beforeAll(async () => {
    h = await startHarness();
    for (const id of ['s-a', 's-b'])
      await h.write({ type: 'session.create', Session: { ID: id, Node: 'node1', Behavior: 'release', LockDelay: 0, TTL: '', NodeChecks: [] }, Now: 0 } as unknown as Command);
  });
  afterAll(async () => {
    await h.close();
  });

  it('lists the keys each session on the node holds, and wakes only when that changes', async () => {
    expect(await put('/v1/kv/locks/b?acquire=s-b', 'x')).toBe('true');
    expect(await put('/v1/kv/locks/a?acquire=s-a', 'x')).toBe('true');
    const first = await get('/v1/internal/ui/locks/node1');
    expect(first.json).toEqual([
      { Session: 's-a', Key: 'locks/a' },
      { Session: 's-b', Key: 'locks/b' },
    ]);
    expect((await get('/v1/internal/ui/locks/nowhere')).json).toEqual([]);

    let settled = false;
    const blocked = get(`/v1/internal/ui/locks/node1?index=${first.index}`).finally(() => (settled = true));
    // Parked first (its index is the KV table's, so a write before it arrives would answer it at once).
    await get('/v1/status/leader');
    await get('/v1/status/leader');
    await h.write(kv('unrelated/key', 'v'));
    await get('/v1/status/leader');
    await get('/v1/status/leader');
    expect(settled).toBe(false);
    expect(await put('/v1/kv/locks/a?release=s-a', 'x')).toBe('true');
    const next = await blocked;
    expect(next.json).toEqual([{ Session: 's-b', Key: 'locks/b' }]);
    expect(next.index).toBeGreaterThan(first.index);
  });

  it('with ACLs: needs session:read on the node and leaves out keys the token cannot read', async () => {
    const acl = await startHarness({ acl: { defaultPolicy: 'deny' } });
    try {
      const call = async (method: string, path: string, token: string, body?: unknown): Promise<any> =>
        (await fetch(`${acl.base}${path}`, { method, headers: { 'X-Consul-Token': token }, body: body === undefined ? undefined : JSON.stringify(body) })).json();
      const root = ((await (await fetch(`${acl.base}/v1/acl/bootstrap`, { method: 'PUT' })).json()) as { SecretID: string }).SecretID;
      const p = await call('PUT', '/v1/acl/policy', root, { Name: 'locks', Rules: 'session "node1" { policy = "read" }\nkey_prefix "pub/" { policy = "read" }' });
      const t = (await call('PUT', '/v1/acl/token', root, { Policies: [{ ID: p.ID }] })).SecretID as string;
      await acl.write({ type: 'session.create', Session: { ID: 's-1', Node: 'node1', Behavior: 'release', LockDelay: 0, TTL: '', NodeChecks: [] }, Now: 0 } as unknown as Command);
      for (const key of ['pub/a', 'priv/b']) {
        const r = await fetch(`${acl.base}/v1/kv/${key}?acquire=s-1`, { method: 'PUT', body: 'x', headers: { 'X-Consul-Token': root } });
        expect(await r.text()).toBe('true');
      }
      const r = await fetch(`${acl.base}/v1/internal/ui/locks/node1`, { headers: { 'X-Consul-Token': t } });
      expect(await r.json()).toEqual([{ Session: 's-1', Key: 'pub/a' }]);
      expect(r.headers.get('x-consul-results-filtered-by-acls')).toBe('true');
      const other = await fetch(`${acl.base}/v1/internal/ui/locks/node2`, { headers: { 'X-Consul-Token': t } });
      expect(other.status).toBe(403);
      expect(await other.text()).toMatch(/lacks permission 'session:read' on "node2"/);
    } finally {
      await acl.close();
    }
  });
});
