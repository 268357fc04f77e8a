// hashicorp/hcl/hcl/parser, ported: the same tree from the same tokens and the same errors at the same
// positions. Comments are skipped (they carry no value). A scanner error wins over a parser error, and of several
// scanner errors the last one reported, as in Go.
import type { Node, ObjectItem, ObjectKey, ObjectList, ObjectType, ListType, LiteralType } from './ast.js';
import { Scanner } from './scanner.js';
import { posText, tokenText, typeName, TokenType, type Pos, type Token } from './token.js';
import { goString } from './utf8.js';

/** parser.PosError: a syntax (or decode) problem at a position. */
export class PosError extends Error {
  constructor(
    readonly pos: Pos,
    readonly detail: string,
    /** Where the problem is, for people, when Go's position is empty. */
    readonly hint?: Pos,
  ) {
    super(`At ${posText(pos)}: ${detail}`);
  }
}

class EofToken extends Error {}
const EOF_FOUND = new EofToken('EOF token found');

export function parse(src: Uint8Array): ObjectList {
  const p = new Parser(normaliseNewlines(src));
  return p.parse();
}

/** bytes.Replace(src, "\r\n", "\n", -1). */
function normaliseNewlines(src: Uint8Array): Uint8Array {
  if (!src.includes(0x0d)) return src;
  const out: number[] = [];
  for (let i = 0; i < src.length; i++) {
    if (src[i] === 0x0d && src[i + 1] === 0x0a) continue;
    out.push(src[i]!);
  }
  return Uint8Array.from(out);
}

class Parser {
  private readonly sc: Scanner;
  private tok: Token = { type: TokenType.ILLEGAL, pos: { offset: 0, line: 0, column: 0 }, text: new Uint8Array() };
  private buffered = false;
  private scanError: PosError | undefined;

  constructor(src: Uint8Array) {
    this.sc = new Scanner(src, (pos, msg) => {
      this.scanError = new PosError(pos, msg);
    });
  }

  parse(): ObjectList {
    let list: ObjectList | undefined;
    let err: unknown;
    try {
      list = this.objectList(false);
    } catch (e) {
      err = e;
    }
    if (this.scanError) throw this.scanError;
    if (err) throw err instanceof PartialList ? err.err : err;
    return list!;
  }

  private objectList(obj: boolean): ObjectList {
    const node: ObjectList = { kind: 'ObjectList', items: [] };
    for (;;) {
      if (obj) {
        const tok = this.scan();
        this.unscan();
        if (tok.type === TokenType.RBRACE) break;
      }
      let item: ObjectItem;
      try {
        item = this.objectItem();
      } catch (e) {
        if (e === EOF_FOUND) break;
        // Go returns the items collected so far with the error; objectType looks at both.
        throw new PartialList(node, e);
      }
      node.items.push(item);
      const tok = this.scan();
      if (tok.type !== TokenType.COMMA) this.unscan();
    }
    return node;
  }

  private objectItem(): ObjectItem {
    let keys: ObjectKey[];
    let err: unknown;
    try {
      keys = this.objectKey();
    } catch (e) {
      if (!(e instanceof KeysError)) throw e;
      keys = e.keys;
      err = e.err;
    }
    if (keys.length > 0 && err === EOF_FOUND) err = undefined;
    if (keys.length > 0 && err !== undefined && this.tok.type === TokenType.RBRACE) {
      err = undefined;
      this.tok = { ...this.tok, type: TokenType.EOF };
    }
    if (err !== undefined) throw err;

    let val: Node;
    switch (this.tok.type) {
      case TokenType.ASSIGN:
        val = this.object();
        break;
      case TokenType.LBRACE:
        val = this.objectType();
        break;
      default: {
        const names = keys.map((k) => goString(k.token.text)).join(' ');
        throw new PosError(this.tok.pos, `key '${names}' expected start of object ('{') or assignment ('=')`);
      }
    }
    this.scan();
    this.unscan();
    return { kind: 'ObjectItem', keys, val };
  }

  private objectKey(): ObjectKey[] {
    let keyCount = 0;
    const keys: ObjectKey[] = [];
    for (;;) {
      const tok = this.scan();
      switch (tok.type) {
        case TokenType.EOF:
          throw new KeysError(keys, EOF_FOUND);
        case TokenType.ASSIGN:
          if (keyCount > 1) {
            throw new KeysError([], new PosError(this.tok.pos, `nested object expected: LBRACE got: ${typeName(this.tok.type)}`));
          }
          if (keyCount === 0) throw new KeysError([], new PosError(this.tok.pos, 'no object keys found!'));
          return keys;
        case TokenType.LBRACE:
          if (keys.length === 0) {
            throw new KeysError(keys, new PosError(this.tok.pos, `expected: IDENT | STRING got: ${typeName(this.tok.type)}`));
          }
          return keys;
        case TokenType.IDENT:
        case TokenType.STRING:
          keyCount++;
          keys.push({ token: this.tok });
          break;
        case TokenType.ILLEGAL:
          throw new KeysError(keys, new PosError(this.tok.pos, 'illegal character'));
        default:
          throw new KeysError(
            keys,
            new PosError(this.tok.pos, `expected: IDENT | STRING | ASSIGN | LBRACE got: ${typeName(this.tok.type)}`),
          );
      }
    }
  }

  private object(): Node {
    const tok = this.scan();
    switch (tok.type) {
      case TokenType.NUMBER:
      case TokenType.FLOAT:
      case TokenType.BOOL:
      case TokenType.STRING:
      case TokenType.HEREDOC:
        return this.literalType();
      case TokenType.LBRACE:
        return this.objectType();
      case TokenType.LBRACK:
        return this.listType();
      case TokenType.EOF:
        throw EOF_FOUND;
    }
    throw new PosError(tok.pos, `Unknown token: ${tokenText(tok)}`);
  }

  private objectType(): ObjectType {
    const lbrace = this.tok.pos;
    let list: ObjectList;
    try {
      list = this.objectList(true);
    } catch (e) {
      if (!(e instanceof PartialList)) throw e;
      // An error inside the braces is dropped when the parser stopped at a "}".
      if (this.tok.type !== TokenType.RBRACE) throw e.err;
      list = e.list;
    }
    const tok = this.scan();
    if (tok.type !== TokenType.RBRACE) {
      throw new PosError(tok.pos, `object expected closing RBRACE got: ${typeName(tok.type)}`);
    }
    return { kind: 'ObjectType', lbrace, list };
  }

  private listType(): ListType {
    const l: ListType = { kind: 'ListType', lbrack: this.tok.pos, list: [] };
    let needComma = false;
    for (;;) {
      const tok = this.scan();
      if (needComma && tok.type !== TokenType.COMMA && tok.type !== TokenType.RBRACK) {
        throw new PosError(tok.pos, `error parsing list, expected comma or list end, got: ${typeName(tok.type)}`);
      }
      switch (tok.type) {
        case TokenType.BOOL:
        case TokenType.NUMBER:
        case TokenType.FLOAT:
        case TokenType.STRING:
        case TokenType.HEREDOC:
          l.list.push(this.literalType());
          needComma = true;
          break;
        case TokenType.COMMA:
          this.scan();
          this.unscan();
          needComma = false;
          continue;
        case TokenType.LBRACE: {
          let node: ObjectType;
          try {
            node = this.objectType();
          } catch (e) {
            throw new PosError(tok.pos, `error while trying to parse object within list: ${errorText(e)}`);
          }
          l.list.push(node);
          needComma = true;
          break;
        }
        case TokenType.LBRACK: {
          let node: ListType;
          try {
            node = this.listType();
          } catch (e) {
            throw new PosError(tok.pos, `error while trying to parse list within list: ${errorText(e)}`);
          }
          l.list.push(node);
          break;
        }
        case TokenType.RBRACK:
          return l;
        default:
          throw new PosError(tok.pos, `unexpected token while parsing list: ${typeName(tok.type)}`);
      }
    }
  }

  private literalType(): LiteralType {
    return { kind: 'LiteralType', token: this.tok };
  }

  /** The next token that is not a comment, or the one put back by unscan. */
  private scan(): Token {
    if (this.buffered) {
      this.buffered = false;
      return this.tok;
    }
    do this.tok = this.sc.scan();
    while (this.tok.type === TokenType.COMMENT);
    return this.tok;
  }

  private unscan(): void {
    this.buffered = true;
  }
}

// Go's multiple returns, thrown: plain objects, not Errors (a stack trace per list end would dominate parsing).

/** objectKey's (keys, error) pair. */
class KeysError {
  constructor(
    readonly keys: ObjectKey[],
    readonly err: unknown,
  ) {}
}

/** objectList's (items so far, error) pair. */
class PartialList {
  constructor(
    readonly list: ObjectList,
    readonly err: unknown,
  ) {}
}

/** An error's text as Go's `%s` prints it. */
export function errorText(e: unknown): string {
  if (e instanceof PartialList) return errorText(e.err);
  if (e === EOF_FOUND) return 'EOF token found';
  return e instanceof Error ? e.message : String(e);
}
