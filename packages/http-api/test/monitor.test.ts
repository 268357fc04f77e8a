// GET /v1/agent/monitor over a real socket: lines at the client's level and format, Consul's 400 for a bad
// level, and a client that stops reading: the queue stays at its bound, the rest is dropped and counted, the
// API keeps answering, and the drop is reported to the client (when it reads again) and to the agent's log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { createLogger } from '@conclave/toolkit';
import { MONITOR_BUFFER_LINES, type MonitorStream } from '../src/index.js';
import { startHarness, type Harness } from './harness.js';

const agentLog: string[] = [];
const logger = createLogger({ level: 'info', name: 'agent', write: (l) => agentLog.push(l) });
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ logger });
});
afterAll(() => h.close());

/** Reads the streamed body until `done` says the text so far is enough. */
async function readUntil(res: Response, done: (text: string) => boolean): Promise<string> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = '';
  while (!done(text)) {
    const { value, done: end } = await reader.read();
    if (end) break;
    text += dec.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

/** Resolves once the server has added the monitor's sink (the response headers come first). */
async function sinkCount(n: number): Promise<void> {
  while (h.monitorSinks.length < n) await new Promise((r) => setTimeout(r, 5));
}

describe('/v1/agent/monitor', () => {
  it('streams lines at the asked level in text, and hclog JSON with ?logjson', async () => {
    const ac = new AbortController();
    const text = await fetch(`${h.base}/v1/agent/monitor?loglevel=debug`, { signal: ac.signal });
    expect(text.status).toBe(200);
    expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const json = await fetch(`${h.base}/v1/agent/monitor?logjson`, { signal: ac.signal });
    await sinkCount(2);
    logger.named('http').debug('Request finished', { method: 'GET', url: '/v1/kv/a' });
    logger.info('Synced service', { service: 'web' });
    const [t, j] = await Promise.all([
      readUntil(text, (s) => s.includes('Synced service')),
      readUntil(json, (s) => s.includes('Synced service')),
    ]);
    ac.abort();
    expect(t.trim().split('\n').map((l) => l.replace(/^\S+ /, ''))).toEqual([
      '[DEBUG] agent.http: Request finished: method=GET url=/v1/kv/a',
      '[INFO]  agent: Synced service: service=web',
    ]);
    // Default level info: the debug line is not there.
    const rec = JSON.parse(j.trim()) as Record<string, unknown>;
    expect(Object.keys(rec)).toEqual(['@level', '@message', '@module', '@timestamp', 'service']);
    expect(rec).toMatchObject({ '@level': 'info', '@message': 'Synced service', '@module': 'agent', service: 'web' });
    expect(h.agentCalls.filter((c) => c.method === 'monitor').map((c) => c.args)).toEqual([
      ['debug', 'text'],
      ['info', 'json'],
    ]);
  });

  it("logs Consul's agent.http Request finished at debug, token hidden, only while a sink wants debug", async () => {
    await (await fetch(`${h.base}/v1/kv/quiet`)).text();
    expect(agentLog.some((l) => l.includes('Request finished'))).toBe(false);
    const ac = new AbortController();
    const before = h.monitorSinks.length;
    const res = await fetch(`${h.base}/v1/agent/monitor?loglevel=debug`, { signal: ac.signal });
    await sinkCount(before + 1);
    await (await fetch(`${h.base}/v1/kv/seen?token=secret&recurse`)).text();
    const text = await readUntil(res, (s) => s.includes('url=/v1/kv/seen'));
    ac.abort();
    expect(text.trim().replace(/^\S+ /, '')).toMatch(
      /^\[DEBUG\] agent\.http: Request finished: method=GET url=\/v1\/kv\/seen\?token=<hidden>&recurse from=127\.0\.0\.1:\d+ latency=[\d.]+(ns|µs|ms|s)$/,
    );
    // The agent's own sink is at info: it never got the line.
    expect(agentLog.some((l) => l.includes('Request finished'))).toBe(false);
  });

  it("answers Consul's 400 for an unknown level, and 405 for other methods", async () => {
    const bad = await fetch(`${h.base}/v1/agent/monitor?loglevel=loud`);
    expect([bad.status, await bad.text()]).toEqual([400, 'Unknown log level: loud']);
    const off = await fetch(`${h.base}/v1/agent/monitor?loglevel=off`);
    expect(off.status).toBe(400);
    await off.text();
    const put = await fetch(`${h.base}/v1/agent/monitor`, { method: 'PUT' });
    expect(put.status).toBe(405);
    await put.text();
  });

  it('keeps a client that does not read to a bounded queue, drops and counts the rest, and reports it', async () => {
    const before = h.monitorSinks.length;
    const sock = net.connect(h.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.pause(); // never reads
    sock.write('GET /v1/agent/monitor?loglevel=debug HTTP/1.1\r\nHost: test\r\n\r\n');
    await sinkCount(before + 1);
    const stream = h.monitorSinks[before] as MonitorStream;

    // Four megabytes of log in one synchronous burst, as a busy agent might write.
    const pad = 'x'.repeat(1000);
    const lines = 4000;
    for (let i = 0; i < lines; i++) logger.debug('busy', { i, pad });
    expect(stream.maxQueued).toBe(MONITOR_BUFFER_LINES);
    expect(stream.queued).toBeLessThanOrEqual(MONITOR_BUFFER_LINES);
    // What Node holds for the socket: its high-water mark (16 KiB on Node 20, 64 KiB from 22) plus the line that
    // crossed it.
    expect(stream.bufferedBytes).toBeLessThan(stream.highWaterMark + 2 * 1100);
    expect(stream.dropped).toBeGreaterThan(lines - MONITOR_BUFFER_LINES - Math.ceil(stream.highWaterMark / 1000) - 20);
    const dropped = stream.dropped;

    // The API still answers while the monitor's socket is stuck.
    const put = await fetch(`${h.base}/v1/kv/still-here`, { method: 'PUT', body: 'yes' });
    expect(await put.text()).toBe('true');
    const get = await fetch(`${h.base}/v1/kv/still-here?raw`);
    expect(await get.text()).toBe('yes');

    // The client goes away: the sink is removed and the agent logs Consul's line with the total.
    sock.destroy();
    while (!agentLog.some((l) => l.includes('Dropped logs during monitor request'))) await new Promise((r) => setTimeout(r, 5));
    expect(agentLog.filter((l) => l.includes('Dropped')).map((l) => l.replace(/^\S+ /, ''))).toEqual([
      `[WARN]  agent: Dropped logs during monitor request: dropped_count=${stream.dropped}`,
    ]);
    const n = agentLog.length;
    logger.warn('after the client left');
    expect(stream.queued).toBe(0);
    expect(agentLog.length).toBe(n + 1);
  });

  it('tells a slow client that reads again how many lines it lost, after the lines it kept', async () => {
    const before = h.monitorSinks.length;
    const ac = new AbortController();
    const res = await fetch(`${h.base}/v1/agent/monitor?loglevel=debug`, { signal: ac.signal });
    await sinkCount(before + 1);
    const stream = h.monitorSinks[before] as MonitorStream;
    const pad = 'y'.repeat(1000);
    for (let i = 0; i < 2000; i++) logger.debug('burst', { i, pad });
    const dropped = stream.dropped;
    expect(dropped).toBeGreaterThan(0);
    const text = await readUntil(res, (s) => s.includes('dropped_count='));
    ac.abort();
    const got = text.trim().split('\n');
    const notice = got.at(-1)!.replace(/^\S+ /, '');
    expect(notice).toBe(`[WARN]  agent: Dropped logs during monitor request: dropped_count=${dropped}`);
    // Every line kept arrived, in order, and the kept ones plus the dropped ones are all that was logged.
    const kept = got.slice(0, -1).map((l) => Number(/ i=(\d+) /.exec(l)![1]));
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    expect(kept.length + dropped).toBe(2000);
  });
});
