// hashicorp/hcl/hcl/strconv.Unquote: a double-quoted HCL string to its bytes. Escapes as Go's (\a \b \f \n \r \t
// \v \\ \" \xHH \uHHHH \UHHHHHHHH \ooo), and `${ ... }` interpolations copied verbatim, quotes and all. And Go's own
// strconv.Unquote, which the JSON dialect uses.
import { decodeRune, encodeRune, RUNE_ERROR } from './utf8.js';

const Q = 0x22; // "
const BACKSLASH = 0x5c;
const DOLLAR = 0x24;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const NL = 0x0a;

/** The unquoted bytes, or undefined where Go returns ErrSyntax. */
export function unquoteHcl(quoted: Uint8Array): Uint8Array | undefined {
  const n = quoted.length;
  if (n < 2) return undefined;
  if (quoted[0] !== Q || quoted[n - 1] !== Q) return undefined;
  let s = quoted.subarray(1, n - 1);
  if (!s.includes(DOLLAR) && !s.includes(LBRACE) && s.includes(NL)) return undefined;
  if (!s.includes(BACKSLASH) && !s.includes(Q) && !s.includes(DOLLAR)) return s;

  const buf: number[] = [];
  while (s.length > 0) {
    if (s[0] === DOLLAR && s.length > 1 && s[1] === LBRACE) {
      buf.push(DOLLAR, LBRACE);
      s = s.subarray(2);
      let braces = 1;
      while (s.length > 0 && braces > 0) {
        const [r, size] = decodeRune(s, 0);
        if (r === RUNE_ERROR) return undefined;
        buf.push(...s.subarray(0, size));
        s = s.subarray(size);
        if (r === LBRACE) braces++;
        else if (r === RBRACE) braces--;
      }
      if (braces !== 0) return undefined;
      continue;
    }
    if (s[0] === NL) return undefined;
    const c = unquoteChar(s);
    if (c === undefined) return undefined;
    buf.push(...c.bytes);
    s = s.subarray(c.width);
  }
  return Uint8Array.from(buf);
}

/** Go's strconv.Unquote for a double-quoted string: the bytes, or undefined for ErrSyntax. */
export function unquoteGo(quoted: Uint8Array): Uint8Array | undefined {
  const n = quoted.length;
  if (n < 2 || quoted[0] !== Q) return undefined;
  const end = quoted.indexOf(Q, 1) + 1;
  if (end === 0) return undefined;
  const first = quoted.subarray(0, end);
  if (end === n && !first.includes(BACKSLASH) && !first.includes(NL) && validUtf8(first.subarray(1, end - 1))) {
    return first.subarray(1, end - 1);
  }
  let s = quoted.subarray(1);
  const buf: number[] = [];
  while (s.length > 0 && s[0] !== Q) {
    const c = s[0] === NL ? undefined : unquoteChar(s, true);
    if (c === undefined) return undefined;
    buf.push(...c.bytes);
    s = s.subarray(c.width);
  }
  // The closing quote must end the text (Unquote refuses anything after it).
  if (s.length !== 1) return undefined;
  return Uint8Array.from(buf);
}

function validUtf8(b: Uint8Array): boolean {
  for (let off = 0; off < b.length; ) {
    const [r, size] = decodeRune(b, off);
    if (r === RUNE_ERROR && size === 1) return false;
    off += size;
  }
  return true;
}

function unhex(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  return -1;
}

const SIMPLE: Record<number, number> = { 0x61: 7, 0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9, 0x76: 11, 0x5c: 0x5c, 0x22: 0x22 };

/** strconv.UnquoteChar for a double-quoted string; `strict` is Go's own (a \u escape must be a valid rune), where
 * HCL's copy writes U+FFFD for a surrogate half. */
function unquoteChar(s: Uint8Array, strict = false): { bytes: number[]; width: number } | undefined {
  const c = s[0]!;
  if (c === Q) return undefined;
  if (c >= 0x80) {
    const [r, size] = decodeRune(s, 0);
    return { bytes: encodeRune(r), width: size };
  }
  if (c !== BACKSLASH) return { bytes: [c], width: 1 };
  if (s.length <= 1) return undefined;
  const e = s[1]!;
  if (e in SIMPLE) return { bytes: [SIMPLE[e]!], width: 2 };
  if (e === 0x78 || e === 0x75 || e === 0x55) {
    const digits = e === 0x78 ? 2 : e === 0x75 ? 4 : 8;
    if (s.length - 2 < digits) return undefined;
    let v = 0;
    for (let j = 0; j < digits; j++) {
      const x = unhex(s[2 + j]);
      if (x < 0) return undefined;
      v = v * 16 + x;
    }
    // \x is one byte, possibly not UTF-8; \u and \U are runes.
    if (e === 0x78) return { bytes: [v], width: 2 + digits };
    if (v > 0x10ffff || (strict && v >= 0xd800 && v <= 0xdfff)) return undefined;
    return { bytes: encodeRune(v), width: 2 + digits };
  }
  if (e >= 0x30 && e <= 0x37) {
    if (s.length - 2 < 2) return undefined;
    let v = e - 0x30;
    for (let j = 0; j < 2; j++) {
      const x = s[2 + j]! - 0x30;
      if (x < 0 || x > 7) return undefined;
      v = (v << 3) | x;
    }
    if (v > 255) return undefined;
    return { bytes: [v], width: 4 };
  }
  return undefined;
}
