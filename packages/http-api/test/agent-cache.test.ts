// The agent cache's rules with a scripted origin and clock: what a lost background refresh does to Age, when
// Cache-Control max-age refetches, and when stale-if-error answers the old entry. (The dev-agent test in
// apps/agent/test/api-completeness-dev.test.ts runs the cache through real requests; a server outage is what
// this one scripts.)
import { describe, expect, it } from 'vitest';
import { AgentCache, parseCacheControl, type CachedReply } from '../src/agent-cache.js';

function reply(index: number, body: string, status = 200): CachedReply {
  return { status, headers: { 'x-consul-index': String(index) }, body: Buffer.from(body) };
}

/** An origin whose answers the test sets; blocking refreshes wait until the test releases them. */
function origin() {
  let current = reply(5, 'v5');
  let down = false;
  const blocked: Array<() => void> = [];
  const urls: string[] = [];
  const fetch = (url: string, _h: Record<string, string>, abort: AbortSignal): Promise<CachedReply> => {
    urls.push(url);
    if (!url.includes('index=')) return down ? Promise.reject(new Error('No known Consul servers')) : Promise.resolve(current);
    return new Promise((resolve, reject) => {
      const release = () => (down ? reject(new Error('No known Consul servers')) : resolve(current));
      blocked.push(release);
      abort.addEventListener('abort', () => reject(new Error('aborted')));
    });
  };
  return {
    fetch,
    urls,
    set(r: CachedReply) {
      current = r;
    },
    setDown(d: boolean) {
      down = d;
    },
    releaseAll() {
      for (const r of blocked.splice(0)) r();
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));
const req = (over: Partial<Parameters<AgentCache['get']>[1]> = {}) => ({ url: '/v1/catalog/services', headers: {}, minIndex: 0, waitMs: 1000, ...over });

describe('AgentCache', () => {
  it('misses once, hits after, and takes the refresh\'s newer answer', async () => {
    const o = origin();
    let now = 1_000_000;
    const cache = new AgentCache(o.fetch, { now: () => now });
    const gone = new AbortController().signal;
    expect(await cache.get('k', req(), gone)).toMatchObject({ hit: false, ageS: 0 });
    expect(await cache.get('k', req(), gone)).toMatchObject({ hit: true, ageS: 0 });
    o.set(reply(9, 'v9'));
    o.releaseAll();
    await settle();
    const hit = await cache.get('k', req(), gone);
    expect([hit.hit, hit.reply.body.toString()]).toEqual([true, 'v9']);
    expect(o.urls).toContain('/v1/catalog/services?index=5&wait=600s');
    cache.close();
  });

  it('after the refresh loses contact, Age counts; max-age refetches; stale-if-error answers the old entry', async () => {
    const o = origin();
    let now = 1_000_000;
    const cache = new AgentCache(o.fetch, { now: () => now });
    const gone = new AbortController().signal;
    await cache.get('k', req(), gone);
    o.setDown(true);
    o.releaseAll();
    await settle();
    now += 30_000;
    expect(await cache.get('k', req(), gone)).toMatchObject({ hit: true, ageS: 30 });
    // Older than max-age and the origin is down: an error, unless stale-if-error covers the age.
    await expect(cache.get('k', req({ maxAgeS: 10 }), gone)).rejects.toThrow('No known Consul servers');
    const stale = await cache.get('k', req({ maxAgeS: 10, staleIfErrorS: 60 }), gone);
    expect([stale.hit, stale.ageS, stale.reply.body.toString()]).toEqual([true, 30, 'v5']);
    await expect(cache.get('k', req({ maxAgeS: 10, staleIfErrorS: 20 }), gone)).rejects.toThrow('No known Consul servers');
    // Back up: max-age refetches (a miss) and the entry is current again.
    o.setDown(false);
    o.set(reply(12, 'v12'));
    const fresh = await cache.get('k', req({ maxAgeS: 10 }), gone);
    expect([fresh.hit, fresh.ageS, fresh.reply.body.toString()]).toEqual([false, 0, 'v12']);
    expect(await cache.get('k', req(), gone)).toMatchObject({ hit: true, ageS: 0 });
    cache.close();
  });

  it('does not keep an error answer, and keeps at most maxEntries', async () => {
    const o = origin();
    o.set(reply(1, 'Missing service name', 400));
    const cache = new AgentCache(o.fetch, { maxEntries: 2 });
    const gone = new AbortController().signal;
    expect((await cache.get('bad', req(), gone)).reply.status).toBe(400);
    expect(cache.size).toBe(0);
    o.set(reply(3, 'ok'));
    for (const k of ['a', 'b', 'c']) await cache.get(k, req({ url: `/v1/catalog/service/${k}` }), gone);
    expect(cache.size).toBe(2);
    cache.close();
  });

  it('parses Cache-Control as Consul does', () => {
    expect(parseCacheControl('max-age=30, stale-if-error=600, must-revalidate')).toEqual({ maxAgeS: 30, staleIfErrorS: 600 });
    expect(parseCacheControl('no-cache')).toEqual({});
    expect(parseCacheControl('max-age=-1')).toEqual({ error: 'Invalid max-age value: "-1"' });
  });
});
