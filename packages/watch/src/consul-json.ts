// Encodes a watch result the way Consul's Go handlers do (encoding/json): compact for handlers (json.Encoder, with a
// trailing newline added by the caller), 4-space indented for `watch` without a handler (json.MarshalIndent), and
// with Go's HTML escaping of <, >, & and U+2028/2029.
//
// The client decodes integers above 2^53 as decimal strings so they survive; for Consul's uint64 fields they are
// written back as bare numbers, so a handler sees `"Flags": 16210313421097356768`, as from Consul.

import { goJsonStringify } from '@conclave/toolkit';

const UINT64_FIELDS = new Set(['Flags', 'LTime', 'CreateIndex', 'ModifyIndex', 'LockIndex']);
const MARK = '\u0000conclave-u64:';
const MARKED = /"\\u0000conclave-u64:(\d+)"/g;

export function encodeConsulJson(value: unknown, indent?: string): string {
  return goJsonStringify(value, {
    indent,
    replacer(this: unknown, key: string, v: unknown) {
      if (typeof v === 'bigint') return MARK + v.toString();
      if (typeof v === 'string' && UINT64_FIELDS.has(key) && /^\d{16,20}$/.test(v) && !Array.isArray(this)) return MARK + v;
      return v;
    },
  }).replace(MARKED, '$1');
}
