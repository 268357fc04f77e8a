// KV entries encoded by hand: Flags is a uint64 that JSON.stringify cannot print exactly, and this is the
// hottest response. Field order is Consul's DirEntry: LockIndex, Key, Flags, Value, Session (omitempty),
// CreateIndex, ModifyIndex. Strings are escaped as Go's encoding/json does (`<` as \u003c).

import type { KvEntry } from '@conclave/kv';
import { goJsonQuote } from '@conclave/toolkit';

export function base64(value: Uint8Array): string {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
}

function valueJson(e: KvEntry): string {
  return e.Value && e.Value.byteLength > 0 ? '"' + base64(e.Value) + '"' : 'null';
}

export function encodeKvEntries(entries: readonly KvEntry[], pretty: boolean): string {
  if (entries.length === 0) return pretty ? '[]\n' : '[]';
  if (!pretty) {
    let out = '[';
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (i > 0) out += ',';
      out +=
        '{"LockIndex":' + e.LockIndex +
        ',"Key":' + goJsonQuote(e.Key) +
        ',"Flags":' + e.Flags +
        ',"Value":' + valueJson(e) +
        (e.Session ? ',"Session":' + goJsonQuote(e.Session) : '') +
        ',"CreateIndex":' + e.CreateIndex +
        ',"ModifyIndex":' + e.ModifyIndex + '}';
    }
    return out + ']';
  }
  const items = entries.map((e) => {
    const lines = [
      `"LockIndex": ${e.LockIndex}`,
      `"Key": ${goJsonQuote(e.Key)}`,
      `"Flags": ${e.Flags}`,
      `"Value": ${valueJson(e)}`,
    ];
    if (e.Session) lines.push(`"Session": ${goJsonQuote(e.Session)}`);
    lines.push(`"CreateIndex": ${e.CreateIndex}`, `"ModifyIndex": ${e.ModifyIndex}`);
    return '    {\n' + lines.map((l) => '        ' + l).join(',\n') + '\n    }';
  });
  return '[\n' + items.join(',\n') + '\n]\n';
}
