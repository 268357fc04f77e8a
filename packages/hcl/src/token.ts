// HCL's tokens (hashicorp/hcl/hcl/token): their types, positions and the literal values they carry.
import { goString } from './utf8.js';
import { unquoteGo, unquoteHcl } from './unquote.js';

export enum TokenType {
  ILLEGAL,
  EOF,
  COMMENT,
  IDENT,
  NUMBER,
  FLOAT,
  BOOL,
  STRING,
  HEREDOC,
  LBRACK,
  LBRACE,
  COMMA,
  PERIOD,
  RBRACK,
  RBRACE,
  ASSIGN,
  ADD,
  SUB,
}

/** A source position; line and column count from 1 (column in characters), line 0 means "no position". */
export interface Pos {
  /** Byte offset from the start of the source. */
  offset: number;
  line: number;
  column: number;
}

export const NO_POS: Pos = { offset: 0, line: 0, column: 0 };

/** token.Pos.String(): `line:column`, or `-` for no position. */
export function posText(pos: Pos): string {
  return pos.line > 0 ? `${pos.line}:${pos.column}` : '-';
}

export interface Token {
  type: TokenType;
  pos: Pos;
  /** The token's source bytes. */
  text: Uint8Array;
  /** A string from the JSON dialect: unquoted by Go's strconv.Unquote rather than HCL's. */
  json?: boolean;
}

/** token.Type.String(). */
export function typeName(t: TokenType): string {
  return TokenType[t] ?? `token(${t})`;
}

/** token.Token.String(), as `%+v` prints a token in the parser's "Unknown token" error. */
export function tokenText(tok: Token): string {
  return `${posText(tok.pos)} ${typeName(tok.type)} ${goString(tok.text)}`;
}

/** Raised where the Go code panics; the message is the panic's. */
export class GoPanic extends Error {
  override name = 'GoPanic';
}

/** token.Value() for the string-valued tokens: an identifier's text, a string unquoted, a heredoc's body. */
export function stringValue(tok: Token): string {
  switch (tok.type) {
    case TokenType.IDENT:
      return goString(tok.text);
    case TokenType.HEREDOC:
      return goString(unindentHeredoc(tok.text));
    case TokenType.STRING: {
      if (tok.text.length === 0) return '';
      const v = tok.json ? unquoteGo(tok.text) : unquoteHcl(tok.text);
      if (v === undefined) throw new GoPanic(`unquote ${goString(tok.text)} err: invalid syntax`);
      return goString(v);
    }
    default:
      throw new GoPanic(`unimplemented Value for type: ${typeName(tok.type)}`);
  }
}

const SPACE_OR_TAB = (b: number) => b === 0x20 || b === 0x09;

/** unindentHeredoc: the body of `<<EOF\n...\nEOF\n`, byte for byte as Go slices it; with `<<-`, the
 * terminator line's indentation is removed from every line when all of them carry it. */
export function unindentHeredoc(heredoc: Uint8Array): Uint8Array {
  const idx = heredoc.indexOf(0x0a);
  if (idx === -1) throw new GoPanic("heredoc doesn't contain newline");
  const unindent = heredoc[2] === 0x2d; // '-'
  if (!unindent) return heredoc.subarray(idx + 1, heredoc.length - idx + 1);
  const body = heredoc.subarray(idx + 1, heredoc.length - idx + 2);
  const lines = splitLines(body);
  const prefix = lines[lines.length - 1]!;
  const indented = lines.every((l) => startsWith(l, prefix));
  if (!indented) {
    let raw = heredoc.subarray(idx + 1, heredoc.length - idx + 1);
    let end = raw.length;
    while (end > 0 && SPACE_OR_TAB(raw[end - 1]!)) end--;
    raw = raw.subarray(0, end);
    return raw;
  }
  const out: number[] = [];
  lines.forEach((l, k) => {
    if (k > 0) out.push(0x0a);
    if (k < lines.length - 1) out.push(...l.subarray(prefix.length));
  });
  return Uint8Array.from(out);
}

function splitLines(b: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x0a) {
      lines.push(b.subarray(start, i));
      start = i + 1;
    }
  }
  lines.push(b.subarray(start));
  return lines;
}

function startsWith(b: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > b.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[i] !== prefix[i]) return false;
  return true;
}
