// hashicorp/hcl's decoder.go as it runs for `var raw map[string]interface{}; hcl.Decode(&raw, src)`: Go's
// reflection replaced by a small model of the few Go types that can appear (interface{}, map[string]interface{},
// []interface{}, []map[string]interface{}, string, int, float64, bool). The rules that follow from it:
// - a block or an object value becomes a list of maps (`a { }` and `a = { }` are both `a: [{}]`), except
//   directly inside a list, where it is a map (`a = [{ }]` is `a: [{}]` with the map inside the list);
// - `name "label" { }` is `name: [{label: [{...}]}]`, and all `name` items with labels are gathered at once;
// - a key given again is decoded into the value it already has: lists and blocks append, scalars are replaced
//   but keep their first type (`a = 1` then `a = "2"` parses "2" as an int).
import { filterItems, nodePos, nodeTypeName, type Node, type ObjectList } from './ast.js';
import { parseGoFloat, parseGoInt } from './go-strconv.js';
import { PosError } from './parser.js';
import { GoPanic, stringValue, TokenType, type Pos } from './token.js';
import { goString } from './utf8.js';

export type GoVal =
  | { t: 'string'; v: string }
  | { t: 'int'; v: bigint }
  | { t: 'float'; v: number }
  | { t: 'bool'; v: boolean }
  | GoMap
  | { t: 'sliceIface'; v: GoVal[] }
  | { t: 'sliceMap'; v: GoMap[] };

export interface GoMap {
  t: 'map';
  v: Map<string, GoVal>;
  /** Where each key was first written. */
  pos: Map<string, Pos>;
}

/** A settable place: an interface{} (holding any value, or nil) or a map[string]interface{} (or nil). */
interface Slot {
  type: 'iface' | 'map';
  value: GoVal | undefined;
}

/** A decode error Go reports without a position; `pos` is where it happened, for people. */
export class DecodeFailure extends Error {
  constructor(
    message: string,
    readonly pos: Pos | undefined,
    /** Go panics here (hcl calls panic on a string it cannot unquote) rather than returning an error. */
    readonly panic = false,
  ) {
    super(message);
  }
}

/** Decodes a parsed file into a map, as `hcl.DecodeObject(&map[string]interface{}, file)`. */
export function decodeFile(root: ObjectList): GoMap {
  const d = new Decoder();
  const slot: Slot = { type: 'map', value: undefined };
  d.decode('root', root, slot);
  return slot.value as GoMap;
}

class Decoder {
  private readonly stack: Array<'slice' | 'other'> = [];

  decode(name: string, node: Node, slot: Slot): void {
    const k = slot.type === 'iface' ? (slot.value?.t ?? 'iface') : slot.type;
    if (k !== 'iface') this.stack.push(k === 'sliceIface' || k === 'sliceMap' ? 'slice' : 'other');
    try {
      switch (k) {
        case 'bool':
          return this.decodeBool(name, node, slot);
        case 'float':
          return this.decodeFloat(name, node, slot);
        case 'int':
          return this.decodeInt(name, node, slot);
        case 'iface':
          return this.decodeInterface(name, node, slot);
        case 'map':
          return this.decodeMap(name, node, slot);
        case 'sliceIface':
        case 'sliceMap':
          return this.decodeSlice(name, node, slot);
        case 'string':
          return this.decodeString(name, node, slot);
      }
    } finally {
      if (k !== 'iface') this.stack.pop();
    }
  }

  private decodeBool(name: string, node: Node, slot: Slot): void {
    if (node.kind === 'LiteralType' && node.token.type === TokenType.BOOL) {
      slot.value = { t: 'bool', v: node.token.text.length === 4 };
      return;
    }
    throw new PosError(nodePos(node), `${name}: unknown type ${nodeTypeName(node)}`);
  }

  private decodeFloat(name: string, node: Node, slot: Slot): void {
    if (node.kind === 'LiteralType' && (node.token.type === TokenType.FLOAT || node.token.type === TokenType.NUMBER)) {
      slot.value = { t: 'float', v: withPos(node, () => parseGoFloat(text(node.token.text))) };
      return;
    }
    throw new PosError(nodePos(node), `${name}: unknown type ${nodeTypeName(node)}`);
  }

  private decodeInt(name: string, node: Node, slot: Slot): void {
    if (node.kind === 'LiteralType') {
      if (node.token.type === TokenType.NUMBER) {
        slot.value = { t: 'int', v: withPos(node, () => parseGoInt(text(node.token.text))) };
        return;
      }
      if (node.token.type === TokenType.STRING) {
        slot.value = { t: 'int', v: withPos(node, () => parseGoInt(stringValue(node.token))) };
        return;
      }
    }
    throw new PosError(nodePos(node), `${name}: unknown type ${nodeTypeName(node)}`);
  }

  private decodeInterface(name: string, node: Node, slot: Slot): void {
    const test = node.kind === 'ObjectType' ? node.list : node;
    switch (test.kind) {
      case 'ObjectList': {
        const top = this.stack[this.stack.length - 1];
        slot.value = top === undefined || top === 'slice' ? newMap() : { t: 'sliceMap', v: [] };
        break;
      }
      case 'ListType':
        slot.value = { t: 'sliceIface', v: [] };
        break;
      case 'LiteralType':
        switch (test.token.type) {
          case TokenType.BOOL:
            slot.value = { t: 'bool', v: false };
            break;
          case TokenType.FLOAT:
            slot.value = { t: 'float', v: 0 };
            break;
          case TokenType.NUMBER:
            slot.value = { t: 'int', v: 0n };
            break;
          case TokenType.STRING:
          case TokenType.HEREDOC:
            slot.value = { t: 'string', v: '' };
            break;
          default:
            throw new PosError(nodePos(node), `${name}: cannot decode into interface: ${nodeTypeName(node)}`);
        }
        break;
      default:
        throw new DecodeFailure(`${name}: cannot decode into interface: ${nodeTypeName(node)}`, nodePos(node));
    }
    this.decode(name, node, slot);
  }

  private decodeMap(name: string, node: Node, slot: Slot): void {
    let list: Node = node;
    if (list.kind === 'ObjectItem') list = { kind: 'ObjectList', items: [list] };
    if (list.kind === 'ObjectType') list = list.list;
    if (list.kind !== 'ObjectList') {
      throw new PosError(nodePos(node), `${name}: not an object type for map (${nodeTypeName(node)})`);
    }
    const result = slot.value?.t === 'map' ? slot.value : newMap();
    const done = new Set<string>();
    for (const item of list.items) {
      if (item.keys.length === 0) throw new PosError(nodePos(list), `${name}: map must have string keys`, item.at);
      const key = withPos(item, () => stringValue(item.keys[0]!.token));
      if (done.has(key)) continue;
      let itemVal = item.val;
      if (item.keys.length > 1) {
        itemVal = withPos(item, () => filterItems(list, key, (k) => stringValue(k.token)));
        done.add(key);
      }
      const val: Slot = { type: 'iface', value: result.v.get(key) };
      this.decode(`${name}.${key}`, itemVal, val);
      result.v.set(key, val.value!);
      if (!result.pos.has(key)) result.pos.set(key, item.keys[0]!.token.pos);
    }
    slot.value = result;
  }

  private decodeSlice(name: string, node: Node, slot: Slot): void {
    const current = slot.value as Extract<GoVal, { t: 'sliceIface' | 'sliceMap' }>;
    let items: Node[];
    switch (node.kind) {
      case 'ObjectList':
        items = node.items;
        break;
      case 'ObjectType':
        items = [node];
        break;
      case 'ListType':
        items = node.list;
        break;
      default:
        throw new PosError(nodePos(node), `unknown slice type: ${nodeTypeName(node)}`);
    }
    const out: GoVal[] = [...current.v];
    items.forEach((item, i) => {
      const val: Slot = { type: current.t === 'sliceMap' ? 'map' : 'iface', value: undefined };
      this.decode(`${name}[${i}]`, item, val);
      out.push(val.value!);
    });
    slot.value = current.t === 'sliceMap' ? { t: 'sliceMap', v: out as GoMap[] } : { t: 'sliceIface', v: out };
  }

  private decodeString(name: string, node: Node, slot: Slot): void {
    if (node.kind === 'LiteralType') {
      switch (node.token.type) {
        case TokenType.NUMBER:
          slot.value = { t: 'string', v: text(node.token.text) };
          return;
        case TokenType.STRING:
        case TokenType.HEREDOC:
          slot.value = { t: 'string', v: withPos(node, () => stringValue(node.token)) };
          return;
      }
    }
    throw new PosError(nodePos(node), `${name}: unknown type for string ${nodeTypeName(node)}`);
  }
}

function newMap(): GoMap {
  return { t: 'map', v: new Map(), pos: new Map() };
}

function text(b: Uint8Array): string {
  return goString(b);
}

/** Runs a strconv call; its error (which Go reports bare) gets the literal's position for people. */
function withPos<T>(node: Node, f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new DecodeFailure((err as Error).message, nodePos(node), err instanceof GoPanic);
  }
}
