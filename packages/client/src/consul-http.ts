// The request core every API group shares: applies the client's defaults (datacenter, consistency, token),
// turns blocking options into `index`/`wait`, decodes JSON losslessly and maps non-2xx answers to ConsulHttpError.
import { ConsulConfigError, ConsulDecodeError, ConsulHttpError } from './errors.js';
import { parseJsonLossless } from './lossless-json.js';
import {
  DEFAULT_BLOCKING_WAIT_MS,
  appendParams,
  encodePath,
  readQueryMeta,
  type QueryOptions,
  type QueryParams,
  type QueryResult,
  type RequestOptions,
} from './query.js';
import type { HttpResponse, HttpTransport } from './transport.js';

export type Consistency = 'default' | 'stale' | 'consistent';

export interface ReadSpec {
  /** Resolve a 404 that carries X-Consul-Index to `{body: null}` instead of throwing (KV misses). */
  nullOn404?: boolean;
  /** With nullOn404: also when the 404 has no index (agent endpoints, which never send one). */
  nullOnAny404?: boolean;
}

export class ConsulHttp {
  constructor(
    readonly transport: HttpTransport,
    readonly datacenter: string | undefined,
    readonly consistency: Consistency,
  ) {}

  /** GET a blocking-capable endpoint. `path` is unencoded and relative to /v1/ (`kv/a b` or `/v1/kv/a b`). */
  async read<T>(path: string, params: QueryParams | undefined, options: QueryOptions = {}, spec: ReadSpec = {}): Promise<QueryResult<T>> {
    const search = new URLSearchParams();
    appendParams(search, params);
    const dc = options.datacenter ?? this.datacenter;
    if (dc) search.set('dc', dc);
    const stale = options.stale ?? (options.consistent ? false : this.consistency === 'stale');
    const consistent = options.consistent ?? (options.stale ? false : this.consistency === 'consistent');
    if (stale && consistent) throw new ConsulConfigError('cannot ask for both stale and consistent reads; choose one');
    if (stale) search.set('stale', '');
    if (consistent) search.set('consistent', '');
    let timeoutMs: number | undefined;
    const index = options.index === undefined ? 0n : BigInt(options.index);
    if (index > 0n) {
      search.set('index', index.toString());
      const wait = options.waitMs ?? DEFAULT_BLOCKING_WAIT_MS;
      if (options.waitMs !== undefined) search.set('wait', `${Math.max(1, Math.round(options.waitMs))}ms`);
      // The agent adds up to wait/16 of jitter; leave room for it before calling the connection dead.
      timeoutMs = wait + Math.ceil(wait / 16) + 10_000;
    }
    if (options.filter) search.set('filter', options.filter);
    if (options.near) search.set('near', options.near);
    for (const [k, v] of Object.entries(options.nodeMeta ?? {})) search.append('node-meta', `${k}:${v}`);

    const res = await this.transport.request({
      method: 'GET',
      path: toApiPath(path),
      query: search,
      headers: tokenHeader(options),
      signal: options.signal,
      timeoutMs,
    });
    const meta = readQueryMeta(res.headers);
    // A KV miss is data (with an index); a 404 without X-Consul-Index is an unknown endpoint.
    if (res.status === 404 && spec.nullOn404 && (spec.nullOnAny404 || res.headers['x-consul-index'] !== undefined)) return { ...meta, body: null as T };
    if (res.status < 200 || res.status >= 300) throw httpError('GET', path, res);
    return { ...meta, body: decodeBody(res) as T };
  }

  /**
   * PUT/POST/DELETE; returns the decoded body (JSON, text, or undefined when empty). `nullOn404` answers a 404 with
   * null; `acceptStatus` lists non-2xx statuses whose body is an answer (txn's 409).
   */
  async write(
    method: 'PUT' | 'POST' | 'DELETE',
    path: string,
    params: QueryParams | undefined,
    body: unknown,
    options: RequestOptions & { nullOn404?: boolean; acceptStatus?: number[] } = {},
  ): Promise<unknown> {
    const search = new URLSearchParams();
    appendParams(search, params);
    const dc = options.datacenter ?? this.datacenter;
    if (dc) search.set('dc', dc);
    let payload: string | Uint8Array | undefined;
    if (body instanceof Uint8Array || typeof body === 'string') payload = body;
    else if (body !== undefined) payload = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    const res = await this.transport.request({
      method,
      path: toApiPath(path),
      query: search,
      body: payload,
      headers: tokenHeader(options),
      signal: options.signal,
    });
    if (res.status === 404 && options.nullOn404) return null;
    if ((res.status < 200 || res.status >= 300) && !options.acceptStatus?.includes(res.status)) throw httpError(method, path, res);
    return decodeBody(res);
  }

  /**
   * GET a streaming endpoint: each complete line of the body goes to `onLine` (without its newline) as it comes;
   * resolves when the agent ends the stream, rejects with ConsulHttpError on a non-2xx answer, or with
   * ConsulConnectionError when the connection fails or `signal` aborts it.
   */
  async streamLines(path: string, params: QueryParams | undefined, onLine: (line: string) => void, options: RequestOptions = {}): Promise<void> {
    const search = new URLSearchParams();
    appendParams(search, params);
    const decoder = new TextDecoder();
    let partial = '';
    const res = await this.transport.stream(
      { method: 'GET', path: toApiPath(path), query: search, headers: tokenHeader(options), signal: options.signal },
      (chunk) => {
        const lines = (partial + decoder.decode(chunk, { stream: true })).split('\n');
        partial = lines.pop()!;
        for (const line of lines) onLine(line);
      },
    );
    if (res.status < 200 || res.status >= 300) throw httpError('GET', path, res);
    if (partial !== '') onLine(partial);
  }
}

export function toApiPath(path: string): string {
  const rel = path.replace(/^\/?(v1\/)?/, '');
  return '/v1/' + encodePath(rel);
}

function tokenHeader(options: RequestOptions): Record<string, string> | undefined {
  return options.token ? { 'X-Consul-Token': options.token } : undefined;
}

function httpError(method: string, path: string, res: HttpResponse): ConsulHttpError {
  return new ConsulHttpError(method, toApiPath(path), res.status, res.body.toString('utf8').trim());
}

function decodeBody(res: HttpResponse): unknown {
  if (res.body.length === 0) return undefined;
  const type = String(res.headers['content-type'] ?? '');
  const text = res.body.toString('utf8');
  if (type.includes('json')) return parseJsonLossless(text);
  // Some agents omit Content-Type on JSON; accept bodies that are plainly JSON.
  const first = text.trimStart()[0];
  if (!type && (first === '{' || first === '[' || first === '"')) {
    try {
      return parseJsonLossless(text);
    } catch (err) {
      if (!(err instanceof ConsulDecodeError)) throw err;
    }
  }
  return text;
}
