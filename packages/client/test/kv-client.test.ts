import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsulClient, ConsulConnectionError, ConsulHttpError } from '../src/index.js';
import { IndexServer } from './support/index-server.js';

let server: IndexServer;
let client: ConsulClient;

beforeEach(async () => {
  server = new IndexServer();
  await server.listen();
  client = new ConsulClient({ address: server.address, env: {} });
});
afterEach(async () => {
  client.close();
  await server.close();
});

describe('kv over HTTP', () => {
  it('round-trips values and uint64 flags exactly', async () => {
    const semaphore = 16210313421097356768n;
    expect(await client.kv.put('app/semaphore', 'hello', { flags: semaphore })).toBe(true);
    expect(await client.kv.put('app/max', Buffer.from([0, 255]), { flags: '18446744073709551615' })).toBe(true);
    const got = await client.kv.get('app/semaphore');
    expect(got.body?.Flags).toBe(semaphore);
    expect(got.body?.Value?.toString()).toBe('hello');
    expect(got.index).toBe(BigInt(got.body!.ModifyIndex));
    expect(got.knownLeader).toBe(true);
    const list = await client.kv.list('app/');
    expect(list.body.map((p) => [p.Key, p.Flags])).toEqual([
      ['app/max', 18446744073709551615n],
      ['app/semaphore', semaphore],
    ]);
    expect([...list.body[0]!.Value!]).toEqual([0, 255]);
    expect((await client.kv.keys('app/')).body).toEqual(['app/max', 'app/semaphore']);
  });

  it('sends flags as decimal text and empty PUTs with a zero length', async () => {
    await client.kv.put('k', null, { flags: 3304740253564472344n });
    const put = server.seen.find((r) => r.method === 'PUT')!;
    expect(put.query.get('flags')).toBe('3304740253564472344');
    expect(put.contentLength).toBe('0');
    expect((await client.kv.get('k')).body?.Value).toBeNull();
  });

  it('answers a missing key with null and its index, and misses in lists with []', async () => {
    server.set('other', 'x');
    const miss = await client.kv.get('nope');
    expect(miss.body).toBeNull();
    expect(miss.index).toBe(BigInt(server.index));
    expect((await client.kv.list('none/')).body).toEqual([]);
    expect((await client.kv.keys('none/')).body).toEqual([]);
  });

  it('reports CAS conflicts as false', async () => {
    expect(await client.kv.put('c', 'v1', { cas: 0 })).toBe(true);
    expect(await client.kv.put('c', 'v2', { cas: 0 })).toBe(false);
    const idx = (await client.kv.get('c')).body!.ModifyIndex;
    expect(await client.kv.put('c', 'v3', { cas: idx + 1 })).toBe(false);
    expect(await client.kv.put('c', 'v3', { cas: idx })).toBe(true);
    expect(await client.kv.delete('c', { recurse: true })).toBe(true);
    expect(server.seen.at(-1)!.query.has('recurse')).toBe(true);
  });

  it('carries the HTTP status and Consul plain-text body on errors', async () => {
    const err = await client.kv.get('x', { datacenter: 'dc9' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConsulHttpError);
    expect(err).toMatchObject({ status: 500, body: 'No path to datacenter', message: 'Unexpected response code: 500 (No path to datacenter)' });
  });

  it('percent-encodes keys so any key travels intact', async () => {
    await client.kv.put('a b/c?d#e%f', 'v');
    expect(server.kv.has('a b/c?d#e%f')).toBe(true);
    expect((await client.kv.get('a b/c?d#e%f')).body?.Value?.toString()).toBe('v');
  });

  it('sends the token, the datacenter and the consistency mode', async () => {
    const c2 = new ConsulClient({ address: `http://${server.address}`, datacenter: 'dc1', consistency: 'stale', env: { CONSUL_HTTP_TOKEN: 'secret' } });
    await c2.kv.get('k');
    await c2.kv.get('k', { consistent: true });
    c2.close();
    const [a, b] = server.requestsFor('/v1/kv/k');
    expect(a).toMatchObject({ token: 'secret' });
    expect(a!.query.get('dc')).toBe('dc1');
    expect(a!.query.has('stale')).toBe(true);
    expect(b!.query.has('stale')).toBe(false);
    expect(b!.query.has('consistent')).toBe(true);
  });

  it('generic query returns body and index headers', async () => {
    server.set('g', 'v');
    server.lastContactMs = 7;
    const r = await client.query<unknown[]>('/v1/kv/g');
    expect(r.index).toBe(BigInt(server.index));
    expect(r.lastContact).toBe(7);
    expect(Array.isArray(r.body)).toBe(true);
    await expect(client.query('/v1/nothing/here')).rejects.toMatchObject({ status: 404 });
  });
});

describe('txn encoding', () => {
  it('sends uint64 Flags and Index as exact JSON integers and values as base64', async () => {
    // The test server has no /v1/txn, so the call fails; what matters is the body it received.
    await expect(
      client.txn.kv([
        { Verb: 'set', Key: 'k', Value: 'v', Flags: 16210313421097356768n },
        { Verb: 'cas', Key: 'k', Value: Buffer.from([1, 2]), Index: 18446744073709551615n },
      ]),
    ).rejects.toMatchObject({ status: 404 });
    const sent = server.seen.find((r) => r.path === '/v1/txn')!;
    expect(sent.method).toBe('PUT');
    expect(sent.body).toBe(
      '[{"KV":{"Verb":"set","Key":"k","Value":"dg==","Flags":16210313421097356768}},{"KV":{"Verb":"cas","Key":"k","Value":"AQI=","Index":18446744073709551615}}]',
    );
  });
});

describe('transport', () => {
  it('talks over a unix socket', async () => {
    const sock = join(mkdtempSync(join(tmpdir(), 'conclave-sock-')), 'agent.sock');
    const unixServer = new IndexServer();
    await unixServer.listen({ socketPath: sock });
    const c = new ConsulClient({ address: `unix://${sock}`, env: {} });
    try {
      expect(await c.kv.put('u', 'v')).toBe(true);
      expect((await c.kv.get('u')).body?.Value?.toString()).toBe('v');
    } finally {
      c.close();
      await unixServer.close();
    }
  });

  it('names a refused connection as Go does', async () => {
    const port = server.port;
    await server.close();
    const err = await client.kv.get('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConsulConnectionError);
    expect((err as Error).message).toBe(`Get "http://127.0.0.1:${port}/v1/kv/x": dial tcp 127.0.0.1:${port}: connect: connection refused`);
  });
});
