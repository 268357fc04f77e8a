import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import Consul from 'consul';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';

let h: Harness;
let consul: Consul;

beforeAll(async () => {
  h = await startHarness();
  consul = new Consul({ host: '127.0.0.1', port: h.port });
});
afterAll(async () => {
  consul.destroy();
  await h.close();
});

describe('KV over HTTP with the consul client', () => {
  it('puts, gets, lists and deletes', async () => {
    expect(await consul.kv.set('app/name', 'conclave')).toBe(true);
    const got = (await consul.kv.get('app/name')) as unknown as Record<string, unknown>;
    expect(got).toMatchObject({ Key: 'app/name', Value: 'conclave', Flags: 0, LockIndex: 0 });
    expect(got).not.toHaveProperty('Session');
    await consul.kv.set('app/port', '8080');
    expect(await consul.kv.keys('app/')).toEqual(['app/name', 'app/port']);
    const all = (await consul.kv.get({ key: 'app/', recurse: true })) as Array<{ Key: string }>;
    expect(all.map((e) => e.Key)).toEqual(['app/name', 'app/port']);
    expect(await consul.kv.del('app/name')).toBe(true);
    expect(await consul.kv.get('app/name')).toBeUndefined();
  });

  it("escapes <, > and & in keys as Go's encoding/json does", async () => {
    await fetch(`${h.base}/v1/kv/html/a%3Cb%3E%26c`, { method: 'PUT', body: 'x' });
    expect(await (await fetch(`${h.base}/v1/kv/html/a%3Cb%3E%26c`)).text()).toContain('"Key":"html/a\\u003cb\\u003e\\u0026c"');
    expect(await (await fetch(`${h.base}/v1/kv/html/?keys`)).text()).toBe('["html/a\\u003cb\\u003e\\u0026c"]');
  });

  it('answers CAS conflicts with false', async () => {
    // The npm client turns a JSON `false` into undefined (papi drops falsy bodies), so the exact body is
    // checked with fetch and the successful paths with the client.
    const put = async (query: string, body: string) =>
      (await fetch(`${h.base}/v1/kv/cas/k?${query}`, { method: 'PUT', body })).text();
    expect(await consul.kv.set({ key: 'cas/k', value: 'a', cas: 0 })).toBe(true);
    expect(await put('cas=0', 'b')).toBe('false');
    expect(await consul.kv.set({ key: 'cas/k', value: 'b', cas: 0 })).not.toBe(true);
    const e = (await consul.kv.get('cas/k')) as { ModifyIndex: number; Value: string };
    expect(e.Value).toBe('a');
    expect(await put(`cas=${e.ModifyIndex + 1000}`, 'c')).toBe('false');
    expect(await consul.kv.set({ key: 'cas/k', value: 'c', cas: e.ModifyIndex })).toBe(true);
    expect(await (await fetch(`${h.base}/v1/kv/cas/k?cas=${e.ModifyIndex}`, { method: 'DELETE' })).text()).toBe('false');
    const e2 = (await consul.kv.get('cas/k')) as { ModifyIndex: number; Value: string };
    expect(e2.Value).toBe('c');
    expect(await consul.kv.del({ key: 'cas/k', cas: e2.ModifyIndex })).toBe(true);
    expect(await consul.kv.get('cas/k')).toBeUndefined();
  });

  it('wakes a blocking query on a key after a PUT from another client, and not for another key', async () => {
    await fetch(`${h.base}/v1/kv/watch/me`, { method: 'PUT', body: 'v1' });
    const first = await fetch(`${h.base}/v1/kv/watch/me`);
    const index = Number(first.headers.get('x-consul-index'));
    await first.text();

    let settled = false;
    const blocked = fetch(`${h.base}/v1/kv/watch/me?index=${index}&wait=30s`).then(async (r) => {
      settled = true;
      return { index: Number(r.headers.get('x-consul-index')), body: (await r.json()) as Array<{ Value: string }> };
    });
    // Wait until the query is parked on its watch, then write an unrelated key from another client.
    await waitFor('a query blocked on a watch', () => h.state.watches.size > 0, { timeoutMs: 5000 });
    const other = new Consul({ host: '127.0.0.1', port: h.port });
    await other.kv.set('watch/other', 'x');
    await other.kv.set('watch/me-not', 'x');
    // Round trips through the same server: had the waiter been woken, it would have answered by now.
    await fetch(`${h.base}/v1/kv/watch/other`).then((r) => r.text());
    await fetch(`${h.base}/v1/kv/watch/other`).then((r) => r.text());
    expect(settled).toBe(false);
    await other.kv.set('watch/me', 'v2');
    const r = await blocked;
    expect(r.index).toBeGreaterThan(index);
    expect(Buffer.from(r.body[0]!.Value, 'base64').toString()).toBe('v2');
    other.destroy();
  });

  it('answers a blocking query at the timeout with the current index', async () => {
    await fetch(`${h.base}/v1/kv/still`, { method: 'PUT', body: 'x' });
    const first = await fetch(`${h.base}/v1/kv/still`);
    const index = first.headers.get('x-consul-index');
    await first.text();
    const r = await fetch(`${h.base}/v1/kv/still?index=${index}&wait=50ms`);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-consul-index')).toBe(index);
    await r.text();
  });

  it('drives the consul client watch loop: one change event per write to the key', async () => {
    await consul.kv.set('watched/key', 'first');
    const watch = consul.watch({ method: consul.kv.get, options: { key: 'watched/key', wait: '10s' } } as never);
    const seen: string[] = [];
    const errors: unknown[] = [];
    watch.on('change', (data: { Value?: string } | undefined) => seen.push(data?.Value ?? '<none>'));
    watch.on('error', (err: unknown) => errors.push(err));
    try {
      await waitFor('the first change', () => seen.length === 1, { timeoutMs: 5000 });
      await waitFor('a query blocked on a watch', () => h.state.watches.size > 0, { timeoutMs: 5000 });
      await consul.kv.set('watched/other', 'noise');
      await consul.kv.set('watched/key', 'second');
      await waitFor('the second change', () => seen.length === 2, { timeoutMs: 5000 });
      await waitFor('a query blocked on a watch', () => h.state.watches.size > 0, { timeoutMs: 5000 });
      await consul.kv.set('watched/key', 'third');
      await waitFor('the third change', () => seen.length === 3, { timeoutMs: 5000 });
      expect(seen).toEqual(['first', 'second', 'third']);
      expect(errors).toEqual([]);
    } finally {
      watch.end();
    }
  });

  it('forgets a blocked query whose client went away', async () => {
    await fetch(`${h.base}/v1/kv/abandon`, { method: 'PUT', body: 'x' }).then((r) => r.text());
    const first = await fetch(`${h.base}/v1/kv/abandon`);
    const index = first.headers.get('x-consul-index');
    await first.text();
    const ctl = new AbortController();
    const blocked = fetch(`${h.base}/v1/kv/abandon?index=${index}&wait=5m`, { signal: ctl.signal }).catch((e: Error) => e.name);
    await waitFor('a query blocked on a watch', () => h.state.watches.size > 0, { timeoutMs: 5000 });
    ctl.abort();
    expect(await blocked).toBe('AbortError');
    await waitFor('the watch to be dropped', () => h.state.watches.size === 0, { timeoutMs: 5000 });
    // The server still answers, and a write to the key finds no stale waiter.
    expect(await (await fetch(`${h.base}/v1/kv/abandon`, { method: 'PUT', body: 'y' })).json()).toBe(true);
  });

  it('blocks a recurse query on its prefix only', async () => {
    await fetch(`${h.base}/v1/kv/tree/a`, { method: 'PUT', body: '1' });
    const first = await fetch(`${h.base}/v1/kv/tree/?recurse`);
    const index = Number(first.headers.get('x-consul-index'));
    await first.text();
    let settled = false;
    const blocked = fetch(`${h.base}/v1/kv/tree/?recurse&index=${index}&wait=30s`).then(async (r) => {
      settled = true;
      return (await r.json()) as Array<{ Key: string }>;
    });
    await waitFor('a query blocked on a watch', () => h.state.watches.size > 0, { timeoutMs: 5000 });
    await fetch(`${h.base}/v1/kv/tre`, { method: 'PUT', body: 'outside' }).then((r) => r.text());
    await fetch(`${h.base}/v1/kv/tre`).then((r) => r.text());
    expect(settled).toBe(false);
    await fetch(`${h.base}/v1/kv/tree/b`, { method: 'PUT', body: '2' }).then((r) => r.text());
    expect((await blocked).map((e) => e.Key)).toEqual(['tree/a', 'tree/b']);
  });

  it('gives create, update, update, delete four increasing list indexes', async () => {
    const listIndex = async () => {
      const r = await fetch(`${h.base}/v1/kv/idx/?keys`);
      await r.text();
      return Number(r.headers.get('x-consul-index'));
    };
    const seen: number[] = [];
    await fetch(`${h.base}/v1/kv/idx/k`, { method: 'PUT', body: '1' }).then((r) => r.text());
    seen.push(await listIndex());
    await fetch(`${h.base}/v1/kv/idx/k`, { method: 'PUT', body: '2' }).then((r) => r.text());
    seen.push(await listIndex());
    await fetch(`${h.base}/v1/kv/idx/k`, { method: 'PUT', body: '3' }).then((r) => r.text());
    seen.push(await listIndex());
    await fetch(`${h.base}/v1/kv/idx/k`, { method: 'DELETE' }).then((r) => r.text());
    const r = await fetch(`${h.base}/v1/kv/idx/?keys`);
    expect(r.status).toBe(404);
    seen.push(Number(r.headers.get('x-consul-index')));
    expect(seen[0]).toBeGreaterThan(0);
    for (let i = 1; i < 4; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
  });

  it('round-trips uint64 flags exactly', async () => {
    const flags = '16210313421097356768';
    await fetch(`${h.base}/v1/kv/sem/.lock?flags=${flags}`, { method: 'PUT', body: '{}' }).then((r) => r.text());
    const text = await (await fetch(`${h.base}/v1/kv/sem/.lock`)).text();
    expect(text).toContain(`"Flags":${flags},`);
    const recurse = await (await fetch(`${h.base}/v1/kv/sem/?recurse&pretty`)).text();
    expect(recurse).toContain(`"Flags": ${flags},`);
    const bad = await fetch(`${h.base}/v1/kv/sem/x?flags=18446744073709551616`, { method: 'PUT', body: '' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('strconv.ParseUint: parsing "18446744073709551616": value out of range');
  });

  it('serves raw values, empty values as null, keys with a separator and the misspelling', async () => {
    await fetch(`${h.base}/v1/kv/base/foo`, { method: 'PUT', body: 'x' }).then((r) => r.text());
    await fetch(`${h.base}/v1/kv/base/base/a`, { method: 'PUT', body: 'x' }).then((r) => r.text());
    await fetch(`${h.base}/v1/kv/base/base/b`, { method: 'PUT', body: new Uint8Array(0) }).then((r) => r.text());
    expect(await (await fetch(`${h.base}/v1/kv/base/?keys&separator=/`)).json()).toEqual(['base/base/', 'base/foo']);
    expect(await (await fetch(`${h.base}/v1/kv/base/?keys&seperator=/`)).json()).toEqual(['base/base/', 'base/foo']);
    const raw = await fetch(`${h.base}/v1/kv/base/foo?raw`);
    expect(raw.headers.get('content-type')).toBe('text/plain');
    expect(raw.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await raw.text()).toBe('x');
    const empty = (await (await fetch(`${h.base}/v1/kv/base/base/b`)).json()) as Array<{ Value: unknown }>;
    expect(empty[0]!.Value).toBeNull();
    // Percent-encoded slashes are part of the key.
    expect(await (await fetch(`${h.base}/v1/kv/base%2Fbase%2Fa?raw`)).text()).toBe('x');
    const miss = await fetch(`${h.base}/v1/kv/nothing/here`);
    expect(miss.status).toBe(404);
    expect(await miss.text()).toBe('');
    expect(Number(miss.headers.get('x-consul-index'))).toBeGreaterThan(0);
    const root = await fetch(`${h.base}/v1/kv/?keys`);
    expect(root.status).toBe(200);
  });

  it('deletes a tree and refuses recurse with cas', async () => {
    await consul.kv.set('gone/a', '1');
    await consul.kv.set('gone/b/c', '1');
    expect(await (await fetch(`${h.base}/v1/kv/gone/?recurse`, { method: 'DELETE' })).json()).toBe(true);
    expect((await fetch(`${h.base}/v1/kv/gone/?recurse`)).status).toBe(404);
    const both = await fetch(`${h.base}/v1/kv/gone/?recurse&cas=1`, { method: 'DELETE' });
    expect(both.status).toBe(400);
    expect(await both.text()).toBe('Conflicting flags: cas=1&recurse=\n');
  });

  it('answers a value over the limit with 413', async () => {
    const r = await fetch(`${h.base}/v1/kv/big`, { method: 'PUT', body: new Uint8Array(512 * 1024 + 1) });
    expect(r.status).toBe(413);
    expect(await r.text()).toMatch(/^Request body\(524289 bytes\) too large, max size: 524288 bytes/);
    const ok = await fetch(`${h.base}/v1/kv/big`, { method: 'PUT', body: new Uint8Array(512 * 1024) });
    expect(await ok.json()).toBe(true);
  });
});
