// Consul's flags, query parameters and environment switches are read with Go's strconv.ParseBool, which takes
// exactly twelve spellings. This is that function, once, with Go's error text.

import { goQuote } from './go-strconv.js';

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool; `undefined` when Go would return an error. */
export function parseGoBool(text: string): boolean | undefined {
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  return undefined;
}

/** The error Go's strconv.ParseBool returns for `text`: `strconv.ParseBool: parsing "x": invalid syntax`. */
export function goBoolErrorText(text: string): string {
  return `strconv.ParseBool: parsing ${goQuote(text)}: invalid syntax`;
}
