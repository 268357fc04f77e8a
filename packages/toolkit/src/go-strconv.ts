// Go's strconv quoting, shared by the template language (printf %q, error texts, string literals) and the ?filter
// language (string literals, error texts): Quote, QuoteRune, Unquote, UnquoteChar.

/** strconv.IsPrint, as far as Go's tables and Unicode categories agree. */
export function isGoPrintable(cp: number): boolean {
  if (cp < 0x20 || cp === 0x7f) return false;
  if (cp < 0x7f) return true;
  if (cp >= 0x80 && cp < 0xa0) return false;
  if (cp === 0xad) return false;
  const ch = String.fromCodePoint(cp);
  return /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch) || cp === 0x20;
}

/** One rune as strconv.Quote writes it inside `quote`. */
export function goQuoteRune(cp: number, quote: string, asciiOnly = false): string {
  if (cp === quote.charCodeAt(0) || cp === 0x5c) return '\\' + String.fromCodePoint(cp);
  if (asciiOnly ? cp < 0x7f && isGoPrintable(cp) : isGoPrintable(cp)) return String.fromCodePoint(cp);
  switch (cp) {
    case 7:
      return '\\a';
    case 8:
      return '\\b';
    case 12:
      return '\\f';
    case 10:
      return '\\n';
    case 13:
      return '\\r';
    case 9:
      return '\\t';
    case 11:
      return '\\v';
  }
  if (cp < 0x20 || cp === 0x7f) return '\\x' + cp.toString(16).padStart(2, '0');
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\\ufffd';
  if (cp < 0x10000) return '\\u' + cp.toString(16).padStart(4, '0');
  return '\\U' + cp.toString(16).padStart(8, '0');
}

/** strconv.Quote */
export function goQuote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) out += goQuoteRune(ch.codePointAt(0)!, '"', asciiOnly);
  return out + '"';
}

/** strconv.QuoteRune */
export function goQuoteChar(cp: number, asciiOnly = false): string {
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < 0) cp = 0xfffd;
  return "'" + goQuoteRune(cp, "'", asciiOnly) + "'";
}

/** strconv.UnquoteChar: decodes one (possibly escaped) character. */
export function goUnquoteChar(s: string, quote: string): { value: number; tail: string } | null {
  const c = s.codePointAt(0);
  if (c === undefined) return null;
  if (s[0] === quote && (quote === "'" || quote === '"')) return null;
  if (s[0] !== '\\') return { value: c, tail: s.slice(c > 0xffff ? 2 : 1) };
  if (s.length <= 1) return null;
  const e = s[1]!;
  let rest = s.slice(2);
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
  if (e in simple) return { value: simple[e]!, tail: rest };
  if (e === 'x' || e === 'u' || e === 'U') {
    const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
    const hex = rest.slice(0, n);
    if (hex.length < n || !/^[0-9a-fA-F]+$/.test(hex)) return null;
    const v = parseInt(hex, 16);
    rest = rest.slice(n);
    if (e !== 'x' && (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))) return null;
    return { value: v, tail: rest };
  }
  if (e >= '0' && e <= '7') {
    const oct = s.slice(1, 4);
    if (!/^[0-7]{3}$/.test(oct)) return null;
    const v = parseInt(oct, 8);
    if (v > 255) return null;
    return { value: v, tail: s.slice(4) };
  }
  if (e === quote && (quote === "'" || quote === '"')) return { value: e.charCodeAt(0), tail: rest };
  return null;
}

/** strconv.Unquote for "..." and `...` literals; null on invalid syntax. */
export function goUnquote(s: string): string | null {
  if (s.length < 2) return null;
  const q = s[0]!;
  if (q !== s[s.length - 1]) return null;
  const body = s.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) return null;
    return body.replace(/\r/g, '');
  }
  if (q !== '"' && q !== "'") return null;
  if (body.includes('\n')) return null;
  if (!body.includes('\\') && !body.includes(q)) {
    return body;
  }
  let out = '';
  let rest = body;
  // Bytes from \x escapes are collected and decoded as UTF-8 together, as Go strings hold bytes.
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length) {
      out += Buffer.from(bytes).toString('utf8');
      bytes = [];
    }
  };
  while (rest.length > 0) {
    const r = goUnquoteChar(rest, q);
    if (!r) return null;
    const isByte = rest[0] === '\\' && (rest[1] === 'x' || (rest[1]! >= '0' && rest[1]! <= '7'));
    if (isByte) bytes.push(r.value);
    else {
      flush();
      out += String.fromCodePoint(r.value);
    }
    rest = r.tail;
  }
  flush();
  return out;
}

/** strconv's underscoreOK: whether `_` digit separators in a number literal (base prefix allowed) are where Go
 * accepts them. (packages/hcl keeps its own copy: it imports nothing of ours.) */
export function goUnderscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s[0] === '-' || s[0] === '+') s = s.slice(1);
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
