// Consul's uint64 values (KV Flags, raft indexes, event LTimes) do not fit a JS number above 2^53, and Consul's own
// lock/semaphore flags (3304740253564472344, 16210313421097356768) live there. They travel as bigint or as
// canonical decimal strings; these helpers parse, validate and format them the way Go's strconv does.

export const UINT64_MAX = (1n << 64n) - 1n;

/** Go's strconv.ParseUint(text, 10, 64) as a canonical decimal string, or undefined when Go would fail. */
export function parseUint64(text: string): string | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const v = BigInt(text);
  if (v > UINT64_MAX) return undefined;
  return v.toString();
}

/** The message Go's strconv.ParseUint(text, 10, 64) gives for text it cannot parse. */
export function uint64ErrorText(text: string): string {
  const kind = /^[0-9]+$/.test(text) ? 'value out of range' : 'invalid syntax';
  return `strconv.ParseUint: parsing ${JSON.stringify(text)}: ${kind}`;
}

/** Text that makes a value unusable as a uint64, for the caller's own error type. */
export class Uint64Error extends RangeError {
  override name = 'Uint64Error';
}

/** A bigint, a safe integer number or a decimal string (surrounding spaces allowed) as a uint64 bigint; throws
 * `makeError(message)` (default a Uint64Error) naming `what` when it is not an exact integer in 0..2^64-1. */
export function toUint64(value: bigint | number | string, what = 'value', makeError: (message: string) => Error = (m) => new Uint64Error(m)): bigint {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw makeError(`${what} ${value} is not an exact integer; pass a bigint or a decimal string`);
    n = BigInt(value);
  } else {
    const text = value.trim();
    if (!/^\d+$/.test(text)) throw makeError(`${what} "${value}" is not an unsigned decimal integer`);
    n = BigInt(text);
  }
  if (n < 0n || n > UINT64_MAX) throw makeError(`${what} ${n} is outside the uint64 range 0..${UINT64_MAX}`);
  return n;
}

/** A uint64 as Go prints it (decimal, no sign, no separators). */
export function formatUint64(value: bigint | number | string): string {
  return toUint64(value).toString();
}
