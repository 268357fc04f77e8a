// A `?cached` GET answered through the agent cache (agent-cache.ts): Consul's checks on the request first
// (?cached with ?consistent, Cache-Control numbers, ?index, ?wait), then the cached answer with X-Cache (and Age
// on a hit, in whole seconds as Consul prints it).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseGoDuration } from '@conclave/toolkit';
import { AgentCache, parseCacheControl } from './agent-cache.js';
import { DEFAULT_WAIT_MS, MAX_WAIT_MS } from './blocking-query.js';
import type { QueryParams } from './query-params.js';

/** Query parameters the cache handles itself; the rest make up the cached request. */
const CACHE_OWN = new Set(['cached', 'index', 'wait']);

/** The request headers that make answers differ (tokens); part of the key and carried to the fetch. */
const KEYED_HEADERS = ['x-consul-token', 'authorization'];

export function serveCached(cache: AgentCache, req: IncomingMessage, res: ServerResponse, path: string, rawQuery: string, query: QueryParams): void {
  const refuse = (text: string) => {
    res.writeHead(400, ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(Buffer.byteLength(text))]);
    res.end(text);
  };
  if (query.has('consistent')) return refuse('Cannot specify ?cached with ?consistent, conflicting semantics.');
  const cc = parseCacheControl(typeof req.headers['cache-control'] === 'string' ? req.headers['cache-control'] : undefined);
  if (cc.error) return refuse(cc.error);
  let minIndex = 0;
  const index = query.get('index');
  if (index !== undefined && index !== '') {
    if (!/^[0-9]+$/.test(index)) return refuse('Invalid index');
    minIndex = Number(index);
  }
  let waitMs = DEFAULT_WAIT_MS;
  const wait = query.get('wait');
  if (wait !== undefined && wait !== '') {
    let ns: number;
    try {
      ns = parseGoDuration(wait);
    } catch {
      return refuse('Invalid wait time');
    }
    if (ns < 0) return refuse('Invalid wait time');
    waitMs = Math.min(ns / 1e6, MAX_WAIT_MS);
  }
  const kept = rawQuery.split('&').filter((p) => p !== '' && !CACHE_OWN.has(decodeName(p)));
  const url = kept.length > 0 ? `${path}?${kept.join('&')}` : path;
  const headers: Record<string, string> = {};
  for (const h of KEYED_HEADERS) {
    const v = req.headers[h];
    if (typeof v === 'string') headers[h] = v;
  }
  const key = `${url}\n${headers['x-consul-token'] ?? ''}\n${headers.authorization ?? ''}`;
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  cache.get(key, { url, headers, minIndex, waitMs, maxAgeS: cc.maxAgeS, staleIfErrorS: cc.staleIfErrorS }, gone.signal).then(
    (answer) => {
      if (res.headersSent || res.destroyed) return;
      const h: Record<string, string> = { ...answer.reply.headers, 'x-cache': answer.hit ? 'HIT' : 'MISS' };
      if (answer.hit) h.age = String(answer.ageS);
      h['content-length'] = String(answer.reply.body.length);
      res.writeHead(answer.reply.status, h);
      res.end(answer.reply.body);
    },
    (err: unknown) => {
      if (res.headersSent || res.destroyed) return;
      const text = err instanceof Error ? err.message : String(err);
      res.writeHead(500, ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(Buffer.byteLength(text))]);
      res.end(text);
    },
  );
}

function decodeName(part: string): string {
  const eq = part.indexOf('=');
  const raw = eq < 0 ? part : part.slice(0, eq);
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}
