// /v1/session: sessions that hold KV locks, invalidated by TTL expiry, failing checks or destroy.
import type { ConsulHttp } from './consul-http.js';
import { expectArray, expectObject } from './catalog-api.js';
import { ConsulDecodeError } from './errors.js';
import type { QueryOptions, QueryResult, WriteOptions } from './query.js';

export interface SessionDefinition {
  Name?: string;
  Node?: string;
  /** Go duration string ("15s") or nanoseconds. */
  LockDelay?: string | number;
  Behavior?: 'release' | 'delete';
  /** Go duration string, e.g. "10s"; "" for none. */
  TTL?: string;
  NodeChecks?: string[];
  ServiceChecks?: Array<{ ID: string; Namespace?: string }>;
  /** Legacy node checks. */
  Checks?: string[];
  [field: string]: unknown;
}

export interface Session {
  ID: string;
  Name: string;
  Node: string;
  /** Nanoseconds. */
  LockDelay: number;
  Behavior: string;
  TTL: string;
  NodeChecks: string[] | null;
  ServiceChecks: Array<{ ID: string; Namespace?: string }> | null;
  CreateIndex: number;
  ModifyIndex: number;
  [field: string]: unknown;
}

export class SessionApi {
  constructor(private readonly http: ConsulHttp) {}

  /** Creates a session; resolves to its ID. */
  async create(definition: SessionDefinition = {}, options?: WriteOptions): Promise<string> {
    const body = expectObject<{ ID?: unknown }>(await this.http.write('PUT', 'session/create', undefined, definition, options), 'session create');
    if (typeof body.ID !== 'string') throw new ConsulDecodeError('session create response has no ID');
    return body.ID;
  }

  async destroy(id: string, options?: WriteOptions): Promise<boolean> {
    return (await this.http.write('PUT', `session/destroy/${id}`, undefined, undefined, options)) !== false;
  }

  /** Resets the TTL timer; null when the session no longer exists (the agent's 404). */
  async renew(id: string, options?: WriteOptions): Promise<Session | null> {
    const body = await this.http.write('PUT', `session/renew/${id}`, undefined, undefined, { ...options, nullOn404: true });
    if (body === null) return null;
    return expectArray<Session>(body, 'session renew')[0] ?? null;
  }

  async info(id: string, options?: QueryOptions): Promise<QueryResult<Session | null>> {
    const res = await this.http.read<unknown>(`session/info/${id}`, undefined, options);
    return { ...res, body: expectArray<Session>(res.body, 'session info')[0] ?? null };
  }

  async node(node: string, options?: QueryOptions): Promise<QueryResult<Session[]>> {
    const res = await this.http.read<unknown>(`session/node/${node}`, undefined, options);
    return { ...res, body: expectArray<Session>(res.body, 'session node') };
  }

  async list(options?: QueryOptions): Promise<QueryResult<Session[]>> {
    const res = await this.http.read<unknown>('session/list', undefined, options);
    return { ...res, body: expectArray<Session>(res.body, 'session list') };
  }
}
