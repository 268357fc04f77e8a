// The watch loop's rules against a real local HTTP server with Consul's blocking semantics (test/support): first
// result always handled, deep-equal results skipped, index resets, Consul's error backoff, one handler run at a
// time with the latest data afterwards, event pruning, the `tag.service` form, stop.
import { ConsulClient, consulWatchBackoff } from '@conclave/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@conclave/toolkit';
import { parseWatchDefinition, startWatch, type RunningWatch, type WatchHandler } from '../src/internal.js';
import { LocalConsul } from './support/local-consul.js';

let server: LocalConsul;
let client: ConsulClient;
let running: RunningWatch | undefined;
let logLines: string[];

beforeEach(async () => {
  server = new LocalConsul();
  const address = await server.start();
  client = new ConsulClient({ address, env: {} });
  logLines = [];
});

afterEach(async () => {
  running?.stop();
  await running?.done;
  running = undefined;
  client.close();
  await server.stop();
});

const logger = () => createLogger({ level: 'trace', name: 'watch', write: (line) => logLines.push(line) });

/** A handler that records its calls; `until(n)` resolves once n calls have been made. */
function recorder() {
  const calls: Array<{ index: bigint; data: unknown }> = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const handler: WatchHandler = async (index, data) => {
    calls.push({ index, data });
    for (const w of waiters.filter((w) => calls.length >= w.n)) w.resolve();
  };
  const until = (n: number) =>
    new Promise<void>((resolve) => {
      if (calls.length >= n) resolve();
      else waiters.push({ n, resolve });
    });
  return { calls, handler, until };
}

/** Resolves once the server has seen a request matching `test` (used to know the watch is blocked on an index). */
async function requestSeen(test: (u: URL) => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (server.requests.some(test)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no such request; saw ${server.requests.map((u) => u.pathname + u.search).join(', ')}`);
}

const blockedAt = (path: string, index: bigint) => (u: URL) => u.pathname === path && u.searchParams.get('index') === String(index);

describe('first result and changes', () => {
  it('hands over null for a missing key first, then each change of the key', async () => {
    const rec = recorder();
    running = startWatch(parseWatchDefinition({ type: 'key', key: 'app/cfg', args: ['unused'] }), { client, handler: rec.handler });
    await rec.until(1);
    expect(rec.calls[0]).toEqual({ index: 10n, data: null });
    server.putKey('app/cfg', 'one');
    await rec.until(2);
    expect(rec.calls[1]!.data).toMatchObject({ Key: 'app/cfg', Value: Buffer.from('one').toString('base64'), ModifyIndex: 11 });
    expect(rec.calls[1]!.index).toBe(11n);
  });

  it('does not run the handler when the index moves but the data is equal', async () => {
    const rec = recorder();
    running = startWatch(parseWatchDefinition({ type: 'services', args: ['unused'] }), { client, handler: rec.handler, logger: logger() });
    await rec.until(1);
    await requestSeen(blockedAt('/v1/catalog/services', 10n));
    server.bump();
    // The watch re-asks from the new index: it saw the bump and did not hand it over.
    await requestSeen(blockedAt('/v1/catalog/services', 11n));
    server.setServices({ consul: [], web: ['v1'] });
    await rec.until(2);
    expect(rec.calls.map((c) => [c.index, c.data])).toEqual([
      [10n, { consul: [] }],
      [12n, { consul: [], web: ['v1'] }],
    ]);
    expect(running.invocations).toBe(2);
    expect(logLines.some((l) => l.includes('Watch result unchanged') && l.includes('index=11'))).toBe(true);
  });

  it('resets to index 0 when the index goes backwards and follows the new history', async () => {
    const rec = recorder();
    // An agent whose index is below ours blocks until the wait ends (COMPAT §1.6), so keep the wait short.
    running = startWatch(parseWatchDefinition({ type: 'services', args: ['unused'] }), { client, handler: rec.handler, waitMs: 300 });
    await rec.until(1);
    await requestSeen(blockedAt('/v1/catalog/services', 10n));
    // The agent lost its state: a lower index, new data.
    server.index = 2n;
    server.setServices({ consul: [], db: [] });
    await rec.until(2);
    expect(rec.calls[1]).toEqual({ index: 3n, data: { consul: [], db: [] } });
    expect(server.requests.some((u) => u.pathname === '/v1/catalog/services' && u.searchParams.get('index') === null && server.requests.indexOf(u) > 0)).toBe(true);
    server.setServices({ consul: [], db: ['primary'] });
    await rec.until(3);
    expect(rec.calls[2]).toEqual({ index: 4n, data: { consul: [], db: ['primary'] } });
  });
});

describe('errors', () => {
  it('backs off with the injected delay per consecutive failure, then hands over the result', async () => {
    server.failNext = 3;
    const delays: number[] = [];
    const rec = recorder();
    running = startWatch(parseWatchDefinition({ type: 'services', args: ['unused'] }), {
      client,
      handler: rec.handler,
      logger: logger(),
      retryDelay: (failures) => {
        delays.push(failures);
        return 1;
      },
    });
    await rec.until(1);
    // The loop and the log line each ask for the delay of the same failure count.
    expect([...new Set(delays)]).toEqual([1, 2, 3]);
    expect(logLines.filter((l) => l.includes('[ERROR] watch: Watch errored') && l.includes('type=services') && l.includes('No cluster leader'))).toHaveLength(3);
    expect(running.failures).toBe(0);
    expect(rec.calls).toHaveLength(1);
  });

  it("uses Consul's 5 s × failures² (max 180 s) by default", async () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100].map(consulWatchBackoff)).toEqual([5000, 20000, 45000, 80000, 125000, 180000, 180000, 180000]);
    server.failNext = 1;
    const rec = recorder();
    running = startWatch(parseWatchDefinition({ type: 'nodes', args: ['unused'] }), { client, handler: rec.handler, logger: logger() });
    for (let i = 0; i < 500 && !logLines.some((l) => l.includes('Watch errored')); i++) await new Promise((r) => setTimeout(r, 10));
    expect(logLines.find((l) => l.includes('Watch errored'))).toContain('retry=5s');
    expect(running.failures).toBe(1);
    // Stopping interrupts the backoff sleep.
    running.stop();
    await running.done;
    expect(rec.calls).toHaveLength(0);
  });

  it('logs an answer of the wrong shape and keeps watching', async () => {
    server.health.web = { not: 'a list' } as never;
    const rec = recorder();
    running = startWatch(parseWatchDefinition({ type: 'service', service: 'web', args: ['unused'] }), { client, handler: rec.handler, logger: logger() });
    await requestSeen(blockedAt('/v1/health/service/web', 10n));
    expect(logLines.some((l) => l.includes('Watch result not understood') && l.includes('not a list'))).toBe(true);
    server.health.web = [];
    server.bump();
    await rec.until(1);
    expect(rec.calls[0]).toEqual({ index: 11n, data: [] });
  });
});

describe('one handler run at a time', () => {
  it('never overlaps runs and runs once more with the latest data after a slow run', async () => {
    let active = 0;
    let maxActive = 0;
    const seen: unknown[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let secondStarted!: () => void;
    const started = new Promise<void>((r) => (secondStarted = r));
    let thirdDone!: () => void;
    const third = new Promise<void>((r) => (thirdDone = r));
    running = startWatch(parseWatchDefinition({ type: 'services', args: ['unused'] }), {
      client,
      handler: async (_i, data) => {
        active++;
        maxActive = Math.max(maxActive, active);
        seen.push(data);
        if (seen.length === 2) {
          secondStarted();
          await gate;
        }
        active--;
        if (seen.length === 3) thirdDone();
      },
    });
    await requestSeen(blockedAt('/v1/catalog/services', 10n));
    server.setServices({ consul: [], a: ['1'] });
    await started;
    // Three changes while the handler is busy.
    server.setServices({ consul: [], a: ['2'] });
    server.setServices({ consul: [], a: ['3'] });
    server.setServices({ consul: [], a: ['4'] });
    release();
    await third;
    expect(seen).toEqual([{ consul: [] }, { consul: [], a: ['1'] }, { consul: [], a: ['4'] }]);
    expect(maxActive).toBe(1);
    expect(running.invocations).toBe(3);
  });
});

describe('event watch', () => {
  it('hands over only the events newer than the last answer, each once', async () => {
    const e1 = server.fireEvent('deploy', 'v1');
    const e2 = server.fireEvent('deploy', 'v2');
    const rec = recorder();
    running = startWatch(parseWatchDefinition({ type: 'event', name: 'deploy', args: ['unused'] }), { client, handler: rec.handler });
    await rec.until(1);
    expect(rec.calls[0]!.data).toEqual([e1, e2]);
    expect(server.requests[0]!.searchParams.get('name')).toBe('deploy');
    const e3 = server.fireEvent('deploy', 'v3');
    await rec.until(2);
    expect(rec.calls[1]!.data).toEqual([e3]);
    // Many more: the event index is a hash of the newest ID, so it goes up and down; none may be handed over twice.
    const more = Array.from({ length: 12 }, (_, i) => server.fireEvent('deploy', `w${i}`));
    const ids = () => rec.calls.slice(2).flatMap((c) => (c.data as Array<{ ID: string }>).map((e) => e.ID));
    for (let i = 0; i < 500 && ids().length < more.length; i++) await new Promise((r) => setTimeout(r, 10));
    expect(ids()).toEqual(more.map((e) => e.ID));
  });

  it('keeps pruning right when the event index goes down', async () => {
    // IDs whose index (first 16 hex digits XOR last 16) is the last digit: 9, then 8, then 3, then 6.
    const id = (n: number) => `00000000-0000-0000-0000-00000000000${n}`;
    const e9 = server.fireEvent('deploy', '', id(9));
    const rec = recorder();
    running = startWatch(parseWatchDefinition({ type: 'event', args: ['unused'] }), { client, handler: rec.handler });
    await rec.until(1);
    expect(rec.calls[0]).toEqual({ index: 9n, data: [e9] });
    const e8 = server.fireEvent('deploy', '', id(8));
    await rec.until(2);
    expect(rec.calls[1]).toEqual({ index: 8n, data: [e8] });
    const e3 = server.fireEvent('other', 'x', id(3));
    await rec.until(3);
    expect(rec.calls[2]).toEqual({ index: 3n, data: [e3] });
    const e6 = server.fireEvent('deploy', '', id(6));
    await rec.until(4);
    expect(rec.calls[3]).toEqual({ index: 6n, data: [e6] });
  });
});

describe('the tag.service form', () => {
  it('watches tag master of service db when no service is named master.db', async () => {
    server.services = { consul: [], db: ['master', 'slave'] };
    server.health.db = [{ Service: { ID: 'db1', Tags: ['master'] } }];
    const rec = recorder();
    running = startWatch(parseWatchDefinition({ type: 'service', service: 'master.db', passingonly: true, args: ['unused'] }), { client, handler: rec.handler });
    await rec.until(1);
    const read = server.requests.find((u) => u.pathname.startsWith('/v1/health/service/'))!;
    expect(read.pathname).toBe('/v1/health/service/db');
    expect(read.searchParams.getAll('tag')).toEqual(['master']);
    expect(read.searchParams.has('passing')).toBe(true);
    expect(running.target).toEqual({ service: 'db', tags: ['master'] });
  });

  it('keeps the literal name when a service has it', async () => {
    server.services = { consul: [], 'master.db': [], db: ['master'] };
    const rec = recorder();
    running = startWatch(parseWatchDefinition({ type: 'service', service: 'master.db', tag: ['x', 'y'], args: ['unused'] }), { client, handler: rec.handler });
    await rec.until(1);
    const read = server.requests.find((u) => u.pathname.startsWith('/v1/health/service/'))!;
    expect(read.pathname).toBe('/v1/health/service/master.db');
    expect(read.searchParams.getAll('tag')).toEqual(['x', 'y']);
    expect(read.searchParams.has('passing')).toBe(false);
  });
});

describe('stop', () => {
  it('ends a blocked watch and aborts the running handler', async () => {
    let aborted = false;
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    running = startWatch(parseWatchDefinition({ type: 'nodes', args: ['unused'] }), {
      client,
      handler: (_i, _d, signal) =>
        new Promise<void>((resolve) => {
          entered();
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          });
        }),
    });
    await inHandler;
    running.stop();
    await running.done;
    expect(aborted).toBe(true);
  });

  it('stops through an external signal while waiting on a blocking query', async () => {
    const controller = new AbortController();
    const rec = recorder();
    running = startWatch(parseWatchDefinition({ type: 'nodes', args: ['unused'] }), { client, handler: rec.handler, signal: controller.signal });
    await rec.until(1);
    await requestSeen(blockedAt('/v1/catalog/nodes', 10n));
    controller.abort();
    await running.done;
    expect(rec.calls).toHaveLength(1);
  });
});
