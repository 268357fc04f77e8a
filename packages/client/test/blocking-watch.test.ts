import { setMaxListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsulClient, ConsulConnectionError, consulWatchBackoff, type KVPair, type QueryResponse } from '../src/index.js';
import { decodePairs } from '../src/kv.js';
import { waitFor } from '@conclave/test-support/wait-for';
import { IndexServer } from './support/index-server.js';

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
    await waitFor('first delivery', () => seen.length === 1, { timeoutMs: 10_000 });
    expect(seen[0]).toEqual([null, 1n]);
    await waitFor('blocking request', () => server.requestsFor('/v1/kv/cfg').length === 2, { timeoutMs: 10_000 });
    const i1 = server.set('cfg', 'one');
    await waitFor('second delivery', () => seen.length === 2, { timeoutMs: 10_000 });
    const i2 = server.set('cfg', 'two');
    await waitFor('third delivery', () => seen.length === 3, { timeoutMs: 10_000 });
    expect(seen.slice(1)).toEqual([
      ['one', BigInt(i1)],
      ['two', BigInt(i2)],
    ]);
    await waitFor('request after the second change', () => server.requestsFor('/v1/kv/cfg').length === 4, { timeoutMs: 10_000 });
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
    await waitFor('several timed-out rounds', () => server.requestsFor('/v1/kv/quiet').length >= 5, { timeoutMs: 10_000 });
    expect(deliveries).toBe(1);
    server.set('quiet', 'changed');
    await waitFor('delivery after change', () => deliveries === 2, { timeoutMs: 10_000 });
    expect(w.deliveries).toBe(2);
  });

  it('resets to index 0 when the index goes backwards, then delivers the fresh data', async () => {
    for (const v of ['a', 'b', 'c', 'd']) server.set('k', v);
    const high = server.index;
    const seen: Array<[string | null, bigint]> = [];
    client.watch('kv/k', undefined, (r) => void seen.push([valueOf(r), r.index]), { signal: controller.signal, waitMs: 50, minGapMs: 0 });
    await waitFor('first delivery', () => seen.length === 1, { timeoutMs: 10_000 });
    expect(seen[0]).toEqual(['d', BigInt(high)]);
    server.resetState();
    const low = server.set('k', 'fresh');
    expect(low).toBeLessThan(high);
    await waitFor('delivery after reset', () => seen.length === 2, { timeoutMs: 10_000 });
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
    await waitFor('first delivery', () => seen.length === 1, { timeoutMs: 10_000 });
    await waitFor('blocking request', () => server.requestsFor('/v1/kv/svc').length === 2, { timeoutMs: 10_000 });
    await server.close();
    await waitFor('three failures', () => w.failures >= 3, { timeoutMs: 10_000 });
    expect(errors.slice(0, 3).map(([, f]) => f)).toEqual([1, 2, 3]);
    expect(delays.slice(0, 3)).toEqual([1, 2, 3]);
    expect(errors.every(([e]) => e instanceof ConsulConnectionError)).toBe(true);
    server.set('svc', 'back');
    await server.listen({ port });
    await waitFor('delivery after recovery', () => seen.length === 2, { timeoutMs: 10_000 });
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
    await waitFor('first call', () => calls === 1, { timeoutMs: 10_000 });
    await waitFor('blocking request', () => server.requestsFor('/v1/kv/h').length === 2, { timeoutMs: 10_000 });
    server.set('h', 'x');
    await waitFor('second call', () => calls === 2, { timeoutMs: 10_000 });
    expect(errors.map((e) => e.message)).toEqual(['handler broke']);
    await waitFor('blocked again', () => server.requestsFor('/v1/kv/h').length === 3, { timeoutMs: 10_000 });
    controller.abort();
    await w.done;
    expect(w.failures).toBe(0);
  });

  it('keeps a hundred blocking queries open at once, so none starves behind the others', async () => {
    const n = 100;
    const delivered = new Array<number>(n).fill(0);
    // A hundred watches share the test's one signal, each with its own abort listener (removed when it stops):
    // more than Node's default of ten per signal, on purpose.
    setMaxListeners(n + 10, controller.signal);
    for (let i = 0; i < n; i++) {
      client.watch(`kv/many/${i}`, undefined, () => void delivered[i]!++, { signal: controller.signal, waitMs: 60_000, minGapMs: 0 });
    }
    await waitFor('all blocked', () => server.seen.filter((r) => r.query.has('index')).length === n, { timeoutMs: 10_000 });
    server.set(`many/${n - 1}`, 'wake');
    await waitFor('last watch woken', () => delivered[n - 1] === 2, { timeoutMs: 10_000 });
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
    await waitFor('a failure', () => w.failures >= 1, { timeoutMs: 10_000 });
    server.set('x', 'v');
    await server.listen({ port });
    await waitFor('recovery', () => w.deliveries === 1, { timeoutMs: 10_000 });
    controller.abort();
    await expect(w.done).resolves.toBeUndefined();
  });

  it('starts consecutive requests at least minGapMs apart', async () => {
    // Measured where the server sees requests arrive, so allow for delivery jitter; without the gap they come ~1 ms apart.
    const gap = 200;
    let n = 0;
    client.watch('kv/busy', undefined, () => void n++, { signal: controller.signal, waitMs: 30_000, minGapMs: gap });
    await waitFor('first', () => n === 1, { timeoutMs: 10_000 });
    for (let i = 0; i < 4; i++) {
      await waitFor('next request', () => server.requestsFor('/v1/kv/busy').length === i + 2, { timeoutMs: 10_000 });
      server.set('busy', String(i));
    }
    await waitFor('all changes', () => n === 5, { timeoutMs: 10_000 });
    const at = server.requestsFor('/v1/kv/busy').map((r) => r.at);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(gap / 2);
  });

  it('re-reads without stale when the answer is staler than maxStaleMs', async () => {
    server.set('s', 'v');
    server.lastContactMs = 5000;
    const stale = new ConsulClient({ address: server.address, consistency: 'stale', env: {} });
    let n = 0;
    const w = stale.watch('kv/s', undefined, () => void n++, { signal: controller.signal, waitMs: 30_000, minGapMs: 0, maxStaleMs: 2000 });
    await waitFor('first', () => n === 1, { timeoutMs: 10_000 });
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
