import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsulClient, ConsulConnectionError, consulWatchBackoff, type KVPair, type QueryResponse } from '../src/index.js';
import { decodePairs } from '../src/kv.js';
import { eventually, IndexServer } from './support/index-server.js';

let server: IndexServer;
let client: ConsulClient;
let controller: AbortController;

beforeEach(async () => {
  server = new IndexServer();
  await server.listen();
  client = new ConsulClient({ address: server.address, env: {} });
  controller = new AbortController();
});
afterEach(async () => {
  controller.abort();
  client.close();
  await server.close();
});

function valueOf(r: QueryResponse): string | null {
  if (r.body === null) return null;
  const pairs: KVPair[] = decodePairs(r.body);
  return pairs[0]?.Value?.toString() ?? '';
}

describe('blocking watch', () => {
  it('delivers the first answer (even a missing key), then each change, resuming from the last index', async () => {
    const seen: Array<[string | null, bigint]> = [];
    const w = client.watch('kv/cfg', undefined, (r) => void seen.push([valueOf(r), r.index]), { signal: controller.signal, waitMs: 30_000, minGapMs: 0 });
    await eventually(() => seen.length === 1, 10_000, 'first delivery');
    expect(seen[0]).toEqual([null, 1n]);
    await eventually(() => server.requestsFor('/v1/kv/cfg').length === 2, 10_000, 'blocking request');
    const i1 = server.set('cfg', 'one');
    await eventually(() => seen.length === 2, 10_000, 'second delivery');
    const i2 = server.set('cfg', 'two');
    await eventually(() => seen.length === 3, 10_000, 'third delivery');
    expect(seen.slice(1)).toEqual([
      ['one', BigInt(i1)],
      ['two', BigInt(i2)],
    ]);
    await eventually(() => server.requestsFor('/v1/kv/cfg').length === 4, 10_000, 'request after the second change');
    const reqs = server.requestsFor('/v1/kv/cfg');
    expect(reqs[0]!.query.has('index')).toBe(false);
    expect(reqs[1]!.query.get('index')).toBe('1');
    expect(reqs[1]!.query.get('wait')).toBe('30000ms');
    expect(reqs[2]!.query.get('index')).toBe(String(i1));
    expect(reqs[3]!.query.get('index')).toBe(String(i2));
    expect(w.index).toBe(BigInt(i2));
    w.stop();
    await w.done;
  });

  it('stays quiet when a blocking query times out with the same index', async () => {
    server.set('quiet', 'v');
    let deliveries = 0;
    const w = client.watch('kv/quiet', undefined, () => void deliveries++, { signal: controller.signal, waitMs: 20, minGapMs: 0 });
    await eventually(() => server.requestsFor('/v1/kv/quiet').length >= 5, 10_000, 'several timed-out rounds');
    expect(deliveries).toBe(1);
    server.set('quiet', 'changed');
    await eventually(() => deliveries === 2, 10_000, 'delivery after change');
    expect(w.deliveries).toBe(2);
  });

  it('resets to index 0 when the index goes backwards, then delivers the fresh data', async () => {
    for (const v of ['a', 'b', 'c', 'd']) server.set('k', v);
    const high = server.index;
    const seen: Array<[string | null, bigint]> = [];
    client.watch('kv/k', undefined, (r) => void seen.push([valueOf(r), r.index]), { signal: controller.signal, waitMs: 50, minGapMs: 0 });
    await eventually(() => seen.length === 1, 10_000, 'first delivery');
    expect(seen[0]).toEqual(['d', BigInt(high)]);
    server.resetState();
    const low = server.set('k', 'fresh');
    expect(low).toBeLessThan(high);
    await eventually(() => seen.length === 2, 10_000, 'delivery after reset');
    expect(seen[1]).toEqual(['fresh', BigInt(low)]);
    const reqs = server.requestsFor('/v1/kv/k');
    const blockedAtHigh = reqs.findIndex((r) => r.query.get('index') === String(high));
    expect(blockedAtHigh).toBeGreaterThan(0);
    expect(reqs.slice(blockedAtHigh + 1).some((r) => !r.query.has('index'))).toBe(true);
  });

  it('backs off while the agent is down, never throws, and recovers when it returns', async () => {
    server.set('svc', 'up');
    const port = server.port;
    const seen: string[] = [];
    const errors: Array<[Error, number]> = [];
    const delays: number[] = [];
    const w = client.watch('kv/svc', undefined, (r) => void seen.push(valueOf(r) ?? 'null'), {
      signal: controller.signal,
      waitMs: 30_000,
      minGapMs: 0,
      retryDelay: (failures) => {
        delays.push(failures);
        return 20;
      },
      onError: (err, failures) => void errors.push([err, failures]),
    });
    await eventually(() => seen.length === 1, 10_000, 'first delivery');
    await eventually(() => server.requestsFor('/v1/kv/svc').length === 2, 10_000, 'blocking request');
    await server.close();
    await eventually(() => w.failures >= 3, 10_000, 'three failures');
    expect(errors.slice(0, 3).map(([, f]) => f)).toEqual([1, 2, 3]);
    expect(delays.slice(0, 3)).toEqual([1, 2, 3]);
    expect(errors.every(([e]) => e instanceof ConsulConnectionError)).toBe(true);
    server.set('svc', 'back');
    await server.listen({ port });
    await eventually(() => seen.length === 2, 10_000, 'delivery after recovery');
    expect(seen).toEqual(['up', 'back']);
    expect(w.failures).toBe(0);
  });

  it('keeps going when the handler throws, and stops on abort even mid-block', async () => {
    const errors: Error[] = [];
    let calls = 0;
    const w = client.watch(
      'kv/h',
      undefined,
      () => {
        calls++;
        if (calls === 1) throw new Error('handler broke');
      },
      { signal: controller.signal, waitMs: 60_000, minGapMs: 0, onError: (e) => void errors.push(e) },
    );
    await eventually(() => calls === 1, 10_000, 'first call');
    await eventually(() => server.requestsFor('/v1/kv/h').length === 2, 10_000, 'blocking request');
    server.set('h', 'x');
    await eventually(() => calls === 2, 10_000, 'second call');
    expect(errors.map((e) => e.message)).toEqual(['handler broke']);
    await eventually(() => server.requestsFor('/v1/kv/h').length === 3, 10_000, 'blocked again');
    controller.abort();
    await w.done;
    expect(w.failures).toBe(0);
  });

  it('keeps a hundred blocking queries open at once, so none starves behind the others', async () => {
    const n = 100;
    const delivered = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      client.watch(`kv/many/${i}`, undefined, () => void delivered[i]!++, { signal: controller.signal, waitMs: 60_000, minGapMs: 0 });
    }
    await eventually(() => server.seen.filter((r) => r.query.has('index')).length === n, 10_000, 'all blocked');
    server.set(`many/${n - 1}`, 'wake');
    await eventually(() => delivered[n - 1] === 2, 10_000, 'last watch woken');
  });

  it('survives a retry policy that throws, falling back to the default backoff', async () => {
    const port = server.port;
    await server.close();
    const w = client.watch('kv/x', undefined, () => undefined, {
      signal: controller.signal,
      retryDelay: () => {
        throw new Error('broken policy');
      },
    });
    await eventually(() => w.failures >= 1, 10_000, 'a failure');
    server.set('x', 'v');
    await server.listen({ port });
    await eventually(() => w.deliveries === 1, 10_000, 'recovery');
    controller.abort();
    await expect(w.done).resolves.toBeUndefined();
  });

  it('starts consecutive requests at least minGapMs apart', async () => {
    // Measured where the server sees requests arrive, so allow for delivery jitter; without the gap they come ~1 ms apart.
    const gap = 200;
    let n = 0;
    client.watch('kv/busy', undefined, () => void n++, { signal: controller.signal, waitMs: 30_000, minGapMs: gap });
    await eventually(() => n === 1, 10_000, 'first');
    for (let i = 0; i < 4; i++) {
      await eventually(() => server.requestsFor('/v1/kv/busy').length === i + 2, 10_000, 'next request');
      server.set('busy', String(i));
    }
    await eventually(() => n === 5, 10_000, 'all changes');
    const at = server.requestsFor('/v1/kv/busy').map((r) => r.at);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(gap / 2);
  });

  it('re-reads without stale when the answer is staler than maxStaleMs', async () => {
    server.set('s', 'v');
    server.lastContactMs = 5000;
    const stale = new ConsulClient({ address: server.address, consistency: 'stale', env: {} });
    let n = 0;
    const w = stale.watch('kv/s', undefined, () => void n++, { signal: controller.signal, waitMs: 30_000, minGapMs: 0, maxStaleMs: 2000 });
    await eventually(() => n === 1, 10_000, 'first');
    w.stop();
    await w.done;
    stale.close();
    const [first, second] = server.requestsFor('/v1/kv/s');
    expect(first!.query.has('stale')).toBe(true);
    expect(second!.query.has('stale')).toBe(false);
  });
});

describe('retry delays', () => {
  it("consulWatchBackoff is Consul's 5s × failures², at most 180 s", () => {
    expect([1, 2, 3, 5, 6, 100].map(consulWatchBackoff)).toEqual([5000, 20_000, 45_000, 125_000, 180_000, 180_000]);
  });
});
