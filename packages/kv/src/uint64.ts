// uint64 values (KV Flags) stay decimal strings end to end: a JS number loses precision above 2^53, and
// Consul's lock/semaphore flags (3304740253564472344, 16210313421097356768) live there.

const MAX_UINT64 = (1n << 64n) - 1n;

/** Go's strconv.ParseUint(text, 10, 64) as a canonical decimal string, or undefined when it would fail. */
export function parseUint64(text: string): string | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const v = BigInt(text);
  if (v > MAX_UINT64) return undefined;
  return v.toString();
}

/** The message Go's strconv.ParseUint gives for text it cannot parse. */
export function uint64ErrorText(text: string): string {
  const kind = /^[0-9]+$/.test(text) ? 'value out of range' : 'invalid syntax';
  return `strconv.ParseUint: parsing ${JSON.stringify(text)}: ${kind}`;
}
