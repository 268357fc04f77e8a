// hashicorp/hcl/json/parser, ported: HCL's JSON dialect, which hcl.Decode uses for text starting with "{". It
// builds the same tree as HCL (so the same decoder applies) with two twists of its own: the tree is flattened
// the way HCL writes blocks (an object whose values are all objects becomes labelled blocks, a list of objects
// becomes repeated blocks), and nothing carries a position. The parser is as lenient as the original: what
// follows the closing brace is not read, and a list skips `true`, `false` and nested "[".
import type { ListType, LiteralType, Node, ObjectItem, ObjectKey, ObjectList, ObjectType } from './ast.js';
import { JsonScanner, JsonTokenType, type JsonToken } from './json-scanner.js';
import { GoPanic, NO_POS, posText, TokenType, type Pos, type Token } from './token.js';
import { goString } from './utf8.js';

/** An error of the JSON dialect: Go reports parser errors without a position, scanner errors as `line:col: msg`. */
export class JsonParseError extends Error {
  constructor(
    message: string,
    readonly pos?: Pos,
    readonly reason = message,
  ) {
    super(message);
  }
}

const EOF_FOUND = new JsonParseError('EOF token found');

export function parseJsonDialect(src: Uint8Array): ObjectList {
  return new JsonParser(src).parse();
}

class JsonParser {
  private readonly sc: JsonScanner;
  private tok: JsonToken = { type: JsonTokenType.ILLEGAL, pos: NO_POS, text: new Uint8Array() };
  private buffered = false;
  private scanError: JsonParseError | undefined;

  constructor(src: Uint8Array) {
    this.sc = new JsonScanner(src, (pos, msg) => {
      this.scanError = new JsonParseError(`${posText(pos)}: ${msg}`, pos, msg);
    });
  }

  parse(): ObjectList {
    let obj: ObjectType | undefined;
    let err: unknown;
    try {
      obj = this.object();
    } catch (e) {
      err = e;
    }
    if (this.scanError) throw this.scanError;
    if (err) throw err instanceof PartialList ? err.err : err;
    flattenObjects(obj!.list);
    return obj!.list;
  }

  private objectList(): ObjectList {
    const node: ObjectList = { kind: 'ObjectList', items: [] };
    for (;;) {
      let item: ObjectItem;
      try {
        item = this.objectItem();
      } catch (e) {
        if (e === EOF_FOUND) break;
        throw new PartialList(node, e);
      }
      node.items.push(item);
      if (this.scan().type !== JsonTokenType.COMMA) break;
    }
    return node;
  }

  private objectItem(): ObjectItem {
    const keys = this.objectKey();
    // Without a ":" (which objectKey requires) Go leaves the value nil and the decoder skips the item.
    const val = this.tok.type === JsonTokenType.COLON ? this.objectValue() : undefined;
    return { kind: 'ObjectItem', keys, val: val! };
  }

  private objectKey(): ObjectKey[] {
    let keyCount = 0;
    const keys: ObjectKey[] = [];
    for (;;) {
      const tok = this.scan();
      switch (tok.type) {
        case JsonTokenType.EOF:
          throw EOF_FOUND;
        case JsonTokenType.STRING:
          keyCount++;
          keys.push({ token: hclToken(this.tok) });
          break;
        case JsonTokenType.COLON:
          if (keyCount === 0) throw new JsonParseError(`expected: STRING got: ${JsonTokenType[this.tok.type]}`);
          return keys;
        case JsonTokenType.ILLEGAL:
          throw new JsonParseError('illegal');
        default:
          throw new JsonParseError(`expected: STRING got: ${JsonTokenType[this.tok.type]}`);
      }
    }
  }

  private objectValue(): Node {
    const tok = this.scan();
    switch (tok.type) {
      case JsonTokenType.NUMBER:
      case JsonTokenType.FLOAT:
      case JsonTokenType.BOOL:
      case JsonTokenType.NULL:
      case JsonTokenType.STRING:
        return this.literalType();
      case JsonTokenType.LBRACE:
        return this.objectType();
      case JsonTokenType.LBRACK:
        return this.listType();
      case JsonTokenType.EOF:
        throw EOF_FOUND;
    }
    throw new JsonParseError(`Expected object value, got unknown token: ${tokenString(tok)}`);
  }

  private object(): ObjectType {
    const tok = this.scan();
    switch (tok.type) {
      case JsonTokenType.LBRACE:
        return this.objectType();
      case JsonTokenType.EOF:
        throw EOF_FOUND;
    }
    throw new JsonParseError(`Expected object, got unknown token: ${tokenString(tok)}`);
  }

  private objectType(): ObjectType {
    let list: ObjectList;
    try {
      list = this.objectList();
    } catch (e) {
      if (!(e instanceof PartialList)) throw e;
      if (this.tok.type !== JsonTokenType.RBRACE) throw e.err;
      list = e.list;
    }
    return { kind: 'ObjectType', lbrace: NO_POS, list };
  }

  private listType(): ListType {
    const l: ListType = { kind: 'ListType', lbrack: NO_POS, list: [] };
    for (;;) {
      const tok = this.scan();
      switch (tok.type) {
        case JsonTokenType.NUMBER:
        case JsonTokenType.FLOAT:
        case JsonTokenType.STRING:
          l.list.push(this.literalType());
          break;
        case JsonTokenType.COMMA:
          continue;
        case JsonTokenType.LBRACE:
          l.list.push(this.objectType());
          break;
        case JsonTokenType.BOOL:
        case JsonTokenType.LBRACK:
          // Not supported by hashicorp/hcl's JSON lists: skipped.
          break;
        case JsonTokenType.RBRACK:
          return l;
        default:
          throw new JsonParseError(`unexpected token while parsing list: ${JsonTokenType[tok.type]}`);
      }
    }
  }

  private literalType(): LiteralType {
    return { kind: 'LiteralType', token: hclToken(this.tok) };
  }

  private scan(): JsonToken {
    if (this.buffered) {
      this.buffered = false;
      return this.tok;
    }
    this.tok = this.sc.scan();
    return this.tok;
  }
}

/** objectList's (items so far, error) pair, thrown (a plain object: no stack trace to capture). */
class PartialList {
  constructor(
    readonly list: ObjectList,
    readonly err: unknown,
  ) {}
}

/** json token.HCLToken(): the HCL token for a literal, without a position. */
function hclToken(t: JsonToken): Token {
  const at = { pos: NO_POS, text: t.text };
  switch (t.type) {
    case JsonTokenType.BOOL:
      return { type: TokenType.BOOL, ...at };
    case JsonTokenType.FLOAT:
      return { type: TokenType.FLOAT, ...at };
    case JsonTokenType.NULL:
      return { type: TokenType.STRING, pos: NO_POS, text: new Uint8Array() };
    case JsonTokenType.NUMBER:
      return { type: TokenType.NUMBER, ...at };
    case JsonTokenType.STRING:
      return { type: TokenType.STRING, ...at, json: true };
    default:
      throw new GoPanic(`unimplemented HCLToken for type: ${JsonTokenType[t.type]}`);
  }
}

function tokenString(t: JsonToken): string {
  return `${posText(t.pos)} ${JsonTokenType[t.type]} ${goString(t.text)}`;
}

/** flattenObjects: rewrites every object list so that JSON nesting reads as HCL blocks. */
function flattenObjects(node: Node): void {
  switch (node.kind) {
    case 'ObjectList':
      flattenList(node);
      for (const item of node.items) flattenObjects(item);
      break;
    case 'ObjectItem':
      if (node.val) flattenObjects(node.val);
      break;
    case 'ObjectType':
      flattenObjects(node.list);
      break;
    case 'ListType':
      for (const n of node.list) flattenObjects(n);
      break;
    case 'LiteralType':
      break;
  }
}

function flattenList(list: ObjectList): void {
  const items: ObjectItem[] = [];
  const frontier = [...list.items];
  while (frontier.length > 0) {
    const item = frontier.pop()!;
    const v = item.val as Node | undefined;
    if (v?.kind === 'ObjectType') {
      const subs = v.list.items;
      if (subs.length === 0 || !subs.every((s) => s.val?.kind === 'ObjectType')) items.push(item);
      else for (const sub of subs) frontier.push({ kind: 'ObjectItem', keys: [...item.keys, ...sub.keys], val: sub.val });
    } else if (v?.kind === 'ListType') {
      if (v.list.length === 0 || !v.list.every((e) => e.kind === 'ObjectType')) items.push(item);
      else for (const elem of v.list) frontier.push({ kind: 'ObjectItem', keys: item.keys, val: elem });
    } else {
      items.push(item);
    }
  }
  list.items = items.reverse();
}
