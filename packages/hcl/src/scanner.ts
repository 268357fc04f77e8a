// hashicorp/hcl/hcl/scanner, ported line by line: the same tokens, the same positions (columns in characters),
// the same error texts, and the same quirks (a scan error is reported and scanning goes on; the parser keeps the
// last one).
import { EOF, NL, ScannerBase, ch, digitVal, isDecimal, isDigit, isHexadecimal, isLetter, isWhitespace, spells } from './scanner-base.js';
import { TokenType, type Token } from './token.js';
import { RUNE_ERROR } from './utf8.js';

export class Scanner extends ScannerBase {
  protected next(): number {
    const c = this.readRune();
    if (c < 0) {
      this.srcPos.column++;
      this.lastCharLen = 0;
      return EOF;
    }
    const size = this.runeSize;
    this.savePrevPos();
    this.srcPos.column++;
    this.lastCharLen = size;
    this.srcPos.offset += size;
    if (c === RUNE_ERROR && size === 1) {
      this.err('illegal UTF-8 encoding');
      return c;
    }
    if (c === NL) {
      this.srcPos.line++;
      this.lastLineLen = this.srcPos.column;
      this.srcPos.column = 0;
    }
    if (c === 0) {
      this.err('unexpected null character (0x00)');
      return EOF;
    }
    if (c === 0xe123) {
      this.err('unicode code point U+E123 reserved for internal use');
      return RUNE_ERROR;
    }
    return c;
  }

  scan(): Token {
    let c = this.next();
    while (isWhitespace(c)) c = this.next();

    let tok = TokenType.ILLEGAL;
    this.startToken();

    if (isLetter(c)) {
      tok = TokenType.IDENT;
      const lit = this.scanIdentifier();
      if (spells(lit, 'true') || spells(lit, 'false')) tok = TokenType.BOOL;
    } else if (isDecimal(c)) {
      tok = this.scanNumber(c);
    } else {
      switch (c) {
        case EOF:
          tok = TokenType.EOF;
          break;
        case ch('"'):
          tok = TokenType.STRING;
          this.scanString();
          break;
        case ch('#'):
        case ch('/'):
          tok = TokenType.COMMENT;
          this.scanComment(c);
          break;
        case ch('.'):
          tok = TokenType.PERIOD;
          c = this.peek();
          if (isDecimal(c)) {
            tok = TokenType.FLOAT;
            c = this.scanMantissa(c);
            c = this.scanExponent(c);
          }
          break;
        case ch('<'):
          tok = TokenType.HEREDOC;
          this.scanHeredoc();
          break;
        case ch('['):
          tok = TokenType.LBRACK;
          break;
        case ch(']'):
          tok = TokenType.RBRACK;
          break;
        case ch('{'):
          tok = TokenType.LBRACE;
          break;
        case ch('}'):
          tok = TokenType.RBRACE;
          break;
        case ch(','):
          tok = TokenType.COMMA;
          break;
        case ch('='):
          tok = TokenType.ASSIGN;
          break;
        case ch('+'):
          tok = TokenType.ADD;
          break;
        case ch('-'):
          if (isDecimal(this.peek())) {
            const d = this.next();
            tok = this.scanNumber(d);
          } else {
            tok = TokenType.SUB;
          }
          break;
        default:
          this.err('illegal char');
      }
    }
    return { type: tok, ...this.endToken() };
  }

  private scanComment(c: number): void {
    if (c === ch('#') || (c === ch('/') && this.peek() !== ch('*'))) {
      if (c === ch('/') && this.peek() !== ch('/')) {
        this.err("expected '/' for comment");
        return;
      }
      c = this.next();
      while (c !== NL && c >= 0 && c !== EOF) c = this.next();
      if (c !== EOF && c >= 0) this.unread();
      return;
    }
    if (c === ch('/')) {
      this.next();
      c = this.next();
    }
    for (;;) {
      if (c < 0 || c === EOF) {
        this.err('comment not terminated');
        break;
      }
      const c0 = c;
      c = this.next();
      if (c0 === ch('*') && c === ch('/')) break;
    }
  }

  private scanNumber(c: number): TokenType {
    if (c === ch('0')) {
      c = this.next();
      if (c === ch('x') || c === ch('X')) {
        c = this.next();
        let found = false;
        while (isHexadecimal(c)) {
          c = this.next();
          found = true;
        }
        if (!found) this.err('illegal hexadecimal number');
        if (c !== EOF) this.unread();
        return TokenType.NUMBER;
      }
      let illegalOctal = false;
      while (isDecimal(c)) {
        c = this.next();
        if (c === ch('8') || c === ch('9')) illegalOctal = true;
      }
      if (c === ch('e') || c === ch('E')) {
        c = this.scanExponent(c);
        return TokenType.FLOAT;
      }
      if (c === ch('.')) {
        c = this.scanFraction(c);
        if (c === ch('e') || c === ch('E')) {
          c = this.next();
          c = this.scanExponent(c);
        }
        return TokenType.FLOAT;
      }
      if (illegalOctal) this.err('illegal octal number');
      if (c !== EOF) this.unread();
      return TokenType.NUMBER;
    }
    return this.scanDecimal(c) ? TokenType.FLOAT : TokenType.NUMBER;
  }

  private scanHeredoc(): void {
    if (this.next() !== ch('<')) {
      this.err("heredoc expected second '<', didn't see it");
      return;
    }
    const offs = this.srcPos.offset;
    let c = this.next();
    if (c === ch('-')) c = this.next();
    while (isLetter(c) || isDigit(c)) c = this.next();
    if (c === EOF) {
      this.err('heredoc not terminated');
      return;
    }
    if (c === ch('\r') && this.peek() === NL) c = this.next();
    if (c !== NL) {
      this.err('invalid characters in heredoc anchor');
      return;
    }
    const ident = this.src.subarray(offs, this.srcPos.offset - this.lastCharLen);
    if (ident.length === 0 || (ident.length === 1 && ident[0] === ch('-'))) {
      this.err('zero-length heredoc anchor');
      return;
    }
    const anchor = ident[0] === ch('-') ? ident.subarray(1) : ident;

    let lineStart = this.srcPos.offset;
    for (;;) {
      const d = this.next();
      if (d === NL) {
        const lineEnd = this.srcPos.offset - this.lastCharLen;
        if (lineEnd - lineStart >= ident.length && isAnchorLine(this.src.subarray(lineStart, lineEnd), anchor)) break;
        lineStart = this.srcPos.offset;
      }
      if (d === EOF) {
        this.err('heredoc not terminated');
        return;
      }
    }
  }

  private scanString(): void {
    let braces = 0;
    for (;;) {
      const c = this.next();
      if ((c === NL && braces === 0) || c < 0 || c === EOF) {
        this.err('literal not terminated');
        return;
      }
      if (c === ch('"') && braces === 0) break;
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
    const start = n;
    while (n > 0 && digitVal(c) < base) {
      c = this.next();
      if (c === EOF) break;
      n--;
    }
    if (n > 0) this.err('illegal char escape');
    if (n !== start && c !== EOF) this.unread();
    return c;
  }

  private scanIdentifier(): Uint8Array {
    const offs = this.srcPos.offset - this.lastCharLen;
    let c = this.next();
    while (isLetter(c) || isDigit(c) || c === ch('-') || c === ch('.')) c = this.next();
    if (c !== EOF) this.unread();
    return this.src.subarray(offs, this.srcPos.offset);
  }
}

/** `^[[:space:]]*ANCHOR\r*\z` against one line of the heredoc. */
function isAnchorLine(line: Uint8Array, anchor: Uint8Array): boolean {
  let i = 0;
  while (i < line.length && isPosixSpace(line[i]!)) i++;
  for (let k = 0; k < anchor.length; k++, i++) if (line[i] !== anchor[k]) return false;
  while (i < line.length && line[i] === 0x0d) i++;
  return i === line.length;
}

function isPosixSpace(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

