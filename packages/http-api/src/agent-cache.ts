// Consul's agent cache for `?cached` reads (agent/cache with background refresh): the first request fetches
// (X-Cache: MISS) and starts a blocking query that keeps the entry current; later requests are answered from
// memory (X-Cache: HIT). `Age` is 0 while the refresh is in contact and counts from the moment it lost contact
// otherwise. Request `Cache-Control: max-age=N` refetches an entry older than N seconds; `stale-if-error=N`
// answers the old entry when that refetch fails and the entry is at most N seconds old. `?index=` blocks on the
// entry until the refresh brings a higher index. Entries are fetched through `fetch`, which runs the request
// through this agent's own handler (so a client agent's cache is filled from its servers, a server's locally).

import { exponentialBackoff, sleep } from '@conclave/toolkit';

export interface CachedReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Runs a GET through the agent's normal request path; `abort` ends a blocking one early. */
export type CacheFetch = (url: string, headers: Record<string, string>, abort: AbortSignal) => Promise<CachedReply>;

export interface CacheRequest {
  /** The URL to fetch: path and query without `cached`, `index` and `wait`. */
  url: string;
  headers: Record<string, string>;
  /** Cache-Control max-age / stale-if-error in seconds; undefined when not given. */
  maxAgeS?: number;
  staleIfErrorS?: number;
  /** ?index= of a blocking cached read, and how long it may wait. */
  minIndex: number;
  waitMs: number;
}

export interface CacheAnswer {
  reply: CachedReply;
  hit: boolean;
  ageS: number;
}

interface Entry {
  key: string;
  url: string;
  headers: Record<string, string>;
  reply: CachedReply;
  index: number;
  /** When the background refresh last failed without a success since; 0 while in contact. */
  lostContactAt: number;
  lastGet: number;
  waiters: Set<() => void>;
  stop: AbortController;
}

export interface AgentCacheOptions {
  /** Most entries kept (each holds a background blocking query); the least recently read goes first. */
  maxEntries?: number;
  /** An entry not read for this long stops refreshing and is dropped (Consul: 72 h for refreshing types). */
  idleTtlMs?: number;
  /** The wait of each background blocking query (Consul's refresh timeout: 10 min). */
  refreshWaitMs?: number;
  now?: () => number;
}

/** The endpoints Consul answers through its cache when asked `?cached` (catalog services and service nodes,
 * health service nodes incl. connect and ingress, datacenters, gateway services). */
export function isCacheablePath(path: string): boolean {
  return (
    path === '/v1/catalog/services' ||
    path === '/v1/catalog/datacenters' ||
    path.startsWith('/v1/catalog/service/') ||
    path.startsWith('/v1/catalog/gateway-services/') ||
    path.startsWith('/v1/health/service/') ||
    path.startsWith('/v1/health/connect/') ||
    path.startsWith('/v1/health/ingress/')
  );
}

/** Consul's parseCacheControl: max-age, stale-if-error (seconds), must-revalidate; a bad number is a 400 text. */
export function parseCacheControl(value: string | undefined): { maxAgeS?: number; staleIfErrorS?: number; error?: string } {
  const out: { maxAgeS?: number; staleIfErrorS?: number; error?: string } = {};
  if (!value) return out;
  for (const raw of value.split(',')) {
    const d = raw.trim();
    const eq = d.indexOf('=');
    const name = (eq < 0 ? d : d.slice(0, eq)).toLowerCase();
    const arg = eq < 0 ? '' : d.slice(eq + 1);
    if (name !== 'max-age' && name !== 'stale-if-error') continue;
    if (!/^[0-9]+$/.test(arg)) return { error: `Invalid ${name} value: ${JSON.stringify(arg)}` };
    if (name === 'max-age') out.maxAgeS = Number(arg);
    else out.staleIfErrorS = Number(arg);
  }
  return out;
}

export class AgentCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Entry | CachedReply>>();
  private readonly maxEntries: number;
  private readonly idleTtlMs: number;
  private readonly refreshWaitMs: number;
  private readonly now: () => number;
  private closed = false;

  constructor(
    private readonly fetch: CacheFetch,
    options: AgentCacheOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 512;
    this.idleTtlMs = options.idleTtlMs ?? 72 * 3600_000;
    this.refreshWaitMs = options.refreshWaitMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  async get(key: string, req: CacheRequest, gone: AbortSignal): Promise<CacheAnswer> {
    let entry = this.entries.get(key);
    if (!entry) {
      const got = await this.fill(key, req);
      if (!('reply' in got && 'key' in got)) return { reply: got as CachedReply, hit: false, ageS: 0 };
      entry = got;
      entry.lastGet = this.now();
      if (req.minIndex === 0 || entry.index > req.minIndex) return { reply: entry.reply, hit: false, ageS: 0 };
      return this.wait(entry, req, gone, false);
    }
    entry.lastGet = this.now();
    const age = this.ageS(entry);
    if (req.maxAgeS !== undefined && req.maxAgeS > 0 && age > req.maxAgeS) {
      // Too old for the caller: fetch it now; when that fails, stale-if-error may still allow the old one.
      const fresh = await this.fetchOnce(req.url, req.headers).catch((err: unknown) => err);
      if (fresh instanceof Error || (fresh as CachedReply).status !== 200) {
        if (req.staleIfErrorS !== undefined && age <= req.staleIfErrorS) return { reply: entry.reply, hit: true, ageS: age };
        if (fresh instanceof Error) throw fresh;
        return { reply: fresh as CachedReply, hit: false, ageS: 0 };
      }
      this.store(entry, fresh as CachedReply);
      return { reply: entry.reply, hit: false, ageS: 0 };
    }
    if (req.minIndex === 0 || entry.index > req.minIndex) return { reply: entry.reply, hit: true, ageS: age };
    return this.wait(entry, req, gone, true);
  }

  /** Stops every background refresh. */
  close(): void {
    this.closed = true;
    for (const e of this.entries.values()) e.stop.abort();
    this.entries.clear();
  }

  private ageS(e: Entry): number {
    return e.lostContactAt === 0 ? 0 : Math.floor((this.now() - e.lostContactAt) / 1000);
  }

  /** A blocking cached read: waits for the refresh to bring an index above ?index=, or the wait to end. */
  private async wait(entry: Entry, req: CacheRequest, gone: AbortSignal, hit: boolean): Promise<CacheAnswer> {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        entry.waiters.delete(check);
        gone.removeEventListener('abort', done);
        resolve();
      };
      const check = () => {
        if (entry.index > req.minIndex) done();
      };
      const timer = setTimeout(done, req.waitMs + Math.random() * (req.waitMs / 16));
      entry.waiters.add(check);
      gone.addEventListener('abort', done);
    });
    return { reply: entry.reply, hit: hit && entry.index <= req.minIndex, ageS: this.ageS(entry) };
  }

  /** The first fetch of a key (concurrent first requests share it); a non-200 answer is passed on, not kept. */
  private fill(key: string, req: CacheRequest): Promise<Entry | CachedReply> {
    let p = this.pending.get(key);
    if (!p) {
      p = this.fetchOnce(req.url, req.headers)
        .then((reply): Entry | CachedReply => {
          if (reply.status !== 200 || this.closed) return reply;
          const entry: Entry = {
            key,
            url: req.url,
            headers: req.headers,
            reply,
            index: indexOf(reply),
            lostContactAt: 0,
            lastGet: this.now(),
            waiters: new Set(),
            stop: new AbortController(),
          };
          this.evictFor();
          this.entries.set(key, entry);
          void this.refresh(entry);
          return entry;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }

  private fetchOnce(url: string, headers: Record<string, string>): Promise<CachedReply> {
    return this.fetch(url, headers, new AbortController().signal);
  }

  private store(entry: Entry, reply: CachedReply): void {
    entry.reply = reply;
    entry.index = indexOf(reply);
    entry.lostContactAt = 0;
    for (const w of [...entry.waiters]) w();
  }

  private evictFor(): void {
    while (this.entries.size >= this.maxEntries) {
      let oldest: Entry | undefined;
      for (const e of this.entries.values()) if (!oldest || e.lastGet < oldest.lastGet) oldest = e;
      if (!oldest) return;
      oldest.stop.abort();
      this.entries.delete(oldest.key);
    }
  }

  /** The background refresh: a blocking query at the entry's index, again and again, backing off on failure. */
  private async refresh(entry: Entry): Promise<void> {
    const backoff = exponentialBackoff({ baseMs: 500, maxMs: 30_000 });
    let failures = 0;
    const sep = entry.url.includes('?') ? '&' : '?';
    while (!entry.stop.signal.aborted && !this.closed) {
      if (this.now() - entry.lastGet > this.idleTtlMs) break;
      const url = `${entry.url}${sep}index=${entry.index}&wait=${Math.floor(this.refreshWaitMs / 1000)}s`;
      let reply: CachedReply | undefined;
      try {
        reply = await this.fetch(url, entry.headers, entry.stop.signal);
      } catch {
        reply = undefined;
      }
      if (entry.stop.signal.aborted || this.closed) break;
      if (reply && reply.status === 200) {
        failures = 0;
        this.store(entry, reply);
        continue;
      }
      if (entry.lostContactAt === 0) entry.lostContactAt = this.now();
      failures++;
      await sleep(backoff(failures), entry.stop.signal);
    }
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
  }
}

function indexOf(reply: CachedReply): number {
  const v = Number(reply.headers['x-consul-index'] ?? reply.headers['X-Consul-Index'] ?? 0);
  return Number.isFinite(v) ? v : 0;
}
