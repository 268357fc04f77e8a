// What hashicorp/hcl's two scanners (HCL's and its JSON dialect's) share, ported line by line: reading UTF-8
// bytes one rune at a time as Go's bytes.Buffer does (one unread after a read, none after a peek), positions
// (columns in characters), number parts, escapes, and error reporting (reported, then scanning goes on).
import { GoPanic, type Pos } from './token.js';
import { decodeRune } from './utf8.js';

export const EOF = 0;
export const ch = (c: string) => c.charCodeAt(0);
export const NL = ch('\n');

export abstract class ScannerBase {
  private off = 0;
  /** Width of the last successful ReadRune, 0 when UnreadRune is not allowed (bytes.Buffer's lastRead). */
  private lastRead = 0;
  protected srcPos: Pos = { offset: 0, line: 1, column: 0 };
  protected prevPos: Pos = { offset: 0, line: 0, column: 0 };
  protected lastCharLen = 0;
  protected lastLineLen = 0;
  private tokStart = 0;
  private tokPos: Pos = { offset: 0, line: 0, column: 0 };

  constructor(
    protected readonly src: Uint8Array,
    /** Called for each error; scanning continues. */
    private readonly onError: (pos: Pos, msg: string) => void,
  ) {}

  protected abstract next(): number;

  /** bytes.Buffer.ReadRune: the rune, or -1 at the end; its width is then `lastRead`. */
  protected readRune(): number {
    if (this.off >= this.src.length) {
      this.lastRead = 0;
      return -1;
    }
    const b = this.src[this.off]!;
    if (b < 0x80) {
      this.off++;
      this.lastRead = 1;
      return b;
    }
    const [r, size] = decodeRune(this.src, this.off);
    this.off += size;
    this.lastRead = size;
    return r;
  }

  /** The width of the rune readRune just returned. */
  protected get runeSize(): number {
    return this.lastRead;
  }

  private unreadRune(): void {
    if (this.lastRead === 0) throw new GoPanic('bytes.Buffer: UnreadRune: previous operation was not a successful ReadRune');
    this.off -= this.lastRead;
    this.lastRead = 0;
  }

  /** Remembers the position before the rune being read, for unread (copied field by field: once per rune). */
  protected savePrevPos(): void {
    this.prevPos.offset = this.srcPos.offset;
    this.prevPos.line = this.srcPos.line;
    this.prevPos.column = this.srcPos.column;
  }

  protected unread(): void {
    this.unreadRune();
    this.srcPos = { ...this.prevPos };
  }

  protected peek(): number {
    const r = this.readRune();
    if (r < 0) return EOF;
    this.unreadRune();
    return r;
  }

  /** Marks where the token whose first character was just read starts. */
  protected startToken(): void {
    this.tokStart = this.srcPos.offset - this.lastCharLen;
    this.tokPos.offset = this.srcPos.offset - this.lastCharLen;
    if (this.srcPos.column > 0) {
      this.tokPos.line = this.srcPos.line;
      this.tokPos.column = this.srcPos.column;
    } else {
      this.tokPos.line = this.srcPos.line - 1;
      this.tokPos.column = this.lastLineLen;
    }
  }

  /** The token's text and position, from startToken to what has been read. */
  protected endToken(): { pos: Pos; text: Uint8Array } {
    const tokEnd = this.srcPos.offset;
    const text = this.tokStart >= 0 ? this.src.subarray(this.tokStart, tokEnd) : new Uint8Array();
    this.tokStart = tokEnd;
    return { pos: { ...this.tokPos }, text };
  }

  /** A decimal number after its first digit `c` (which starts no base prefix): true when it is a float. */
  protected scanDecimal(c: number): boolean {
    this.scanMantissa(c);
    c = this.next();
    if (c === ch('e') || c === ch('E')) {
      this.scanExponent(c);
      return true;
    }
    if (c === ch('.')) {
      c = this.scanFraction(c);
      if (c === ch('e') || c === ch('E')) {
        c = this.next();
        this.scanExponent(c);
      }
      return true;
    }
    if (c !== EOF) this.unread();
    return false;
  }

  protected scanMantissa(c: number): number {
    let scanned = false;
    while (isDecimal(c)) {
      c = this.next();
      scanned = true;
    }
    if (scanned && c !== EOF) this.unread();
    return c;
  }

  protected scanFraction(c: number): number {
    if (c === ch('.')) {
      c = this.peek();
      c = this.scanMantissa(c);
    }
    return c;
  }

  protected scanExponent(c: number): number {
    if (c === ch('e') || c === ch('E')) {
      c = this.next();
      if (c === ch('-') || c === ch('+')) c = this.next();
      c = this.scanMantissa(c);
    }
    return c;
  }

  protected scanEscape(): number {
    let c = this.next();
    switch (c) {
      case ch('a'):
      case ch('b'):
      case ch('f'):
      case ch('n'):
      case ch('r'):
      case ch('t'):
      case ch('v'):
      case ch('\\'):
      case ch('"'):
        break;
      case ch('0'):
      case ch('1'):
      case ch('2'):
      case ch('3'):
      case ch('4'):
      case ch('5'):
      case ch('6'):
      case ch('7'):
        c = this.scanDigits(c, 8, 3);
        break;
      case ch('x'):
        c = this.scanDigits(this.next(), 16, 2);
        break;
      case ch('u'):
        c = this.scanDigits(this.next(), 16, 4);
        break;
      case ch('U'):
        c = this.scanDigits(this.next(), 16, 8);
        break;
      default:
        this.err('illegal char escape');
    }
    return c;
  }

  protected abstract scanDigits(c: number, base: number, n: number): number;

  /** The position of the character last read (recentPosition). */
  private recentPosition(): Pos {
    const offset = this.srcPos.offset - this.lastCharLen;
    if (this.srcPos.column > 0) return { offset, line: this.srcPos.line, column: this.srcPos.column };
    if (this.lastLineLen > 0) return { offset, line: this.srcPos.line - 1, column: this.lastLineLen };
    return { offset, line: 1, column: 1 };
  }

  protected err(msg: string): void {
    this.onError(this.recentPosition(), msg);
  }
}

const LETTER = /\p{L}/u;
const DIGIT = /\p{Nd}/u;

/** The identifier's bytes spell `word` (ASCII). */
export function spells(ident: Uint8Array, word: string): boolean {
  if (ident.length !== word.length) return false;
  for (let i = 0; i < ident.length; i++) if (ident[i] !== word.charCodeAt(i)) return false;
  return true;
}

export function isLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || (c >= 0x80 && LETTER.test(String.fromCodePoint(c)));
}

export function isDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x80 && DIGIT.test(String.fromCodePoint(c)));
}

export function isDecimal(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export function isHexadecimal(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

export function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

export function digitVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return 16;
}
