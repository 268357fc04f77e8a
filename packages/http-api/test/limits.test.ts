// Limits and fairness on a real HTTP server: Consul's request_limits (reads 429 "try a different server", writes
// 503 "try again later" when enforcing; permissive only reports), http_config.response_headers on every answer,
// and a client that stops sending its body mid-way (slowloris) refused with 408 and cut off.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RateLimitedError, TokenBucket } from '@conclave/toolkit';
import { RequestLimits } from '../src/index.js';
import { errorAnswer } from '../src/api-error.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('TokenBucket', () => {
  it('gives a burst, then the rate, on its clock', () => {
    let t = 0;
    const b = new TokenBucket(2, 3, () => t);
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
    t = 499;
    expect(b.take()).toBe(false);
    t = 500;
    expect(b.take()).toBe(true);
    expect(new TokenBucket(-1, 1).take()).toBe(true);
  });
});

describe('request_limits', () => {
  it('enforcing: reads over the rate get 429, writes 503, with Consul texts; agent endpoints are not counted', async () => {
    let t = 0;
    const exceeded: string[] = [];
    const limits = new RequestLimits({ mode: 'enforcing', readRate: 2, writeRate: 1 }, (kind, method) => exceeded.push(`${kind} ${method}`), () => t);
    h = await startHarness({ http: { requestLimits: limits } });
    const get = () => fetch(`${h!.base}/v1/kv/x`);
    const put = () => fetch(`${h!.base}/v1/kv/x`, { method: 'PUT', body: 'v' });
    expect([(await get()).status, (await get()).status]).toEqual([404, 404]);
    const over = await get();
    expect(over.status).toBe(429);
    expect(await over.text()).toBe('rate limit exceeded, try a different server');
    expect((await put()).status).toBe(200);
    const overWrite = await put();
    expect(overWrite.status).toBe(503);
    expect(await overWrite.text()).toBe('rate limit exceeded, try again later');
    expect((await fetch(`${h.base}/v1/agent/self`)).status).toBe(200);
    t = 1000; // a second later both buckets have refilled
    expect((await get()).status).toBe(200);
    expect((await put()).status).toBe(200);
    expect(exceeded).toEqual(['read GET', 'write PUT']);
  });

  it('permissive: reports and lets through; disabled: counts nothing', async () => {
    const exceeded: string[] = [];
    const t = 0;
    const limits = new RequestLimits({ mode: 'permissive', readRate: 1, writeRate: 1 }, (kind) => exceeded.push(kind), () => t);
    expect([limits.check('GET', '/v1/kv/a'), limits.check('GET', '/v1/kv/a')]).toEqual([undefined, undefined]);
    expect(exceeded).toEqual(['read']);
    const off = new RequestLimits({ mode: 'disabled', readRate: 0, writeRate: 0 });
    expect(off.check('PUT', '/v1/kv/a')).toBeUndefined();
  });

  it('a rate-limited RPC (RateLimitedError) is answered 429 and not logged as a failure', () => {
    expect(errorAnswer(new RateLimitedError('RPC rate limit exceeded'))).toEqual({ status: 429, message: 'RPC rate limit exceeded', expected: true });
  });
});

describe('http_config.response_headers', () => {
  it('are on every answer, errors included', async () => {
    h = await startHarness({ http: { responseHeaders: { 'X-Frame-Options': 'DENY', 'Access-Control-Allow-Origin': '*' } } });
    for (const path of ['/v1/kv/missing', '/v1/agent/self', '/nope']) {
      const r = await fetch(`${h.base}${path}`);
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('access-control-allow-origin')).toBe('*');
    }
  });
});

describe('a body that stops arriving', () => {
  it('is refused with 408 and the connection is closed; the server keeps answering', async () => {
    h = await startHarness({ bodyIdleMs: 200 });
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(h!.port, '127.0.0.1', () => {
        sock.write('PUT /v1/kv/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-part');
      });
      let got = '';
      sock.on('data', (d) => (got += d.toString()));
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('Request body not received: nothing arrived for 0.2 s');
    expect((await fetch(`${h.base}/v1/kv/slow`)).status).toBe(404);
  });
});
