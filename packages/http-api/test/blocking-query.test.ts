// A parked blocking query's life over plain HTTP/1.1: woken by a write to what it read and only by that, answered
// at its deadline, and forgotten (watch hub entries, timer) when its client goes away while parked. The HTTP/2
// forms are in http2.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import type { Command } from '@conclave/state';
import { waitFor } from '@conclave/test-support/wait-for';
import { apiCall, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const kv = (Key: string, v: string): Command => ({ type: 'kv.set', Key, Value: new TextEncoder().encode(v), Flags: '0' }) as Command;

async function indexOf(key: string): Promise<number> {
  const r = await apiCall(h.base, 'GET', `/v1/kv/${key}`);
  return Number(r.headers.get('x-consul-index'));
}

describe('a parked blocking query', () => {
  it('wakes for a write to its key, not for one to another key, and answers at that write', async () => {
    await h.write(kv('bq/a', '1'));
    const index = await indexOf('bq/a');
    let settled = false;
    const answer = apiCall(h.base, 'GET', `/v1/kv/bq/a?index=${index}&wait=5m`).finally(() => (settled = true));
    await waitFor('parked', async () => h.state.watches.size > 0, { timeoutMs: 5000, intervalMs: 5 });
    await h.write(kv('bq/b', 'other'));
    // Two round trips: whatever that write set off has run.
    await apiCall(h.base, 'GET', '/v1/status/leader');
    await apiCall(h.base, 'GET', '/v1/status/leader');
    expect(settled).toBe(false);
    await h.write(kv('bq/a', '2'));
    const r = await answer;
    expect(r.status).toBe(200);
    expect(Buffer.from(r.json[0].Value, 'base64').toString()).toBe('2');
    expect(Number(r.headers.get('x-consul-index'))).toBeGreaterThan(index);
    await waitFor('unparked', async () => h.state.watches.size === 0, { timeoutMs: 5000, intervalMs: 5 });
  });

  it('answers the current data at its deadline', async () => {
    const index = await indexOf('bq/a');
    const r = await apiCall(h.base, 'GET', `/v1/kv/bq/a?index=${index}&wait=50ms`);
    expect(r.status).toBe(200);
    expect(Number(r.headers.get('x-consul-index'))).toBe(index);
    expect(h.state.watches.size).toBe(0);
  });

  it('is forgotten when its client goes away while it is parked', async () => {
    const index = await indexOf('bq/a');
    const url = new URL(`${h.base}/v1/kv/bq/a?index=${index}&wait=5m`);
    const req = request(url, { agent: false });
    req.on('error', () => {});
    req.end();
    await waitFor('parked', async () => h.state.watches.size > 0, { timeoutMs: 5000, intervalMs: 5 });
    req.destroy();
    await waitFor('forgotten', async () => h.state.watches.size === 0, { timeoutMs: 5000, intervalMs: 5 });
    // A later write to the key finds no one to wake, and the API goes on answering.
    await h.write(kv('bq/a', '3'));
    expect((await apiCall(h.base, 'GET', '/v1/kv/bq/a')).status).toBe(200);
  });
});
