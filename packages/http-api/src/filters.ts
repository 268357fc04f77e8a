// Query filters shared by catalog and health reads: repeated ?tag= (AND), ?node-meta=key:value (AND).

import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';

export function tagFilter(call: ApiCall): string[] | undefined {
  if (call.query.empty) return undefined;
  const tags = call.query.all('tag');
  return tags.length > 0 ? tags : undefined;
}

export function nodeMetaFilter(call: ApiCall): Record<string, string> | undefined {
  if (call.query.empty) return undefined;
  rejectFilterExpression(call);
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

/** ?filter= (Consul's bexpr language) is not implemented: say so rather than answer unfiltered data. */
function rejectFilterExpression(call: ApiCall): void {
  const f = call.query.get('filter');
  if (f !== undefined && f !== '') throw new ApiError(400, 'Failed to create boolean expression evaluator: ?filter expressions are not supported by this agent yet');
}
