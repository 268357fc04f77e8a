// Query filters shared by catalog and health reads: repeated ?tag= (AND), ?node-meta=key:value (AND),
// ?filter=<expression>.

import type { ApiCall } from './api-call.js';
import { parseFilter } from './filter-expression.js';

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

/** The ?filter= predicate, parsed once per request (400 when malformed), or undefined when absent. */
export function filterPredicate(call: ApiCall): ((item: unknown) => boolean) | undefined {
  if (call.query.empty) return undefined;
  const f = call.query.get('filter');
  return f ? parseFilter(f) : undefined;
}

/** Applies an optional predicate to a list result. */
export function filterList<T>(list: T[], pred: ((item: unknown) => boolean) | undefined): T[] {
  return pred ? list.filter(pred) : list;
}
