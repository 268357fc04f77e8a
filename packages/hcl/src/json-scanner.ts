// hashicorp/hcl/json/scanner, ported line by line: the scanner of HCL's JSON dialect, which hcl.Decode uses for
// text whose first character is "{". Only JSON's tokens; numbers cannot start with 0.
import { EOF, NL, ScannerBase, ch, digitVal, isDecimal, isDigit, isLetter, isWhitespace, spells } from './scanner-base.js';
import type { Pos } from './token.js';
import { RUNE_ERROR } from './utf8.js';

export enum JsonTokenType {
  ILLEGAL,
  EOF,
  NUMBER,
  FLOAT,
  BOOL,
  STRING,
  NULL,
  LBRACK,
  LBRACE,
  COMMA,
  PERIOD,
  COLON,
  RBRACK,
  RBRACE,
}

export interface JsonToken {
  type: JsonTokenType;
  pos: Pos;
  text: Uint8Array;
}

export class JsonScanner extends ScannerBase {
  protected next(): number {
    const c = this.readRune();
    if (c < 0) {
      this.srcPos.column++;
      this.lastCharLen = 0;
      return EOF;
    }
    const size = this.runeSize;
    if (c === RUNE_ERROR && size === 1) {
      this.srcPos.column++;
      this.srcPos.offset += size;
      this.lastCharLen = size;
      this.err('illegal UTF-8 encoding');
      return c;
    }
    this.savePrevPos();
    this.srcPos.column++;
    this.lastCharLen = size;
    this.srcPos.offset += size;
    if (c === NL) {
      this.srcPos.line++;
      this.lastLineLen = this.srcPos.column;
      this.srcPos.column = 0;
    }
    return c;
  }

  scan(): JsonToken {
    let c = this.next();
    while (isWhitespace(c)) c = this.next();
    let tok = JsonTokenType.ILLEGAL;
    this.startToken();
    if (isLetter(c)) {
      const lit = this.scanIdentifier();
      if (spells(lit, 'true') || spells(lit, 'false')) tok = JsonTokenType.BOOL;
      else if (spells(lit, 'null')) tok = JsonTokenType.NULL;
      else this.err('illegal char');
    } else if (isDecimal(c)) {
      tok = this.scanNumber(c);
    } else {
      switch (c) {
        case EOF:
          tok = JsonTokenType.EOF;
          break;
        case ch('"'):
          tok = JsonTokenType.STRING;
          this.scanString();
          break;
        case ch('.'):
          tok = JsonTokenType.PERIOD;
          c = this.peek();
          if (isDecimal(c)) {
            tok = JsonTokenType.FLOAT;
            c = this.scanMantissa(c);
            c = this.scanExponent(c);
          }
          break;
        case ch('['):
          tok = JsonTokenType.LBRACK;
          break;
        case ch(']'):
          tok = JsonTokenType.RBRACK;
          break;
        case ch('{'):
          tok = JsonTokenType.LBRACE;
          break;
        case ch('}'):
          tok = JsonTokenType.RBRACE;
          break;
        case ch(','):
          tok = JsonTokenType.COMMA;
          break;
        case ch(':'):
          tok = JsonTokenType.COLON;
          break;
        case ch('-'):
          if (isDecimal(this.peek())) {
            const d = this.next();
            tok = this.scanNumber(d);
          } else {
            this.err('illegal char');
          }
          break;
        default:
          this.err(`illegal char: ${String.fromCodePoint(c)}`);
      }
    }
    return { type: tok, ...this.endToken() };
  }

  private scanNumber(c: number): JsonTokenType {
    const zero = c === ch('0');
    const pos = { ...this.srcPos };
    if (this.scanDecimal(c)) return JsonTokenType.FLOAT;
    if (zero && (pos.offset !== this.srcPos.offset || pos.line !== this.srcPos.line || pos.column !== this.srcPos.column)) {
      this.err('numbers cannot start with 0');
    }
    return JsonTokenType.NUMBER;
  }

  private scanString(): void {
    let braces = 0;
    for (;;) {
      const c = this.next();
      if (c === NL || c < 0 || c === EOF) {
        this.err('literal not terminated');
        return;
      }
      if (c === ch('"')) break;
      if (braces === 0 && c === ch('$') && this.peek() === ch('{')) {
        braces++;
        this.next();
      } else if (braces > 0 && c === ch('{')) {
        braces++;
      }
      if (braces > 0 && c === ch('}')) braces--;
      if (c === ch('\\')) this.scanEscape();
    }
  }

  protected scanDigits(c: number, base: number, n: number): number {
    while (n > 0 && digitVal(c) < base) {
      c = this.next();
      n--;
    }
    if (n > 0) this.err('illegal char escape');
    this.unread();
    return c;
  }

  private scanIdentifier(): Uint8Array {
    const offs = this.srcPos.offset - this.lastCharLen;
    let c = this.next();
    while (isLetter(c) || isDigit(c) || c === ch('-')) c = this.next();
    if (c !== EOF) this.unread();
    return this.src.subarray(offs, this.srcPos.offset);
  }
}
