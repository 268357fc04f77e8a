// uint64 values (KV Flags, the event-list index) travel as bigint: a JS number silently loses precision above 2^53.
import { ConsulConfigError } from './errors.js';

export const UINT64_MAX = (1n << 64n) - 1n;

/** Accepts a bigint, a safe integer number or a decimal string; throws ConsulConfigError naming `what` otherwise. */
export function toUint64(value: bigint | number | string, what = 'value'): bigint {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new ConsulConfigError(`${what} ${value} is not an exact integer; pass a bigint or a decimal string`);
    }
    n = BigInt(value);
  } else {
    const text = value.trim();
    if (!/^\d+$/.test(text)) throw new ConsulConfigError(`${what} "${value}" is not an unsigned decimal integer`);
    n = BigInt(text);
  }
  if (n < 0n || n > UINT64_MAX) throw new ConsulConfigError(`${what} ${n} is outside the uint64 range 0..${UINT64_MAX}`);
  return n;
}
