import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Consul from 'consul';
import { startFailoverHarness } from './failover-harness.js';
import type { FailoverHarness } from './failover-harness.js';

let h: FailoverHarness;
let consul: Consul;

beforeAll(async () => {
  h = await startFailoverHarness();
  consul = new Consul({ host: '127.0.0.1', port: h.port });
});
afterAll(async () => {
  consul.destroy();
  await h.close();
});

const put = (path: string, body?: string) => fetch(`${h.base}${path}`, { method: 'PUT', body });

describe('sessions over HTTP with the consul client', () => {
  it('creates with Consul defaults and answers only {ID}; info, node and list show the session', async () => {
    const created = (await consul.session.create()) as { ID: string };
    expect(Object.keys(created)).toEqual(['ID']);
    expect(created.ID).toMatch(/^[0-9a-f-]{36}$/);
    const info = (await consul.session.info(created.ID)) as unknown as Record<string, unknown>;
    expect(info).toEqual({
      ID: created.ID,
      Name: '',
      Node: 'node1',
      LockDelay: 15_000_000_000,
      Behavior: 'release',
      TTL: '',
      NodeChecks: ['serfHealth'],
      ServiceChecks: null,
      CreateIndex: expect.any(Number),
      ModifyIndex: expect.any(Number),
    });
    expect(((await consul.session.node('node1')) as Array<{ ID: string }>).map((s) => s.ID)).toContain(created.ID);
    expect(((await consul.session.list()) as Array<{ ID: string }>).map((s) => s.ID)).toContain(created.ID);
    expect(await consul.session.node('nobody')).toEqual([]);
    const raw = await fetch(`${h.base}/v1/session/info/not-a-session`);
    expect(await raw.text()).toBe('[]');
    expect(Number(raw.headers.get('x-consul-index'))).toBeGreaterThanOrEqual(1);
    await consul.session.destroy(created.ID);
    expect(await consul.session.info(created.ID)).toBeUndefined();
  });

  it('decodes keys case-insensitively, keeps the TTL as sent, reads a small lock-delay as seconds, drops serfHealth for any checks key', async () => {
    const r = await put('/v1/session/create', JSON.stringify({ name: 'svc-lock', ttl: '15.0s', lockdelay: 7, behavior: 'delete', checks: [] }));
    const { ID } = (await r.json()) as { ID: string };
    const s = (await consul.session.info(ID)) as unknown as Record<string, unknown>;
    expect(s).toMatchObject({ Name: 'svc-lock', TTL: '15.0s', LockDelay: 7e9, Behavior: 'delete', NodeChecks: [] });
    const legacy = (await consul.session.create({ checks: ['mem'], lockdelay: '1s' })) as { ID: string };
    expect(await consul.session.info(legacy.ID)).toMatchObject({ NodeChecks: ['mem'], LockDelay: 1e9 });
  });

  it("answers Consul's error texts", async () => {
    const cases: Array<[string, string | undefined, number, string]> = [
      ['/v1/session/create', JSON.stringify({ TTL: '5s' }), 500, "Invalid Session TTL '5000000000', must be between [10s=24h0m0s]"],
      ['/v1/session/create', JSON.stringify({ Behavior: 'keep' }), 500, "Invalid Behavior setting 'keep'"],
      ['/v1/session/create', JSON.stringify({ Node: 'ghost' }), 500, 'Missing node registration'],
      ['/v1/session/create', JSON.stringify({ Checks: ['nope'] }), 500, "Missing check 'nope' registration"],
      ['/v1/session/create', '{bad', 400, 'Request decode failed: '],
      ['/v1/session/renew/abc', undefined, 404, "Session id 'abc' not found"],
      ['/v1/kv/lock/k?acquire=abc', 'v', 500, 'invalid session "abc"'],
      ['/v1/kv/lock/k?acquire=abc&cas=0', 'v', 400, 'Conflicting flags: acquire=abc&cas=0'],
    ];
    for (const [path, body, status, text] of cases) {
      const r = await put(path, body);
      expect([path, r.status]).toEqual([path, status]);
      expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect((await r.text()).startsWith(text)).toBe(true);
    }
    expect((await fetch(`${h.base}/v1/session/create`)).status).toBe(405);
  });

  it('acquire/release with the consul client: LockIndex, Session, contention, release keeps the value', async () => {
    const a = ((await consul.session.create({ lockdelay: '1ms' })) as { ID: string }).ID;
    const b = ((await consul.session.create()) as { ID: string }).ID;
    expect(await consul.kv.set({ key: 'svc/leader', value: 'A', acquire: a })).toBe(true);
    let e = (await consul.kv.get('svc/leader')) as unknown as Record<string, unknown>;
    expect(e).toMatchObject({ Value: 'A', LockIndex: 1, Session: a });
    // The npm client turns `false` into undefined; the body is checked raw.
    expect(await (await put(`/v1/kv/svc/leader?acquire=${b}`, 'B')).text()).toBe('false');
    expect(await consul.kv.set({ key: 'svc/leader', value: 'A2', acquire: a })).toBe(true);
    expect(await consul.kv.get('svc/leader')).toMatchObject({ Value: 'A2', LockIndex: 1 });
    expect(await (await put(`/v1/kv/svc/leader?release=${b}`, 'x')).text()).toBe('false');
    expect(await consul.kv.set({ key: 'svc/leader', value: 'bye', release: a })).toBe(true);
    e = (await consul.kv.get('svc/leader')) as unknown as Record<string, unknown>;
    expect(e).toMatchObject({ Value: 'bye', LockIndex: 1 });
    expect(e).not.toHaveProperty('Session');
    expect(await consul.kv.set({ key: 'svc/leader', value: 'B', acquire: b })).toBe(true);
    expect(await consul.kv.get('svc/leader')).toMatchObject({ LockIndex: 2, Session: b });
  });

  it('destroy releases held keys and the lock-delay holds them for other sessions until it passes', async () => {
    const a = ((await consul.session.create({ lockdelay: '10s' })) as { ID: string }).ID;
    const b = ((await consul.session.create()) as { ID: string }).ID;
    expect(await consul.kv.set({ key: 'delay/k', value: 'A', acquire: a })).toBe(true);
    await consul.session.destroy(a);
    expect(await consul.kv.get('delay/k')).not.toHaveProperty('Session');
    h.clock.now += 5_000;
    expect(await (await put(`/v1/kv/delay/k?acquire=${b}`, 'B')).text()).toBe('false');
    h.clock.now += 5_001;
    expect(await consul.kv.set({ key: 'delay/k', value: 'B', acquire: b })).toBe(true);
  });

  it('a check going critical invalidates its sessions and wakes a blocked session query', async () => {
    const id = ((await consul.session.create({ checks: ['mem'], behavior: 'delete' })) as { ID: string }).ID;
    expect(await consul.kv.set({ key: 'eph/me', value: 'x', acquire: id })).toBe(true);
    const first = await fetch(`${h.base}/v1/session/info/${id}`);
    const index = first.headers.get('x-consul-index');
    await first.text();
    const blocked = fetch(`${h.base}/v1/session/info/${id}?index=${index}&wait=30s`).then(async (r) => ({
      index: Number(r.headers.get('x-consul-index')),
      body: await r.text(),
    }));
    await h.write({ type: 'catalog.check-status', Node: 'node1', CheckID: 'mem', Status: 'critical', Output: 'oom' });
    const woke = await blocked;
    expect(woke.body).toBe('[]');
    expect(woke.index).toBeGreaterThan(Number(index));
    expect(await consul.kv.get('eph/me')).toBeUndefined();
  });

  it('renew answers the session in a list and keeps its TTL timer running', async () => {
    const id = ((await consul.session.create({ ttl: '10s' })) as { ID: string }).ID;
    const renewed = (await consul.session.renew(id)) as Array<{ ID: string; TTL: string }>;
    expect(renewed).toEqual([expect.objectContaining({ ID: id, TTL: '10s' })]);
    expect(h.timers.size).toBeGreaterThanOrEqual(1);
    await consul.session.destroy(id);
  });
});
