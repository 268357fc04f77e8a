// JSON.parse turns integers above 2^53 into rounded doubles. Consul emits uint64 fields (KV Flags) as bare JSON
// numbers, so before parsing we quote every integer literal that is not a safe integer: it arrives as its exact
// decimal string, and typed decoders turn it into a bigint.
import { ConsulDecodeError } from './errors.js';

export function parseJsonLossless(text: string): unknown {
  let out: string[] | undefined;
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i += 2;
        else if (d === 34) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      const start = i;
      if (c === 45) i++;
      while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
      const next = i < n ? text.charCodeAt(i) : 0;
      const isInteger = next !== 46 /* . */ && next !== 101 /* e */ && next !== 69; /* E */
      if (isInteger && i - start >= 16) {
        const literal = text.slice(start, i);
        if (!Number.isSafeInteger(Number(literal))) {
          out ??= [];
          out.push(text.slice(last, start), '"', literal, '"');
          last = i;
        }
      }
      while (i < n && /[0-9.eE+-]/.test(text[i]!)) i++;
      continue;
    }
    i++;
  }
  const source = out ? out.join('') + text.slice(last) : text;
  try {
    return JSON.parse(source);
  } catch (err) {
    throw new ConsulDecodeError(`response is not valid JSON: ${(err as Error).message}`);
  }
}
