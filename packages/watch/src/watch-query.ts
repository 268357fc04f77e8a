// What each watch type reads (COMPAT §6) and how the answer becomes the handler's data, in the shapes Consul's
// handlers receive: `key` → one KV entry or null, `keyprefix` → entries or null, `services` → name → tags,
// `nodes` → nodes, `service` → health entries, `checks` → checks, `event` → only the events newer than the last
// answer.
import { ConsulDecodeError, type QueryParams } from '@conclave/client';
import { eventIdToIndex } from './event-index.js';
import type { WatchDefinition } from './watch-definition.js';

export interface WatchQuery {
  /** Path under /v1/, unencoded. */
  path: string;
  params: QueryParams;
  /**
   * Turns an answer body (null for a KV 404) into the handler's data. `previousIndex` is the index the request
   * was made with (undefined for the first request): the event watch drops the events up to it.
   */
  select(body: unknown, previousIndex: bigint | undefined): unknown;
}

/** The service and tags a `service` watch asks for, after resolving the `tag.service` form. */
export interface ServiceTarget {
  service: string;
  tags: string[];
}

export function buildWatchQuery(def: WatchDefinition, target?: ServiceTarget): WatchQuery {
  const tags = (target?.tags ?? def.tags).filter((t) => t !== '');
  switch (def.type) {
    case 'key':
      return {
        path: `kv/${stripSlash(def.key!)}`,
        params: {},
        select: (body) => {
          if (body === null || body === undefined) return null;
          return (expectList(body, 'kv') as unknown[])[0] ?? null;
        },
      };
    case 'keyprefix':
      return {
        path: `kv/${stripSlash(def.prefix!)}`,
        params: { recurse: true },
        select: (body) => (body === null || body === undefined ? null : expectList(body, 'kv')),
      };
    case 'services':
      return { path: 'catalog/services', params: {}, select: (body) => expectObject(body, 'catalog services') };
    case 'nodes':
      return { path: 'catalog/nodes', params: {}, select: (body) => expectList(body, 'catalog nodes') };
    case 'service':
      return {
        path: `health/service/${target?.service ?? def.service!}`,
        params: { tag: tags.length > 0 ? tags : undefined, passing: def.passingOnly },
        select: (body) => expectList(body, 'health service'),
      };
    case 'checks':
      if (def.service) return { path: `health/checks/${def.service}`, params: {}, select: (body) => expectList(body, 'health checks') };
      return {
        path: `health/state/${def.state ?? 'any'}`,
        params: { tag: tags.length > 0 ? tags : undefined },
        select: (body) => expectList(body, 'health state'),
      };
    case 'event':
      return { path: 'event/list', params: { name: def.name || undefined }, select: (body, previous) => newEvents(expectList(body, 'event list'), previous) };
  }
}

/** Events after the one whose ID gives the previous index (Consul prunes the same way; no match → all of them). */
export function newEvents(events: unknown[], previousIndex: bigint | undefined): unknown[] {
  if (previousIndex === undefined) return events;
  for (let i = 0; i < events.length; i++) {
    const id = (events[i] as { ID?: unknown } | null)?.ID;
    if (typeof id === 'string' && eventIdToIndex(id) === previousIndex) return events.slice(i + 1);
  }
  return events;
}

function stripSlash(key: string): string {
  return key.replace(/^\/+/, '');
}

function expectList(body: unknown, what: string): unknown[] {
  if (body === null || body === undefined) return [];
  if (!Array.isArray(body)) throw new ConsulDecodeError(`${what} response is not a list`);
  return body;
}

function expectObject(body: unknown, what: string): Record<string, unknown> {
  if (body === null || body === undefined) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new ConsulDecodeError(`${what} response is not an object`);
  return body as Record<string, unknown>;
}
