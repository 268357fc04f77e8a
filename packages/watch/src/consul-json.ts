// Encodes a watch result the way Consul's Go handlers do (encoding/json): compact for handlers (json.Encoder, with a
// trailing newline added by the caller), 4-space indented for `watch` without a handler (json.MarshalIndent), and
// with Go's HTML escaping of <, >, & and U+2028/2029.
//
// The client decodes integers above 2^53 as decimal strings so they survive; for Consul's uint64 fields they are
// written back as bare numbers, so a handler sees `"Flags": 16210313421097356768`, as from Consul.

const UINT64_FIELDS = new Set(['Flags', 'LTime', 'CreateIndex', 'ModifyIndex', 'LockIndex']);
const MARK = '\u0000conclave-u64:';
const MARKED = /"\\u0000conclave-u64:(\d+)"/g;

export function encodeConsulJson(value: unknown, indent?: string): string {
  const text = JSON.stringify(
    value === undefined ? null : value,
    function (this: Record<string, unknown>, key: string, v: unknown) {
      if (typeof v === 'bigint') return MARK + v.toString();
      if (typeof v === 'string' && UINT64_FIELDS.has(key) && /^\d{16,20}$/.test(v) && !Array.isArray(this)) return MARK + v;
      return v;
    },
    indent,
  );
  return text
    .replace(MARKED, '$1')
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
