// Walks a parse tree against data, a port of text/template/exec.go: same evaluation order,
// variable scoping, truthiness, missing-key handling and error messages.
import { AND_OR } from './builtins.js';
import { TemplateExecError } from './errors.js';
import { ArgType, FuncSpec, goTypeOfArg } from './func-spec.js';
import { goQuote } from '@conclave/toolkit';
import { goSprint } from './go-format.js';
import {
  BranchNode,
  ChainNode,
  CommandNode,
  FieldNode,
  IdentifierNode,
  Node,
  NumberNode,
  PipeNode,
  TemplateNode,
  VariableNode,
  errorLocation,
  nodeString,
} from './nodes.js';
import { ParsedTree } from './parser.js';
import { GoFloat, GoStringMap, isPlainMap, isTrue, kindOf, mapEntries, mapGet, typeName } from './values.js';

export type MissingKey = 'default' | 'zero' | 'error';

/** What the executor needs from the template set. */
export interface ExecEnv {
  lookup(name: string): ParsedTree | undefined;
  func(name: string): FuncSpec | undefined;
  missingKey: MissingKey;
  /** Upper bound of nested {{template}} calls. */
  maxDepth: number;
}

const MISSING = Symbol('missingVal');
type Final = unknown | typeof MISSING;

const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');

interface Variable {
  name: string;
  value: unknown;
  /** True when Go would see this value through an interface{} (affects type names in errors). */
  iface: boolean;
}

/** A value plus whether its static Go type is interface{}. */
interface Typed {
  v: unknown;
  iface: boolean;
}

class ExecSignal extends Error {}

export class Executor {
  private out: string[] = [];
  private node: Node | null = null;
  private vars: Variable[];
  private dotIface = false;

  constructor(
    private readonly env: ExecEnv,
    private readonly tmplName: string,
    data: unknown,
    private readonly depth = 0,
    /** Nested {{template}} calls write into their caller's output. */
    outBuf?: string[],
  ) {
    if (outBuf) this.out = outBuf;
    this.vars = [{ name: '$', value: data === null ? undefined : data, iface: false }];
  }

  run(tree: ParsedTree, dot: unknown): string {
    this.walk(dot === null ? undefined : dot, tree.root);
    return this.out.join('');
  }

  // ---- errors ----
  errorf(msg: string): never {
    const name = this.tmplName;
    let text: string;
    if (this.node === null) text = `template: ${name}: ${msg}`;
    else {
      const loc = errorLocation(this.node);
      const ctx = nodeString(this.node);
      text = `template: ${loc}: executing ${goQuote(name)} at <${ctx}>: ${msg}`;
    }
    throw new TemplateExecError(text, name);
  }

  private at(n: Node): void {
    this.node = n;
  }

  // ---- variables ----
  private mark(): number {
    return this.vars.length;
  }
  private pop(mark: number): void {
    this.vars.length = mark;
  }
  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i] = { name, value, iface: false };
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  private setTopVar(n: number, value: unknown, iface: boolean): void {
    const v = this.vars[this.vars.length - n]!;
    this.vars[this.vars.length - n] = { name: v.name, value, iface };
  }
  private varValue(name: string): Variable {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!;
    this.errorf(`undefined variable: ${name}`);
  }

  // ---- walking ----
  private walk(dot: unknown, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'comment':
        return;
      case 'if':
      case 'with':
        this.walkIfOrWith(dot, node);
        return;
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'range':
        this.walkRange(dot, node);
        return;
      case 'template':
        this.walkTemplate(dot, node);
        return;
      case 'text':
        this.out.push(node.text);
        return;
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  private walkIfOrWith(dot: unknown, node: BranchNode): void {
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, node.pipe);
      if (isTrue(val)) {
        if (node.type === 'with') {
          const saved = this.dotIface;
          this.dotIface = false;
          try {
            this.walk(val, node.list);
          } finally {
            this.dotIface = saved;
          }
        } else this.walk(dot, node.list);
      } else if (node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.pop(mark);
    }
  }

  private walkRange(dot: unknown, r: BranchNode): void {
    this.at(r);
    const outerMark = this.mark();
    try {
      let val = this.evalPipeline(dot, r.pipe);
      if (val === null) val = undefined;
      const mark = this.mark();
      const oneIteration = (index: unknown, elem: unknown): void => {
        // JSON containers hold interface{} elements; typed Go slices (of structs) hold concrete ones.
        const elemIface = kindOf(elem) !== 'struct';
        if (r.pipe.decl.length > 0) this.setTopVar(1, elem, elemIface);
        if (r.pipe.decl.length > 1) this.setTopVar(2, index, false);
        const saved = this.dotIface;
        this.dotIface = elemIface;
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e !== CONTINUE) throw e;
        } finally {
          this.dotIface = saved;
          this.pop(mark);
        }
      };
      const k = kindOf(val);
      try {
        if (k === 'slice') {
          const arr = Array.from(val as ArrayLike<unknown>);
          if (arr.length > 0) {
            arr.forEach((e, i) => oneIteration(i, e));
            return;
          }
        } else if (k === 'map') {
          const entries = mapEntries(val as object);
          if (entries.length > 0) {
            for (const [key, e] of entries) oneIteration(key, e);
            return;
          }
        } else if (k !== 'invalid') {
          this.errorf(`range can't iterate over ${goSprint([val])}`);
        }
      } catch (e) {
        if (e === BREAK) return;
        throw e;
      }
      if (r.elseList) this.walk(dot, r.elseList);
    } finally {
      this.pop(outerMark);
    }
  }

  private walkTemplate(dot: unknown, t: TemplateNode): void {
    this.at(t);
    const tree = this.env.lookup(t.name);
    if (!tree) this.errorf(`template ${goQuote(t.name)} not defined`);
    if (this.depth >= this.env.maxDepth) this.errorf(`exceeded maximum template depth (${this.env.maxDepth})`);
    const newDot = this.evalPipeline(dot, t.pipe);
    const sub = new Executor(this.env, t.name, newDot, this.depth + 1, this.out);
    sub.walk(newDot === null ? undefined : newDot, tree.root);
  }

  // ---- pipelines and commands ----
  private evalPipeline(dot: unknown, pipe: PipeNode | null): unknown {
    if (!pipe) return undefined;
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // Go unwraps interface values here: a nil interface becomes an invalid value.
      if (value === null) value = undefined;
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, value);
      else this.vars.push({ name: v.ident[0]!, value, iface: false });
    }
    return value;
  }

  private notAFunction(args: Node[], final: Final): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final).v;
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final).v;
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final).v;
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
    this.errorf(`can't evaluate command ${goQuote(nodeString(first))}`);
  }

  private idealConstant(c: NumberNode): unknown {
    this.at(c);
    const isHexInt = c.text.length > 2 && c.text[0] === '0' && (c.text[1] === 'x' || c.text[1] === 'X') && !/[pP]/.test(c.text);
    const isRune = c.text[0] === "'";
    if (c.isFloat && !isHexInt && !isRune && /[.eEpP]/.test(c.text)) {
      return Number.isInteger(c.float) ? new GoFloat(c.float) : c.float;
    }
    if (c.isInt) {
      const n = Number(c.int);
      if (!Number.isSafeInteger(n)) return c.int >= 0n ? c.int : Number(c.int);
      return n;
    }
    if (c.isUint) this.errorf(`${c.text} overflows int`);
    return undefined;
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: Node[], final: Final): Typed {
    this.at(field);
    return this.evalFieldChain(dot, { v: dot, iface: this.dotIface }, field, field.ident, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: Node[], final: Final): Typed {
    this.at(chain);
    if (chain.field.length === 0) this.errorf('internal error: no fields in evalChainNode');
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, null, chain.node);
    const iface = chain.node.type === 'identifier' || chain.node.type === 'field';
    return this.evalFieldChain(dot, { v: pipe, iface }, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: unknown, variable: VariableNode, args: Node[], final: Final): Typed {
    this.at(variable);
    const value = this.varValue(variable.ident[0]!);
    if (variable.ident.length === 1) {
      this.notAFunction(args, final);
      return { v: value.value, iface: value.iface };
    }
    return this.evalFieldChain(dot, { v: value.value, iface: value.iface }, variable, variable.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: unknown, receiver: Typed, node: Node, ident: string[], args: Node[], final: Final): Typed {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, ident[i]!, node, [], MISSING, receiver);
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver);
  }

  private evalFunction(dot: unknown, node: IdentifierNode, cmd: Node, args: Node[], final: Final): unknown {
    this.at(node);
    const name = node.ident;
    const f = this.env.func(name);
    if (!f) this.errorf(`${goQuote(name)} is not a defined function`);
    return this.evalCall(dot, f, cmd, name, args, final);
  }

  private evalField(dot: unknown, fieldName: string, node: Node, args: Node[], final: Final, receiver: Typed): Typed {
    const rv = receiver.v;
    if (rv === undefined) {
      if (this.env.missingKey === 'error') this.errorf(`nil data; no entry for key ${goQuote(fieldName)}`);
      return { v: undefined, iface: false };
    }
    const typ = (): string => (receiver.iface ? 'interface {}' : typeName(rv));
    if (rv === null) this.errorf(`nil pointer evaluating ${typ()}.${fieldName}`);
    const hasArgs = args.length > 1 || final !== MISSING;
    const k = kindOf(rv);
    // Methods (exported, i.e. capitalised) on class instances, including typed slices such as ServiceTags.
    if (typeof rv === 'object' && !isPlainMap(rv)) {
      const member = (rv as Record<string, unknown>)[fieldName];
      if (typeof member === 'function' && /^\p{Lu}/u.test(fieldName)) {
        const spec: FuncSpec = { fn: (member as (...a: unknown[]) => unknown).bind(rv), params: [], variadic: 'any' };
        return { v: this.evalCall(dot, spec, node, fieldName, args, final), iface: true };
      }
    }
    if (k === 'struct') {
      const obj = rv as Record<string, unknown>;
      const member = obj[fieldName];
      if (Object.prototype.hasOwnProperty.call(obj, fieldName) || (member !== undefined && fieldName in obj)) {
        if (!/^\p{Lu}/u.test(fieldName)) this.errorf(`${fieldName} is an unexported field of struct type ${typ()}`);
        if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
        return { v: member === undefined ? null : member, iface: false };
      }
    } else if (k === 'map') {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      let result = mapGet(rv as object, fieldName);
      if (result === undefined) {
        if (this.env.missingKey === 'zero') result = rv instanceof GoStringMap ? '' : null;
        else if (this.env.missingKey === 'error') this.errorf(`map has no entry for key ${goQuote(fieldName)}`);
      }
      return { v: result, iface: kindOf(result) !== 'struct' };
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typ()}`);
  }

  private evalCall(dot: unknown, f: FuncSpec, node: Node, name: string, argNodes: Node[], final: Final): unknown {
    const args = argNodes.slice(1);
    let numIn = args.length;
    if (final !== MISSING) numIn++;
    let numFixed = args.length;
    if (f.variadic) {
      numFixed = f.params.length;
      if (numIn < numFixed) {
        this.errorf(`wrong number of args for ${name}: want at least ${f.params.length} got ${args.length}`);
      }
    } else if (numIn !== f.params.length) {
      this.errorf(`wrong number of args for ${name}: want ${f.params.length} got ${numIn}`);
    }
    if (AND_OR.has(name) && this.env.func(name) === f) {
      let v: unknown;
      for (const arg of args) {
        v = this.evalArg(dot, 'value', arg);
        if (isTrue(v === null ? undefined : v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = this.validateType(final, 'value');
      return v;
    }
    const argv: unknown[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(dot, f.params[i]!, args[i]!));
    if (f.variadic) for (; i < args.length; i++) argv.push(this.evalArg(dot, f.variadic, args[i]!));
    if (final !== MISSING) {
      let t: ArgType = f.variadic ?? f.params[f.params.length - 1]!;
      if (f.variadic && numIn - 1 < numFixed) t = f.params[numIn - 1]!;
      argv.push(this.validateType(final, t));
    }
    try {
      return f.fn(...argv);
    } catch (e) {
      if (e instanceof TemplateExecError || e === BREAK || e === CONTINUE || e instanceof ExecSignal) throw e;
      if (isPassThrough(e)) throw e;
      this.at(node);
      this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private validateType(value: unknown, typ: ArgType | null): unknown {
    if (value === undefined) {
      if (typ === null || typ === 'value') return undefined;
      if (typ === 'any') return null;
      this.errorf(`invalid value; expected ${typ}`);
    }
    if (typ === null || typ === 'any' || typ === 'value') return value;
    const k = kindOf(value);
    const ok =
      (typ === 'string' && k === 'string') ||
      (typ === 'bool' && k === 'bool') ||
      (typ === 'int' && k === 'int') ||
      (typ === 'float64' && k === 'float');
    if (!ok) {
      if (value === null) this.errorf(`wrong type for value; expected ${goTypeOfArg(typ)}; got interface {}`);
      this.errorf(`wrong type for value; expected ${goTypeOfArg(typ)}; got ${typeName(value)}`);
    }
    return typ === 'float64' && value instanceof GoFloat ? value.value : value;
  }

  private evalArg(dot: unknown, typ: ArgType | null, n: Node): unknown {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, typ);
      case 'nil':
        if (typ === null || typ === 'value') return undefined;
        if (typ === 'any') return null;
        this.errorf(`cannot assign nil to ${goTypeOfArg(typ)}`);
      case 'field':
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING).v, typ);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, [], MISSING).v, typ);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), typ);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, [], MISSING), typ);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, [], MISSING).v, typ);
    }
    switch (typ) {
      case 'bool':
        if (n.type === 'bool') return n.value;
        this.errorf(`expected bool; found ${nodeString(n)}`);
      case 'float64':
        if (n.type === 'number' && n.isFloat) return n.float;
        this.errorf(`expected float; found ${nodeString(n)}`);
      case 'int':
        if (n.type === 'number' && n.isInt) return Number(n.int);
        this.errorf(`expected integer; found ${nodeString(n)}`);
      case 'string':
        if (n.type === 'string') return n.text;
        this.errorf(`expected string; found ${nodeString(n)}`);
      default:
        return this.evalEmptyInterface(dot, n);
    }
  }

  private evalEmptyInterface(dot: unknown, n: Node): unknown {
    this.at(n);
    switch (n.type) {
      case 'bool':
        return n.value;
      case 'number':
        return this.idealConstant(n);
      case 'string':
        return n.text;
    }
    this.errorf(`can't handle assignment of ${nodeString(n)} to empty interface argument`);
  }

  private printValue(n: Node, v: unknown): void {
    this.at(n);
    if (v === undefined) {
      this.out.push('<no value>');
      return;
    }
    // Fast paths for the common cases; everything else goes through Go's fmt rules.
    if (typeof v === 'string') {
      this.out.push(v);
      return;
    }
    if (typeof v === 'number' && Number.isSafeInteger(v) && !Object.is(v, -0)) {
      this.out.push(String(v));
      return;
    }
    if (typeof v === 'function') this.errorf(`can't print ${nodeString(n)} of type ${typeName(v)}`);
    this.out.push(goSprint([v]));
  }
}

/** Errors that a template function throws deliberately to abort the whole render (not Go errors). */
const passThrough = new WeakSet<object>();
export function markPassThrough<T extends object>(e: T): T {
  passThrough.add(e);
  return e;
}
function isPassThrough(e: unknown): boolean {
  return typeof e === 'object' && e !== null && passThrough.has(e);
}
