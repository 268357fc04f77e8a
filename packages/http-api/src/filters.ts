// Query filters shared by catalog and health reads: repeated ?tag= (AND), ?node-meta=key:value (AND),
// ?filter=<expression> (go-bexpr's language, bexpr-filter.ts, over the Go type each endpoint filters).

import type { ApiCall } from './api-call.js';
import { ApiError } from './api-error.js';
import { BexprError, createFilter } from './bexpr-filter.js';
import type { GoType } from './bexpr-fields.js';

export function tagFilter(call: ApiCall): string[] | undefined {
  if (call.query.empty) return undefined;
  const tags = call.query.all('tag');
  return tags.length > 0 ? tags : undefined;
}

export function nodeMetaFilter(call: ApiCall): Record<string, string> | undefined {
  if (call.query.empty) return undefined;
  const pairs = call.query.all('node-meta');
  if (pairs.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const at = p.indexOf(':');
    if (at < 0) out[p] = '';
    else out[p.slice(0, at)] = p.slice(at + 1);
  }
  return out;
}

/** The ?filter= predicate over items of Consul's Go type `type` (filter-types.ts), parsed and checked once per
 * request — 400 with go-bexpr's message when malformed — or undefined when absent. */
export function filterPredicate(call: ApiCall, type: GoType): ((item: unknown) => boolean) | undefined {
  if (call.query.empty) return undefined;
  const f = call.query.get('filter');
  if (!f) return undefined;
  try {
    return createFilter(f, type);
  } catch (err) {
    if (err instanceof BexprError) throw new ApiError(400, err.message);
    throw err;
  }
}

/** Applies an optional predicate to a list result. */
export function filterList<T>(list: T[], pred: ((item: unknown) => boolean) | undefined): T[] {
  return pred ? list.filter(pred) : list;
}

/** Applies an optional predicate to the values of a map result (agent services and checks, a node's services). */
export function filterMap<T>(map: Record<string, T>, pred: ((item: unknown) => boolean) | undefined): Record<string, T> {
  if (!pred) return map;
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(map)) if (pred(v)) out[k] = v;
  return out;
}
