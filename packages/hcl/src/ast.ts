// hashicorp/hcl/hcl/ast: the syntax tree the parser builds and the decoder walks.
import { NO_POS, type Pos, type Token } from './token.js';

export type Node = ObjectList | ObjectItem | ObjectType | ListType | LiteralType;

export interface ObjectList {
  kind: 'ObjectList';
  items: ObjectItem[];
}

export interface ObjectKey {
  token: Token;
}

export interface ObjectItem {
  kind: 'ObjectItem';
  /** One key for an assignment, one or more for a block (`service "web" { }` has two). */
  keys: ObjectKey[];
  val: Node;
  /** Where the item was written, kept when filterItems strips its keys (Go's node then has no position). */
  at?: Pos;
}

export interface ObjectType {
  kind: 'ObjectType';
  lbrace: Pos;
  list: ObjectList;
}

export interface ListType {
  kind: 'ListType';
  lbrack: Pos;
  list: Node[];
}

export interface LiteralType {
  kind: 'LiteralType';
  token: Token;
}

/** node.Pos(), as each Go node type answers it. */
export function nodePos(n: Node): Pos {
  switch (n.kind) {
    case 'ObjectList':
      return n.items.length > 0 ? nodePos(n.items[0]!) : NO_POS;
    case 'ObjectItem':
      return n.keys.length > 0 ? n.keys[0]!.token.pos : NO_POS;
    case 'ObjectType':
      return n.lbrace;
    case 'ListType':
      return n.lbrack;
    case 'LiteralType':
      return n.token.pos;
  }
}

/** The Go type name, `*ast.LiteralType`, as `%T` prints it in decode errors. */
export function nodeTypeName(n: Node): string {
  return `*ast.${n.kind}`;
}

/** ObjectList.Filter: the items whose keys start with `keys` (compared as strings.EqualFold), prefix removed. */
export function filterItems(list: ObjectList, key: string, keyValue: (k: ObjectKey) => string): ObjectList {
  const items: ObjectItem[] = [];
  for (const item of list.items) {
    if (item.keys.length < 1) continue;
    const k = keyValue(item.keys[0]!);
    if (k !== key && !equalFold(k, key)) continue;
    items.push({ ...item, keys: item.keys.slice(1), at: item.at ?? item.keys[0]!.token.pos });
  }
  return { kind: 'ObjectList', items };
}

/** strings.EqualFold, close enough: equal under simple one-to-one case mapping, code point by code point. */
export function equalFold(a: string, b: string): boolean {
  const ca = [...a];
  const cb = [...b];
  if (ca.length !== cb.length) return false;
  return ca.every((x, i) => {
    const y = cb[i]!;
    if (x === y) return true;
    const fold = (c: string) => {
      const l = c.toLowerCase();
      return [...l].length === 1 ? l : c;
    };
    return fold(x) === fold(y) || fold(x.toUpperCase()) === fold(y.toUpperCase());
  });
}
