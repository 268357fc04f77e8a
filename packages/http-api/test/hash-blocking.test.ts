// Hash-based blocking over the recording agent: a ?hash= equal to the answer's waits for watchLocal, a different
// one answers at once, a change that leaves the answer alone keeps it waiting, ?wait bounds it (Consul's text for a
// bad value), and ?dc is not an agent endpoint's concern.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateMachine } from '@conclave/state';
import { contentHash } from '../src/hash-blocking.js';
import { createHttpApi, type HttpApi } from '../src/index.js';
import { recordingAgent } from './harness.js';

let api: HttpApi;
const h = { base: '' };
const listeners: Array<() => void> = [];
let port = 80;

beforeAll(async () => {
  // The recording agent, announcing local changes as the real agent's LocalState does.
  const agent = recordingAgent([]);
  agent.service = async (id: string) => (id === 'web/1' ? { ID: 'web/1', Service: 'web', Port: port } : undefined);
  agent.watchLocal = (l) => {
    listeners.push(l);
    return () => {
      const i = listeners.indexOf(l);
      if (i >= 0) listeners.splice(i, 1);
    };
  };
  const state = new StateMachine();
  api = createHttpApi({
    state,
    log: { propose: () => Promise.reject(new Error('read-only')), barrier: async () => undefined, lastIndex: () => 0 } as never,
    leadership: () => ({ knownLeader: true, lastContactMs: 0, leaderAddress: '' }),
    peers: () => [],
    agent,
    datacenter: 'dc1',
    nodeName: 'node1',
  });
  const addr = await api.listen(0, '127.0.0.1');
  h.base = `http://127.0.0.1:${addr.port}`;
});
afterAll(async () => {
  await api.close();
});

describe('hash-based blocking', () => {
  it('hashes equal answers equally and different ones differently', () => {
    expect(contentHash({ a: 1 })).toBe(contentHash({ a: 1 }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
    expect(contentHash({ a: 1 })).toMatch(/^[0-9a-f]{1,16}$/);
  });

  it('waits while the hash is current, wakes on a local change, and leaves no listener behind', async () => {
    const first = await fetch(`${h.base}/v1/agent/service/web%2F1`);
    const hash = first.headers.get('x-consul-contenthash')!;
    const other = await fetch(`${h.base}/v1/agent/service/web%2F1?hash=not-${hash}&wait=30s`);
    expect(other.headers.get('x-consul-contenthash')).toBe(hash);
    const blocked = fetch(`${h.base}/v1/agent/service/web%2F1?hash=${hash}&wait=30s`);
    for (let i = 0; i < 100 && listeners.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(listeners).toHaveLength(1);
    // A change that leaves the answer as it was: the query keeps waiting (a new listener).
    listeners.shift()!();
    for (let i = 0; i < 100 && listeners.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(listeners).toHaveLength(1);
    // A change of the answer: the query answers the new content with its new hash.
    port = 81;
    listeners.shift()!();
    const woke = await blocked;
    expect(((await woke.json()) as { Port: number }).Port).toBe(81);
    expect(woke.headers.get('x-consul-contenthash')).not.toBe(hash);
    expect(listeners).toHaveLength(0);
    // ?wait ends a query with the same hash when nothing changes; ?dc is not an agent endpoint's concern.
    const now = woke.headers.get('x-consul-contenthash')!;
    const timed = await fetch(`${h.base}/v1/agent/service/web%2F1?hash=${now}&wait=50ms&dc=elsewhere`);
    expect([timed.status, timed.headers.get('x-consul-contenthash')]).toEqual([200, now]);
    expect(listeners).toHaveLength(0);
    const bad = await fetch(`${h.base}/v1/agent/service/web%2F1?hash=${hash}&wait=soon`);
    expect([bad.status, await bad.text()]).toEqual([400, 'Invalid wait time']);
  });
});
