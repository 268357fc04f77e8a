// The client's uint64 checks are the toolkit's (@conclave/toolkit toUint64), failing with ConsulConfigError as the
// client's callers (the CLI) expect of a bad argument.
import { toUint64 as checkUint64 } from '@conclave/toolkit';
import { ConsulConfigError } from './errors.js';

export { UINT64_MAX } from '@conclave/toolkit';

/** A bigint, a safe integer number or a decimal string as a uint64; ConsulConfigError naming `what` otherwise. */
export const toUint64 = (value: bigint | number | string, what = 'value'): bigint =>
  checkUint64(value, what, (message) => new ConsulConfigError(message));
