// Options and results shared by every read: consistency mode, datacenter, blocking index/wait, and the
// X-Consul-Index / X-Consul-KnownLeader / X-Consul-LastContact headers of the answer.
import type { IncomingHttpHeaders } from 'node:http';
import { ConsulDecodeError } from './errors.js';

export type QueryParamValue = string | number | bigint | boolean | readonly string[] | undefined | null;
/** Query-string parameters: `true` sends a presence flag (`?recurse=`), false/undefined/null are left out, arrays repeat. */
export type QueryParams = Record<string, QueryParamValue>;

export interface RequestOptions {
  /** `?dc=`; defaults to the client's datacenter. */
  datacenter?: string;
  /** X-Consul-Token for this call only. */
  token?: string;
  signal?: AbortSignal;
}

export interface QueryOptions extends RequestOptions {
  stale?: boolean;
  consistent?: boolean;
  /** Blocking query: wait until the index moves past this one (0 = answer at once). */
  index?: bigint | number;
  /** Blocking wait in milliseconds, sent as `wait=<n>ms` (agent default 5 min, max 10 min). */
  waitMs?: number;
  /** Consul filter expression (`?filter=`). */
  filter?: string;
  /** `?node-meta=k:v`, repeated. */
  nodeMeta?: Record<string, string>;
  /** `?near=`. */
  near?: string;
}

export type WriteOptions = RequestOptions;

export interface QueryMeta {
  /** X-Consul-Index as an exact uint64 (the event-list index uses all 64 bits); 0n when absent. */
  index: bigint;
  knownLeader: boolean;
  /** X-Consul-LastContact in milliseconds. */
  lastContact: number;
}

export interface QueryResult<T> extends QueryMeta {
  body: T;
}

/** Consul's default blocking wait, used to size the request timeout when the caller gives none. */
export const DEFAULT_BLOCKING_WAIT_MS = 5 * 60 * 1000;

export function readQueryMeta(headers: IncomingHttpHeaders): QueryMeta {
  const rawIndex = headerValue(headers['x-consul-index']);
  let index = 0n;
  if (rawIndex !== undefined && rawIndex !== '') {
    if (!/^\d+$/.test(rawIndex)) throw new ConsulDecodeError(`X-Consul-Index "${rawIndex}" is not an unsigned integer`);
    index = BigInt(rawIndex);
  }
  const lastContact = Number(headerValue(headers['x-consul-lastcontact']) ?? 0);
  return {
    index,
    knownLeader: headerValue(headers['x-consul-knownleader']) === 'true',
    lastContact: Number.isFinite(lastContact) ? lastContact : 0,
  };
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function appendParams(search: URLSearchParams, params: QueryParams | undefined): void {
  if (!params) return;
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === false) continue;
    if (value === true) search.append(key, '');
    else if (Array.isArray(value)) for (const v of value) search.append(key, String(v));
    else search.append(key, String(value));
  }
}

/** Percent-encodes a path for the URL while keeping `/` separators; the agent decodes the whole path. */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}
