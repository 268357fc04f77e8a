// Recursive-descent parser for Go templates, a port of text/template/parse/parse.go's grammar and
// error messages ("template: name:line: unexpected ...").
import { TemplateParseError } from './errors.js';
import { goQuote, goUnquote, goUnquoteChar } from '@conclave/toolkit';
import { Item, ItemType, Lexer, itemString } from './lexer.js';
import {
  BranchNode,
  ChainNode,
  CommandNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  TreeRef,
  VariableNode,
  isEmptyTree,
  nodeString,
} from './nodes.js';


export interface ParsedTree {
  name: string;
  root: ListNode;
  ref: TreeRef;
}

export interface ParseOptions {
  leftDelim?: string;
  rightDelim?: string;
  /** Names of functions callable from the template (builtins included). */
  hasFunction: (name: string) => boolean;
}



/** Go (since 1.20) stops at 10000; JavaScript stacks are smaller, so the bound is lower here. */
export const MAX_PARSE_DEPTH = 300;

class TreeParser {
  name: string;
  root: ListNode | null = null;
  token: Item[] = [];
  peekCount = 0;
  vars: string[] = ['$'];
  actionLine = 0;
  rangeDepth = 0;
  /** Nesting of parenthesised pipelines and control structures, bounded so deep input cannot exhaust the stack. */
  depth = 0;

  constructor(
    name: string,
    readonly ref: TreeRef,
    readonly lex: Lexer,
    readonly treeSet: Map<string, ParsedTree>,
    readonly opts: ParseOptions,
  ) {
    this.name = name;
  }

  // --- token plumbing, identical to Go's three-token lookahead ---
  next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.lex.nextItem();
    return this.token[this.peekCount]!;
  }
  backup(): void {
    this.peekCount++;
  }
  backup2(t1: Item): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }
  backup3(t2: Item, t1: Item): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }
  peek(): Item {
    if (this.peekCount > 0) return this.token[this.peekCount - 1]!;
    this.peekCount = 1;
    this.token[0] = this.lex.nextItem();
    return this.token[0];
  }
  nextNonSpace(): Item {
    let t: Item;
    do t = this.next();
    while (t.typ === ItemType.Space);
    return t;
  }
  peekNonSpace(): Item {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  errorf(msg: string): never {
    this.root = null;
    const line = this.token[0]?.line ?? 1;
    throw new TemplateParseError(`template: ${this.ref.parseName}:${line}: ${msg}`, this.ref.parseName, line);
  }

  expect(expected: ItemType, context: string): Item {
    const t = this.nextNonSpace();
    if (t.typ !== expected) this.unexpected(t, context);
    return t;
  }
  expectOneOf(e1: ItemType, e2: ItemType, context: string): Item {
    const t = this.nextNonSpace();
    if (t.typ !== e1 && t.typ !== e2) this.unexpected(t, context);
    return t;
  }
  unexpected(token: Item, context: string): never {
    if (token.typ === ItemType.Error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.ref.parseName}:${this.actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${itemString(token)}${extra}`);
    }
    this.errorf(`unexpected ${itemString(token)} in ${context}`);
  }

  enter(): void {
    if (++this.depth > MAX_PARSE_DEPTH) this.errorf('max expression depth exceeded');
  }

  // --- grammar ---
  newList(pos: number): ListNode {
    return { type: 'list', pos, tree: this.ref, nodes: [] };
  }

  parse(): void {
    this.root = this.newList(this.peek().pos);
    while (this.peek().typ !== ItemType.EOF) {
      if (this.peek().typ === ItemType.LeftDelim) {
        const delim = this.next();
        if (this.nextNonSpace().typ === ItemType.Define) {
          const def = new TreeParser('definition', this.ref, this.lex, this.treeSet, this.opts);
          def.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected ${nodeString(n)}`);
      this.root.nodes.push(n);
    }
  }

  add(): void {
    const existing = this.treeSet.get(this.name);
    if (!existing || isEmptyTree(existing.root)) {
      this.treeSet.set(this.name, { name: this.name, root: this.root!, ref: this.ref });
      return;
    }
    if (!isEmptyTree(this.root)) this.errorf(`template: multiple definition of template ${goQuote(this.name)}`);
  }

  parseDefinition(): void {
    const context = 'define clause';
    const name = this.expectOneOf(ItemType.String, ItemType.RawString, context);
    this.name = this.unquote(name.val);
    this.expect(ItemType.RightDelim, context);
    const [list, end] = this.itemList();
    this.root = list;
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.add();
  }

  itemList(): [ListNode, Node] {
    const list = this.newList(this.peekNonSpace().pos);
    while (this.peekNonSpace().typ !== ItemType.EOF) {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  textOrAction(): Node {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case ItemType.Text:
        return { type: 'text', pos: token.pos, tree: this.ref, text: token.val };
      case ItemType.LeftDelim: {
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      case ItemType.Comment:
        return { type: 'comment', pos: token.pos, tree: this.ref, text: token.val };
      default:
        this.unexpected(token, 'input');
    }
  }

  action(): Node {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case ItemType.Block:
        return this.blockControl();
      case ItemType.Break:
        return this.breakControl(token.pos, token.line, 'break');
      case ItemType.Continue:
        return this.breakControl(token.pos, token.line, 'continue');
      case ItemType.Else:
        return this.elseControl();
      case ItemType.End:
        return { type: 'end', pos: this.expect(ItemType.RightDelim, 'end').pos, tree: this.ref };
      case ItemType.If:
        return this.parseControl(true, 'if');
      case ItemType.Range:
        return this.parseControl(false, 'range');
      case ItemType.Template:
        return this.templateControl();
      case ItemType.With:
        return this.parseControl(false, 'with');
    }
    this.backup();
    const t = this.peek();
    return { type: 'action', pos: t.pos, line: t.line, tree: this.ref, pipe: this.pipeline('command', ItemType.RightDelim) };
  }

  breakControl(pos: number, line: number, kind: 'break' | 'continue'): Node {
    const token = this.nextNonSpace();
    if (token.typ !== ItemType.RightDelim) this.unexpected(token, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { type: kind, pos, line, tree: this.ref };
  }

  pipeline(context: string, end: ItemType): PipeNode {
    const token = this.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: token.pos, line: token.line, tree: this.ref, isAssign: false, decl: [], cmds: [] };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.typ === ItemType.Variable) {
        this.next();
        const tokenAfterVariable = this.peek();
        const next = this.peekNonSpace();
        if (next.typ === ItemType.Assign || next.typ === ItemType.Declare) {
          pipe.isAssign = next.typ === ItemType.Assign;
          this.nextNonSpace();
          pipe.decl.push(this.newVariable(v.pos, v.val));
          this.vars.push(v.val);
        } else if (next.typ === ItemType.Char && next.val === ',') {
          this.nextNonSpace();
          pipe.decl.push(this.newVariable(v.pos, v.val));
          this.vars.push(v.val);
          if (context === 'range' && pipe.decl.length < 2) {
            const p = this.peekNonSpace().typ;
            if (p === ItemType.Variable || p === ItemType.RightDelim || p === ItemType.RightParen) continue decls;
            this.errorf('range can only initialize variables');
          }
          this.errorf(`too many declarations in ${context}`);
        } else if (tokenAfterVariable.typ === ItemType.Space) {
          this.backup3(v, tokenAfterVariable);
        } else {
          this.backup2(v);
        }
      }
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      switch (t.typ) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case ItemType.Bool:
        case ItemType.CharConstant:
        case ItemType.Complex:
        case ItemType.Dot:
        case ItemType.Field:
        case ItemType.Identifier:
        case ItemType.Number:
        case ItemType.Nil:
        case ItemType.RawString:
        case ItemType.String:
        case ItemType.Variable:
        case ItemType.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0]!.type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  parseControl(allowElseIf: boolean, context: 'if' | 'range' | 'with'): BranchNode {
    const mark = this.vars.length;
    this.enter();
    try {
      const pipe = this.pipeline(context, ItemType.RightDelim);
      if (context === 'range') this.rangeDepth++;
      let [list, next] = this.itemList();
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.type === 'else') {
        if (allowElseIf && this.peek().typ === ItemType.If) {
          this.next();
          elseList = this.newList(next.pos);
          elseList.nodes.push(this.parseControl(true, 'if'));
        } else {
          [elseList, next] = this.itemList();
          if (next.type !== 'end') this.errorf(`expected end; found ${nodeString(next)}`);
        }
      }
      return { type: context, pos: pipe.pos, line: pipe.line, tree: this.ref, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
      this.depth--;
    }
  }

  elseControl(): Node {
    const peek = this.peekNonSpace();
    if (peek.typ === ItemType.If) return { type: 'else', pos: peek.pos, line: peek.line, tree: this.ref };
    const token = this.expect(ItemType.RightDelim, 'else');
    return { type: 'else', pos: token.pos, line: token.line, tree: this.ref };
  }

  blockControl(): Node {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    const pipe = this.pipeline(context, ItemType.RightDelim);
    const block = new TreeParser(name, this.ref, this.lex, this.treeSet, this.opts);
    block.depth = this.depth;
    this.enter();
    block.depth = this.depth;
    this.depth--;
    const [list, end] = block.itemList();
    block.root = list;
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    block.add();
    return { type: 'template', pos: token.pos, line: token.line, tree: this.ref, name, pipe };
  }

  templateControl(): Node {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().typ !== ItemType.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, ItemType.RightDelim);
    }
    return { type: 'template', pos: token.pos, line: token.line, tree: this.ref, name, pipe };
  }

  parseTemplateName(token: Item, context: string): string {
    if (token.typ === ItemType.String || token.typ === ItemType.RawString) return this.unquote(token.val);
    this.unexpected(token, context);
  }

  command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, tree: this.ref, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      if (t.typ === ItemType.Space) continue;
      if (t.typ === ItemType.RightDelim || t.typ === ItemType.RightParen) this.backup();
      else if (t.typ !== ItemType.Pipe) this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  operand(): Node | null {
    let node = this.term();
    if (!node) return null;
    if (this.peek().typ === ItemType.Field) {
      const chain: ChainNode = { type: 'chain', pos: this.peek().pos, tree: this.ref, node, field: [] };
      while (this.peek().typ === ItemType.Field) {
        const v = this.next().val;
        // Go's ChainNode.Add strips the leading '.' and rejects empty or repeated dots.
        if (v.length === 0 || v[0] !== '.') throw new Error('no dot in field');
        const f = v.slice(1);
        if (f === '') throw new Error('empty field');
        chain.field.push(f);
      }
      switch (node.type) {
        case 'field':
          node = { type: 'field', pos: chain.pos, tree: this.ref, ident: nodeString(chain).slice(1).split('.') };
          break;
        case 'variable':
          node = this.newVariable(chain.pos, nodeString(chain));
          break;
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
        default:
          node = chain;
      }
    }
    return node;
  }

  term(): Node | null {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case ItemType.Identifier:
        if (!this.opts.hasFunction(token.val)) this.errorf(`function ${goQuote(token.val)} not defined`);
        return { type: 'identifier', pos: token.pos, tree: this.ref, ident: token.val };
      case ItemType.Dot:
        return { type: 'dot', pos: token.pos, tree: this.ref };
      case ItemType.Nil:
        return { type: 'nil', pos: token.pos, tree: this.ref };
      case ItemType.Variable:
        return this.useVar(token.pos, token.val);
      case ItemType.Field:
        return { type: 'field', pos: token.pos, tree: this.ref, ident: token.val.slice(1).split('.') };
      case ItemType.Bool:
        return { type: 'bool', pos: token.pos, tree: this.ref, value: token.val === 'true' };
      case ItemType.CharConstant:
      case ItemType.Complex:
      case ItemType.Number:
        return this.newNumber(token.pos, token.val, token.typ);
      case ItemType.LeftParen: {
        this.enter();
        try {
          return this.pipeline('parenthesized pipeline', ItemType.RightParen);
        } finally {
          this.depth--;
        }
      }
      case ItemType.String:
      case ItemType.RawString:
        return { type: 'string', pos: token.pos, tree: this.ref, quoted: token.val, text: this.unquote(token.val) };
    }
    this.backup();
    return null;
  }

  newVariable(pos: number, ident: string): VariableNode {
    return { type: 'variable', pos, tree: this.ref, ident: ident.split('.') };
  }

  useVar(pos: number, name: string): Node {
    const v = this.newVariable(pos, name);
    if (this.vars.includes(v.ident[0]!)) return v;
    this.errorf(`undefined variable ${goQuote(v.ident[0]!)}`);
  }

  unquote(s: string): string {
    const r = goUnquote(s);
    if (r === null) this.errorf('invalid syntax');
    return r;
  }

  newNumber(pos: number, text: string, typ: ItemType): NumberNode {
    const n: NumberNode = {
      type: 'number',
      pos,
      tree: this.ref,
      isInt: false,
      isUint: false,
      isFloat: false,
      isComplex: false,
      int: 0n,
      uint: 0n,
      float: 0,
      text,
    };
    if (typ === ItemType.CharConstant) {
      const r = goUnquoteChar(text.slice(1), "'");
      if (!r) this.errorf('invalid syntax');
      if (r.tail !== "'") this.errorf(`malformed character constant: ${text}`);
      n.int = BigInt(r.value);
      n.uint = n.int;
      n.float = r.value;
      n.isInt = n.isUint = n.isFloat = true;
      return n;
    }
    if (typ === ItemType.Complex || text.endsWith('i')) {
      // Complex constants are not supported by this implementation; Go accepts them but templates never use them.
      this.errorf(`complex constants are not supported: ${goQuote(text)}`);
    }
    const u = parseGoInt(text, false);
    if (u !== null && u >= 0n && u < 1n << 64n) {
      n.isUint = true;
      n.uint = u;
    }
    const i = parseGoInt(text, true);
    if (i !== null && i >= -(1n << 63n) && i < 1n << 63n) {
      n.isInt = true;
      n.int = i;
      if (i === 0n) {
        n.isUint = true;
        n.uint = 0n;
      }
    }
    if (n.isInt) {
      n.isFloat = true;
      n.float = Number(n.int);
    } else if (n.isUint) {
      n.isFloat = true;
      n.float = Number(n.uint);
    } else {
      const f = parseGoFloat(text);
      if (f !== null) {
        if (!/[.eEpP]/.test(text)) this.errorf(`integer overflow: ${goQuote(text)}`);
        n.isFloat = true;
        n.float = f;
        if (Number.isInteger(f) && Math.abs(f) < 2 ** 63) {
          n.isInt = true;
          n.int = BigInt(f);
        }
        if (Number.isInteger(f) && f >= 0 && f < 2 ** 64) {
          n.isUint = true;
          n.uint = BigInt(f);
        }
      }
    }
    if (!n.isInt && !n.isUint && !n.isFloat) this.errorf(`illegal number syntax: ${goQuote(text)}`);
    return n;
  }
}

/** strconv.ParseInt/ParseUint with base 0. Returns null on syntax error (range checked by the caller). */
function parseGoInt(text: string, signed: boolean): bigint | null {
  let s = text;
  let neg = false;
  if (signed && (s[0] === '+' || s[0] === '-')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  let base = 10;
  let prefixed = false;
  if (/^0[xX]/.test(s)) {
    base = 16;
    s = s.slice(2);
    prefixed = true;
  } else if (/^0[oO]/.test(s)) {
    base = 8;
    s = s.slice(2);
    prefixed = true;
  } else if (/^0[bB]/.test(s)) {
    base = 2;
    s = s.slice(2);
    prefixed = true;
  } else if (/^0\d/.test(s) || s === '0_' || /^0_/.test(s)) {
    base = 8;
    s = s.slice(1);
    prefixed = true;
  }
  if (s.includes('_')) {
    // Underscores must separate digits (a base prefix counts as a digit).
    if (/__|_$/.test(s) || (/^_/.test(s) && !prefixed)) return null;
    s = s.replace(/_/g, '');
  }
  if (s === '') return prefixed && base === 8 ? 0n : null;
  const digits = '0123456789abcdef'.slice(0, base);
  for (const c of s.toLowerCase()) if (!digits.includes(c)) return null;
  let v = 0n;
  const b = BigInt(base);
  for (const c of s.toLowerCase()) v = v * b + BigInt(digits.indexOf(c));
  return neg ? -v : v;
}

function parseGoFloat(text: string): number | null {
  let s = text;
  if (/^[+-]?0[xX]/.test(s)) return null;
  if (s.includes('_')) s = s.replace(/_/g, '');
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
  const f = Number(s);
  return Number.isFinite(f) ? f : null;
}

/** Parses text into a set of named trees (the main one plus every define/block). */
export function parseTrees(name: string, text: string, opts: ParseOptions): Map<string, ParsedTree> {
  const ref: TreeRef = { parseName: name, text };
  const lex = new Lexer(
    text,
    opts.leftDelim || '{{',
    opts.rightDelim || '}}',
    !opts.hasFunction('break'),
    !opts.hasFunction('continue'),
  );
  const treeSet = new Map<string, ParsedTree>();
  const t = new TreeParser(name, ref, lex, treeSet, opts);
  t.parse();
  t.add();
  return treeSet;
}


