// Go duration strings ("10s", "1h30m", "1.5ms") are how Consul, consul-template and `consul watch` spell every
// timeout and interval, in config files, flags and query strings. This is Go's time.ParseDuration and
// time.Duration.String, once, with Go's own error texts; values are nanoseconds, as Go's time.Duration.
import { DecodeError } from './decode-error.js';

/** A string that time.ParseDuration rejects; the message is Go's (`time: invalid duration "x"`). A DecodeError,
 * so request and config decoders report it to the user as they do any other bad value. */
export class DurationError extends DecodeError {
  override name = 'DurationError';
}

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const TWO_63 = 1n << 63n;

/** Go's time.quote: `"` + text + `"`, with `"` and `\` escaped and non-ASCII or control bytes as `\xNN`. */
function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x80 || c < 0x20) {
      for (const b of Buffer.from(ch, 'utf8')) out += '\\x' + b.toString(16).padStart(2, '0');
    } else {
      if (ch === '"' || ch === '\\') out += '\\';
      out += ch;
    }
  }
  return out + '"';
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Go's time.ParseDuration as an exact bigint of nanoseconds. */
export function parseGoDurationBig(text: string): bigint {
  const invalid = () => new DurationError(`time: invalid duration ${goQuote(text)}`);
  let s = text;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let d = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    // [0-9]*
    let i = 0;
    let v = 0n;
    while (isDigit(s[i])) {
      if (v > TWO_63 / 10n) throw invalid(); // leadingInt overflow
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > TWO_63) throw invalid();
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    // (\.[0-9]*)?
    let post = false;
    let f = 0n;
    let scale = 1;
    if (s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (isDigit(s[j])) {
        if (!overflow) {
          if (f > (TWO_63 - 1n) / 10n) overflow = true;
          else {
            const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
            if (y > TWO_63) overflow = true;
            else {
              f = y;
              scale *= 10;
            }
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    let u = 0;
    while (u < s.length && !(s[u] === '.' || isDigit(s[u]))) u++;
    if (u === 0) throw new DurationError(`time: missing unit in duration ${goQuote(text)}`);
    const unitText = s.slice(0, u);
    s = s.slice(u);
    const unit = UNIT_NS[unitText];
    if (unit === undefined) throw new DurationError(`time: unknown unit ${goQuote(unitText)} in duration ${goQuote(text)}`);
    if (v > TWO_63 / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      // Go uses float64 here too: nanosecond-accurate for fractions of an hour.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > TWO_63) throw invalid();
    }
    d += v;
    if (d > TWO_63) throw invalid();
  }
  if (neg) return -d;
  if (d > TWO_63 - 1n) throw invalid();
  return d;
}

/** Go's time.ParseDuration, in nanoseconds (exact up to 2^53 ns, about 104 days). Throws DurationError. */
export function parseGoDuration(text: string): number {
  return Number(parseGoDurationBig(text));
}

/** Go's time.Duration.String for `ns` nanoseconds: `0s`, `1.5µs`, `500ms`, `1m30s`, `1h0m0s`. */
export function formatGoDuration(ns: number | bigint): string {
  let u = typeof ns === 'bigint' ? ns : BigInt(Math.round(ns));
  if (u === 0n) return '0s';
  const neg = u < 0n;
  if (neg) u = -u;
  let out: string;
  if (u < 1_000n) out = `${u}ns`;
  else if (u < 1_000_000n) out = `${u / 1_000n}${fraction(u, 3)}µs`;
  else if (u < 1_000_000_000n) out = `${u / 1_000_000n}${fraction(u, 6)}ms`;
  else {
    const secs = u / 1_000_000_000n;
    const s = `${secs % 60n}${fraction(u, 9)}s`;
    const mins = secs / 60n;
    out = mins === 0n ? s : mins < 60n ? `${mins}m${s}` : `${mins / 60n}h${mins % 60n}m${s}`;
  }
  return neg ? '-' + out : out;
}

/** The last `prec` decimal digits of `u` as `.ddd` without trailing zeros, or '' when they are all zero (Go's fmtFrac). */
function fraction(u: bigint, prec: number): string {
  const digits = (u % 10n ** BigInt(prec)).toString().padStart(prec, '0').replace(/0+$/, '');
  return digits === '' ? '' : '.' + digits;
}
