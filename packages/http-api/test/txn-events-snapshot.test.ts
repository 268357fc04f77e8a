import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import Consul from 'consul';
import { readTar, writeTar } from '@conclave/toolkit';
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

const b64 = (s: string) => Buffer.from(s).toString('base64');
const txn = (ops: unknown, query = '') => fetch(`${h.base}/v1/txn${query}`, { method: 'PUT', body: JSON.stringify(ops) });

describe('/v1/txn', () => {
  it('keeps uint64 Flags exact (the semaphore flag does not fit a JS number)', async () => {
    const body = '[{"KV": {"Verb": "set", "Key": "u64/flags", "Value": "eA==", "Flags": 16210313421097356768}}]';
    const r = await fetch(`${h.base}/v1/txn`, { method: 'PUT', body });
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('"Flags":16210313421097356768');
    const g = await fetch(`${h.base}/v1/kv/u64/flags`);
    expect(await g.text()).toContain('"Flags":16210313421097356768');
  });

  it('applies KV operations atomically at one index with the consul client', async () => {
    const res = (await consul.transaction.create(([
      { KV: { Verb: 'set', Key: 'tx/a', Value: b64('1'), Flags: 3304740253564472344n.toString() } },
      { KV: { Verb: 'cas', Key: 'tx/b', Value: b64('2'), Index: 0 } },
      { KV: { Verb: 'get', Key: 'tx/a' } },
    ] as never))) as unknown as { Results: Array<{ KV: Record<string, unknown> }>; Errors: null };
    expect(res.Errors).toBeNull();
    expect(res.Results).toHaveLength(3);
    expect(res.Results[0]!.KV).toMatchObject({ Key: 'tx/a', Value: null, LockIndex: 0 });
    expect(res.Results[2]!.KV).toMatchObject({ Key: 'tx/a', Value: b64('1') });
    const indexes = new Set(res.Results.map((r) => r.KV.ModifyIndex));
    expect(indexes.size).toBe(1);
  });

  it('keeps uint64 flags exact in results', async () => {
    const r = await txn([{ KV: { Verb: 'get', Key: 'tx/a' } }]);
    expect(await r.text()).toContain('"Flags":3304740253564472344');
  });

  it('rolls back on any failure with 409 and every error', async () => {
    const r = await txn([
      { KV: { Verb: 'set', Key: 'tx/new', Value: b64('x') } },
      { KV: { Verb: 'check-not-exists', Key: 'tx/a' } },
      { KV: { Verb: 'delete-cas', Key: 'tx/b', Index: 1 } },
    ]);
    expect(r.status).toBe(409);
    expect(await r.json()).toEqual({
      Results: null,
      Errors: [
        { OpIndex: 1, What: 'key "tx/a" exists' },
        { OpIndex: 2, What: 'failed to delete key "tx/b", index is stale' },
      ],
    });
    expect(await consul.kv.get('tx/new')).toBeUndefined();
  });

  it('serves read-only transactions as queries with the query headers', async () => {
    const r = await txn([{ KV: { Verb: 'get-tree', Key: 'tx/' } }, { KV: { Verb: 'check-index', Key: 'tx/zzz', Index: 3 } }], '?stale');
    expect(r.status).toBe(409);
    expect(r.headers.get('x-consul-effective-consistency')).toBe('stale');
    expect(Number(r.headers.get('x-consul-index'))).toBeGreaterThan(0);
    expect(r.headers.get('x-consul-knownleader')).toBe('true');
    const ok = await txn([{ KV: { Verb: 'get-tree', Key: 'tx/' } }]);
    expect(((await ok.json()) as { Results: unknown[] }).Results).toHaveLength(2);
  });

  it('refuses more than 64 operations with 413, and malformed bodies with 400', async () => {
    const ops = Array.from({ length: 65 }, (_, i) => ({ KV: { Verb: 'set', Key: `big/${i}` } }));
    const r = await txn(ops);
    expect(r.status).toBe(413);
    expect(await r.text()).toBe('Transaction contains too many operations (65 > 64)');
    expect((await txn({ not: 'a list' })).status).toBe(400);
    expect((await txn([{ KV: { Verb: 'set', Key: 'k', Value: '%%%' } }])).status).toBe(400);
  });

  it('registers catalog entries and deletes sessions in one transaction, all or nothing', async () => {
    const id = ((await consul.session.create()) as { ID: string }).ID;
    const ok = await txn([
      { Node: { Verb: 'set', Node: { Node: 'db-host', Address: '10.1.0.5' } } },
      { Service: { Verb: 'set', Node: 'db-host', Service: { ID: 'db1', Service: 'db', Tags: ['master'], Port: 5432 } } },
      { Check: { Verb: 'set', Check: { Node: 'db-host', CheckID: 'db1-alive', Name: 'alive', ServiceID: 'db1', Status: 'passing' } } },
      { Session: { Verb: 'delete', Session: { ID: id } } },
      { KV: { Verb: 'set', Key: 'tx/master', Value: b64('db-host') } },
    ]);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { Results: Array<Record<string, Record<string, unknown>>> };
    expect(body.Results.map((r) => Object.keys(r)[0])).toEqual(['Node', 'Service', 'Check', 'KV']);
    expect(body.Results[1]!.Service).toMatchObject({ ID: 'db1', Service: 'db', Tags: ['master'], Port: 5432 });
    const nodes = (await consul.catalog.service.nodes('db')) as unknown as Array<{ Node: string; ServiceTags: string[] }>;
    expect(nodes.map((n) => [n.Node, n.ServiceTags])).toEqual([['db-host', ['master']]]);
    expect(await consul.session.info(id)).toBeUndefined();

    const read = await txn([{ Node: { Verb: 'get', Node: { Node: 'db-host' } } }], '?stale');
    expect(read.status).toBe(200);
    expect(read.headers.get('x-consul-effective-consistency')).toBe('stale');

    const failed = await txn([
      { Service: { Verb: 'delete', Node: 'db-host', Service: { ID: 'db1' } } },
      { Node: { Verb: 'cas', Node: { Node: 'db-host', Address: '10.1.0.6', ModifyIndex: 1 } } },
    ]);
    expect(failed.status).toBe(409);
    expect(((await failed.json()) as { Errors: unknown }).Errors).toEqual([{ OpIndex: 1, What: 'failed to set node "db-host", index is stale' }]);
    expect(((await consul.catalog.service.nodes('db')) as unknown[]).length).toBe(1);
  });

  it('locks and unlocks with sessions inside a transaction', async () => {
    const id = ((await consul.session.create()) as { ID: string }).ID;
    const r = await txn([
      { KV: { Verb: 'lock', Key: 'tx/lock', Value: b64('me'), Session: id } },
      { KV: { Verb: 'check-session', Key: 'tx/lock', Session: id } },
    ]);
    expect(r.status).toBe(200);
    expect(await consul.kv.get('tx/lock')).toMatchObject({ Session: id, LockIndex: 1 });
  });
});

describe('/v1/event', () => {
  it('fires with filters and answers exactly the eight fields', async () => {
    const fired = (await consul.event.fire({ name: 'deploy', payload: 'v1.2', service: 'db', tag: 'prim' })) as unknown as Record<string, unknown>;
    expect(Object.keys(fired)).toEqual(['ID', 'Name', 'Payload', 'NodeFilter', 'ServiceFilter', 'TagFilter', 'Version', 'LTime']);
    expect(fired).toMatchObject({ Name: 'deploy', Payload: 'v1.2', ServiceFilter: 'db', TagFilter: 'prim', Version: 1 });
    const raw = await fetch(`${h.base}/v1/event/fire/empty`, { method: 'PUT' });
    expect(((await raw.json()) as { Payload: unknown }).Payload).toBeNull();
    const list = (await consul.event.list('deploy')) as Array<{ Name: string; Payload: string; LTime: number }>;
    expect(list.map((e) => [e.Name, e.Payload])).toEqual([['deploy', 'v1.2']]);
    expect(list[0]!.LTime).toBeGreaterThan(0);
    const bad = await fetch(`${h.base}/v1/event/fire/x?node=(`, { method: 'PUT' });
    expect(bad.status).toBe(500);
  });

  it('blocks on the XOR index (uint64, exact) until the last event changes', async () => {
    const first = await fetch(`${h.base}/v1/event/list`);
    const index = first.headers.get('x-consul-index')!;
    const events = (await first.json()) as Array<{ ID: string }>;
    const hex = events[events.length - 1]!.ID.replace(/-/g, '');
    expect(index).toBe((BigInt('0x' + hex.slice(0, 16)) ^ BigInt('0x' + hex.slice(16))).toString());
    let settled = false;
    const blocked = fetch(`${h.base}/v1/event/list?index=${index}&wait=30s`).then(async (r) => {
      settled = true;
      return { index: r.headers.get('x-consul-index'), body: (await r.json()) as Array<{ Name: string }> };
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(settled).toBe(false);
    await consul.event.fire('wake-up');
    const woke = await blocked;
    expect(woke.index).not.toBe(index);
    expect(woke.body[woke.body.length - 1]!.Name).toBe('wake-up');
    const none = await fetch(`${h.base}/v1/event/list?name=never`);
    expect(none.headers.get('x-consul-index')).toBe('1');
    expect(await none.text()).toBe('[]');
  });
});

describe('/v1/snapshot', () => {
  it('saves an archive with X-Consul-Index and restores the same KV, catalog and sessions', async () => {
    const id = ((await consul.session.create({ name: 'keep' })) as { ID: string }).ID;
    await consul.kv.set({ key: 'snap/held', value: 'v', acquire: id });
    await consul.kv.set({ key: 'snap/flags', value: 'f', flags: '16210313421097356768' } as never);
    const saved = await fetch(`${h.base}/v1/snapshot`);
    expect(saved.status).toBe(200);
    expect(Number(saved.headers.get('x-consul-index'))).toBe(h.state.lastIndex);
    const archive = Buffer.from(await saved.arrayBuffer());
    const before = {
      kv: await (await fetch(`${h.base}/v1/kv/?recurse`)).text(),
      sessions: await (await fetch(`${h.base}/v1/session/list`)).text(),
      nodes: await (await fetch(`${h.base}/v1/catalog/nodes`)).text(),
    };
    await consul.kv.del({ key: 'snap/', recurse: true });
    await consul.session.destroy(id);
    await fetch(`${h.base}/v1/kv/after`, { method: 'PUT', body: 'x' });
    const restored = await fetch(`${h.base}/v1/snapshot`, { method: 'PUT', body: archive });
    expect(restored.status).toBe(200);
    expect(await (await fetch(`${h.base}/v1/kv/?recurse`)).text()).toBe(before.kv);
    expect(await (await fetch(`${h.base}/v1/session/list`)).text()).toBe(before.sessions);
    expect(await (await fetch(`${h.base}/v1/catalog/nodes`)).text()).toBe(before.nodes);
    expect(before.kv).toContain('"Flags":16210313421097356768');
  });

  it('refuses a damaged archive with Consul\'s words, changing nothing', async () => {
    const archive = Buffer.from(await (await fetch(`${h.base}/v1/snapshot`)).arrayBuffer());
    const tar = gunzipSync(archive);
    const files = readTar(tar);
    const altered = Buffer.from(tar);
    // One byte of state.bin changed: the tar and gzip are fine, the checksum is not.
    altered[files.get('state.bin')!.byteOffset - tar.byteOffset + 10]! ^= 0xff;
    const cases: Array<[string, Uint8Array, string]> = [
      ['truncated', archive.subarray(0, archive.length - 20), 'failed to read snapshot file: failed reading snapshot: unexpected EOF'],
      ['cut inside state.bin', gzipSync(tar.subarray(0, 2048)), 'failed to read snapshot file: failed reading snapshot: unexpected EOF'],
      ['altered', gzipSync(altered), 'failed to read snapshot file: failed checking integrity of snapshot: hash check failed for "state.bin"'],
      ['not gzip', Buffer.from('not an archive at all'), 'failed to decompress snapshot: gzip: invalid header'],
      [
        'an extra file',
        gzipSync(writeTar([...files, ['nope', Buffer.from('x')]], 0)),
        'failed to read snapshot file: unexpected file "nope" in snapshot',
      ],
      [
        'no SHA256SUMS',
        gzipSync(writeTar([...files].filter(([n]) => n !== 'SHA256SUMS'), 0)),
        'failed to read snapshot file: failed checking integrity of snapshot: file missing for "meta.json"',
      ],
    ];
    const before = await (await fetch(`${h.base}/v1/kv/?recurse`)).text();
    const index = h.state.lastIndex;
    for (const [what, body, text] of cases) {
      const r = await fetch(`${h.base}/v1/snapshot`, { method: 'PUT', body });
      expect([what, r.status, await r.text()]).toEqual([what, 500, text]);
    }
    expect(await (await fetch(`${h.base}/v1/kv/?recurse`)).text()).toBe(before);
    expect(h.state.lastIndex).toBe(index);
    expect(await consul.kv.get('snap/held')).toMatchObject({ Value: 'v' });
  });

  it('refuses a well-formed archive whose state does not read, changing nothing', async () => {
    const sums = (files: Array<[string, Buffer]>) =>
      files.map(([n, b]) => `${createHash('sha256').update(b).digest('hex')}  ${n}\n`).join('');
    const archive = Buffer.from(await (await fetch(`${h.base}/v1/snapshot`)).arrayBuffer());
    const files = readTar(gunzipSync(archive));
    const state = Buffer.from(files.get('state.bin')!);
    const cut = state.subarray(0, state.length - 8); // the end frame is gone: a truncated state.bin, checksummed
    const parts: Array<[string, Buffer]> = [
      ['meta.json', files.get('meta.json')!],
      ['state.bin', cut],
    ];
    const body = gzipSync(writeTar([...parts, ['SHA256SUMS', Buffer.from(sums(parts))]], 0));
    const before = await (await fetch(`${h.base}/v1/kv/?recurse`)).text();
    const r = await fetch(`${h.base}/v1/snapshot`, { method: 'PUT', body });
    expect(r.status).toBe(500);
    expect(await r.text()).toMatch(/^Raft error when restoring snapshot: .*truncated/);
    expect(await (await fetch(`${h.base}/v1/kv/?recurse`)).text()).toBe(before);
  });
});
