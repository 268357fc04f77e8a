// Go's view of text: source is UTF-8 bytes, read one rune at a time with utf8.DecodeRune (an invalid byte is
// RuneError, width 1), and a Go string that is not valid UTF-8 reaches JSON with each bad byte as U+FFFD.

export const RUNE_ERROR = 0xfffd;

/** utf8.DecodeRune: the rune at `off` and its width; [RUNE_ERROR, 1] for an invalid byte, [RUNE_ERROR, 0] at the end. */
export function decodeRune(b: Uint8Array, off: number): [rune: number, size: number] {
  const n = b.length - off;
  if (n <= 0) return [RUNE_ERROR, 0];
  const b0 = b[off]!;
  if (b0 < 0x80) return [b0, 1];
  const cont = (i: number, lo = 0x80, hi = 0xbf): number => {
    const c = i < n ? b[off + i]! : -1;
    return c >= lo && c <= hi ? c & 0x3f : -1;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const c1 = cont(1);
    return c1 < 0 ? [RUNE_ERROR, 1] : [((b0 & 0x1f) << 6) | c1, 2];
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const c1 = cont(1, b0 === 0xe0 ? 0xa0 : 0x80, b0 === 0xed ? 0x9f : 0xbf);
    const c2 = c1 < 0 ? -1 : cont(2);
    return c2 < 0 ? [RUNE_ERROR, 1] : [((b0 & 0x0f) << 12) | (c1 << 6) | c2, 3];
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const c1 = cont(1, b0 === 0xf0 ? 0x90 : 0x80, b0 === 0xf4 ? 0x8f : 0xbf);
    const c2 = c1 < 0 ? -1 : cont(2);
    const c3 = c2 < 0 ? -1 : cont(3);
    return c3 < 0 ? [RUNE_ERROR, 1] : [((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3, 4];
  }
  return [RUNE_ERROR, 1];
}

/** utf8.EncodeRune: surrogate halves and values past U+10FFFF become U+FFFD. */
export function encodeRune(r: number): number[] {
  if (r < 0 || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = RUNE_ERROR;
  if (r < 0x80) return [r];
  if (r < 0x800) return [0xc0 | (r >> 6), 0x80 | (r & 0x3f)];
  if (r < 0x10000) return [0xe0 | (r >> 12), 0x80 | ((r >> 6) & 0x3f), 0x80 | (r & 0x3f)];
  return [0xf0 | (r >> 18), 0x80 | ((r >> 12) & 0x3f), 0x80 | ((r >> 6) & 0x3f), 0x80 | (r & 0x3f)];
}

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A Go string (bytes) as JavaScript text, each byte that is not valid UTF-8 turned into U+FFFD (as Go's
 * encoding/json writes it). */
export function goString(b: Uint8Array): string {
  try {
    return strict.decode(b);
  } catch {
    let out = '';
    for (let off = 0; off < b.length; ) {
      const [r, size] = decodeRune(b, off);
      out += String.fromCodePoint(r);
      off += size;
    }
    return out;
  }
}

const encoder = new TextEncoder();

/** JavaScript text as UTF-8 (a lone surrogate becomes U+FFFD). */
export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}
