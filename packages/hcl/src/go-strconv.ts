// The two strconv functions HCL's decoder calls, with Go's results and error texts: ParseInt(s, 0, 64) (base
// prefixes 0x/0o/0b/0, underscores between digits) and ParseFloat(s, 64).

/** strconv.NumError's text. */
export class NumError extends Error {
  override name = 'NumError';
  constructor(fn: string, num: string, what: 'invalid syntax' | 'value out of range') {
    super(`strconv.${fn}: parsing ${goQuote(num)}: ${what}`);
  }
}

const INT64_CUTOFF = 1n << 63n;
const UINT64_MAX = (1n << 64n) - 1n;

/** strconv.ParseInt(s, 0, 64). The value is exact (a bigint); throws NumError. */
export function parseGoInt(s0: string): bigint {
  if (s0 === '') throw new NumError('ParseInt', s0, 'invalid syntax');
  let s = s0;
  let neg = false;
  if (s[0] === '+') s = s.slice(1);
  else if (s[0] === '-') {
    neg = true;
    s = s.slice(1);
  }
  const un = parseGoUint(s);
  if (un === 'syntax') throw new NumError('ParseInt', s0, 'invalid syntax');
  if (un === 'range') throw new NumError('ParseInt', s0, 'value out of range');
  if (!neg && un >= INT64_CUTOFF) throw new NumError('ParseInt', s0, 'value out of range');
  if (neg && un > INT64_CUTOFF) throw new NumError('ParseInt', s0, 'value out of range');
  return neg ? -un : un;
}

function parseGoUint(s0: string): bigint | 'syntax' | 'range' {
  if (s0 === '') return 'syntax';
  let s = s0;
  let base = 10;
  if (s[0] === '0') {
    const p = s[1]?.toLowerCase();
    if (s.length >= 3 && p === 'b') [base, s] = [2, s.slice(2)];
    else if (s.length >= 3 && p === 'o') [base, s] = [8, s.slice(2)];
    else if (s.length >= 3 && p === 'x') [base, s] = [16, s.slice(2)];
    else [base, s] = [8, s.slice(1)];
  }
  let underscores = false;
  let n = 0n;
  for (const c of Buffer.from(s, 'utf8')) {
    let d: number;
    if (c === 0x5f) {
      underscores = true;
      continue;
    } else if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) d = (c | 0x20) - 0x61 + 10;
    else return 'syntax';
    if (d >= base) return 'syntax';
    n = n * BigInt(base) + BigInt(d);
    if (n > UINT64_MAX) return 'range';
  }
  if (underscores && !underscoreOK(s0)) return 'syntax';
  return n;
}

function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  const p = s[1]?.toLowerCase();
  if (s.length >= 2 && s[0] === '0' && (p === 'b' || p === 'o' || p === 'x')) {
    i = 2;
    saw = '0';
    hex = p === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && c.toLowerCase() >= 'a' && c.toLowerCase() <= 'f')) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

// The decimal forms HCL's scanner produces for NUMBER and FLOAT tokens (ParseFloat's hex, inf and nan forms
// never reach it from HCL text).
const DECIMAL_FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** strconv.ParseFloat(s, 64) for HCL's number tokens; throws NumError. */
export function parseGoFloat(s: string): number {
  if (!DECIMAL_FLOAT.test(s)) throw new NumError('ParseFloat', s, 'invalid syntax');
  const v = Number(s);
  if (!Number.isFinite(v)) throw new NumError('ParseFloat', s, 'value out of range');
  return v;
}

/** strconv.Quote, for error messages. */
export function goQuote(s: string): string {
  let out = '"';
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    if (c === '"' || c === '\\') out += '\\' + c;
    else if (cp >= 0x20 && cp < 0x7f) out += c;
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else if (c === '\r') out += '\\r';
    else if (c === '\x07') out += '\\a';
    else if (c === '\b') out += '\\b';
    else if (c === '\f') out += '\\f';
    else if (c === '\v') out += '\\v';
    else if (cp >= 0x80 && /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(c)) out += c;
    else if (cp < 0x100) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + '"';
}
