// go-bexpr 0.1.2's CreateFilter and Evaluate (validate.go, evaluate.go, coerce.go) over the JSON objects an
// endpoint answers with, read as the Go type Consul filters (filter-types.ts): a field the JSON lacks is Go's
// zero value. Validation happens once per request, in go-bexpr's order, with its messages; a `matches` pattern
// compiles through toolkit's GoRegexp (Go's syntax, linear time).

import { GoRegexp, GoRegexpError, goQuote, goUnderscoreOK, parseGoBool } from '@conclave/toolkit';
import { BexprSyntaxError, parseBexpr, type BexprAst, type MatchOperator } from './bexpr-parse.js';
import { deref, fieldConfigurations, isPrimitive, type FieldConfig, type GoPrimitive, type GoType } from './bexpr-fields.js';

/** An expression go-bexpr refuses; the message is Consul's (`Failed to create boolean expression evaluator: ...`). */
export class BexprError extends Error {
  override name = 'BexprError';
}

type Coerced = string | bigint | boolean;

type Node =
  | { kind: 'not'; operand: Node }
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'match'; selector: string[]; operator: MatchOperator; value: Coerced | undefined; regexp: GoRegexp | undefined };

/** bexpr.CreateFilter for a struct type: the predicate, or BexprError. */
export function createFilter(expression: string, type: GoType): (item: unknown) => boolean {
  if (expression === '') return () => true; // go-bexpr's nil filter: everything passes
  let ast: BexprAst;
  try {
    ast = parseBexpr(expression);
  } catch (err) {
    if (err instanceof BexprSyntaxError) throw new BexprError(`Failed to create boolean expression evaluator: ${err.message}`);
    throw err;
  }
  const fields = fieldConfigurations(type);
  let node: Node;
  try {
    node = validate(ast, fields);
  } catch (err) {
    if (err instanceof ValidationError) throw new BexprError(`Failed to create boolean expression evaluator: ${err.message}`);
    throw err;
  }
  return (item) => evaluate(node, item, type, fields);
}

class ValidationError extends Error {}

function validate(ast: BexprAst, fields: Map<string, FieldConfig>): Node {
  switch (ast.kind) {
    case 'not':
      return { kind: 'not', operand: validate(ast.operand, fields) };
    case 'and':
    case 'or': {
      const left = validate(ast.left, fields);
      return { kind: ast.kind, left, right: validate(ast.right, fields) };
    }
    case 'match':
      return validateMatch(ast, fields);
  }
}

function validateMatch(ast: Extract<BexprAst, { kind: 'match' }>, fields: Map<string, FieldConfig>): Node {
  const sel = (n = ast.selector.length) => goQuote(ast.selector.slice(0, n).join('.'));
  let configs: Map<string, FieldConfig> | undefined = fields;
  let last: FieldConfig | undefined;
  for (let i = 0; i < ast.selector.length; i++) {
    last = configs?.get(ast.selector[i]!) ?? configs?.get('');
    if (!last) throw new ValidationError(`Selector ${sel(i + 1)} is not valid`);
    configs = last.subFields;
  }
  if (!last!.operators.includes(ast.operator)) throw new ValidationError(`Invalid match operator ${goQuote(ast.operator)} for selector ${sel()}`);
  if (ast.value === undefined) return { kind: 'match', selector: ast.selector, operator: ast.operator, value: undefined, regexp: undefined };
  let value: Coerced = ast.value;
  if (last!.coerce) {
    const coerced = coerce(last!.coerce, ast.value);
    if (typeof coerced === 'object') throw new ValidationError(`Failed to coerce value ${goQuote(ast.value)} for selector ${sel()}: ${coerced.error}`);
    value = coerced;
  }
  let regexp: GoRegexp | undefined;
  if (ast.operator === 'Matches' || ast.operator === 'Not Matches') {
    try {
      regexp = GoRegexp.compile(value as string);
    } catch (err) {
      if (!(err instanceof GoRegexpError)) throw err;
      throw new ValidationError(`Failed to compile regular expression ${goQuote(value as string)}: ${err.message}`);
    }
  }
  return { kind: 'match', selector: ast.selector, operator: ast.operator, value, regexp };
}

// ---------- coerce.go: strconv.ParseBool / ParseInt / ParseUint with base 0 ----------

const BITS: Partial<Record<GoPrimitive, number>> = { int: 64, int8: 8, int16: 16, int32: 32, int64: 64, uint: 64, uint8: 8, uint16: 16, uint32: 32, uint64: 64 };

function coerce(kind: GoPrimitive, text: string): Coerced | { error: string } {
  if (kind === 'string') return text;
  if (kind === 'bool') {
    const b = parseGoBool(text);
    return b === undefined ? numError('ParseBool', text, 'invalid syntax') : b;
  }
  const bits = BITS[kind];
  if (bits === undefined) throw new Error(`bexpr: no coercion for ${kind}`);
  return kind.startsWith('uint') ? parseUint(text, bits, 'ParseUint', text) : parseInt(text, bits);
}

function numError(fn: string, num: string, what: string): { error: string } {
  return { error: `strconv.${fn}: parsing ${goQuote(num)}: ${what}` };
}

function parseInt(s0: string, bits: number): bigint | { error: string } {
  if (s0 === '') return numError('ParseInt', s0, 'invalid syntax');
  const neg = s0[0] === '-';
  const s = s0[0] === '+' || s0[0] === '-' ? s0.slice(1) : s0;
  const un = parseUint(s, bits, 'ParseInt', s0);
  if (typeof un === 'object' && !un.error.endsWith('value out of range')) return un;
  const cutoff = 1n << BigInt(bits - 1);
  const n = typeof un === 'bigint' ? un : cutoff; // out of range as unsigned is out of range as signed
  if (!neg && n >= cutoff) return numError('ParseInt', s0, 'value out of range');
  if (neg && n > cutoff) return numError('ParseInt', s0, 'value out of range');
  return neg ? -n : n;
}

/** strconv.ParseUint(s, 0, bits); errors name `fn` and `num` as ParseInt's do when it calls this. */
function parseUint(s0: string, bits: number, fn: string, num: string): bigint | { error: string } {
  if (s0 === '') return numError(fn, num, 'invalid syntax');
  let base = 10n;
  let s = s0;
  if (s[0] === '0') {
    const p = s.length >= 3 ? s[1]!.toLowerCase() : '';
    const prefixed: Record<string, bigint> = { b: 2n, o: 8n, x: 16n };
    base = prefixed[p] ?? 8n;
    s = s.slice(p in prefixed ? 2 : 1);
  }
  const max = (1n << BigInt(bits)) - 1n;
  let underscores = false;
  let n = 0n;
  for (const c of s) {
    let d: number;
    const l = c.toLowerCase();
    if (c === '_') {
      underscores = true;
      continue;
    } else if (c >= '0' && c <= '9') d = c.charCodeAt(0) - 48;
    else if (/^[a-zA-Z]$/.test(c)) d = l.charCodeAt(0) - 87;
    else return numError(fn, num, 'invalid syntax');
    if (BigInt(d) >= base) return numError(fn, num, 'invalid syntax');
    n = n * base + BigInt(d);
    if (n > max) return numError(fn, num, 'value out of range');
  }
  if (underscores && !goUnderscoreOK(s0)) return numError(fn, num, 'invalid syntax');
  return n;
}


// ---------- evaluate.go ----------

function evaluate(node: Node, item: unknown, type: GoType, fields: Map<string, FieldConfig>): boolean {
  switch (node.kind) {
    case 'not':
      return !evaluate(node.operand, item, type, fields);
    case 'and':
      return evaluate(node.left, item, type, fields) && evaluate(node.right, item, type, fields);
    case 'or':
      return evaluate(node.left, item, type, fields) || evaluate(node.right, item, type, fields);
    case 'match':
      return matchAt(node, 0, item, type, fields);
  }
}

type MatchNode = Extract<Node, { kind: 'match' }>;

function matchAt(node: MatchNode, depth: number, value: unknown, rawType: GoType, fields: Map<string, FieldConfig> | undefined): boolean {
  const type = deref(rawType);
  if (depth >= node.selector.length) return finalMatch(node, value, type);
  switch (type.kind) {
    case 'struct': {
      // A nil pointer to a struct reads as the zero struct (Go's reflection would panic on it).
      const obj = isObject(value) ? value : {};
      const name = node.selector[depth]!;
      const field = type.fields.find((f) => f.name === name)!;
      return matchAt(node, depth + 1, obj[name], field.type, fields!.get(name)!.subFields);
    }
    case 'slice':
      // Every element at the same depth: a selector through a slice matches when any element does.
      return asArray(value).some((x) => matchAt(node, depth, x, type.elem, fields));
    case 'map': {
      const key = node.selector[depth]!;
      if (!isObject(value) || !Object.prototype.hasOwnProperty.call(value, key)) {
        // A missing key: only ==, is not empty and in are false, everything else (matches included) true.
        return !(node.operator === 'Equal' || node.operator === 'Is Not Empty' || node.operator === 'In');
      }
      return matchAt(node, depth + 1, value[key], type.elem, fields?.get('')?.subFields);
    }
    default:
      throw new Error(`bexpr: selector ${node.selector.join('.')} goes into a ${type.kind}`);
  }
}

function finalMatch(node: MatchNode, value: unknown, type: GoType): boolean {
  switch (node.operator) {
    case 'Equal':
      return equal(node.value!, value, type);
    case 'Not Equal':
      return !equal(node.value!, value, type);
    case 'In':
      return contains(node.value!, value, type);
    case 'Not In':
      return !contains(node.value!, value, type);
    case 'Is Empty':
      return length(value, type) === 0;
    case 'Is Not Empty':
      return length(value, type) !== 0;
    case 'Matches':
      return node.regexp!.test(asString(value));
    case 'Not Matches':
      return !node.regexp!.test(asString(value));
  }
}

function equal(want: Coerced, value: unknown, rawType: GoType): boolean {
  const type = deref(rawType);
  if (!isPrimitive(type)) return false;
  if (type.kind === 'string') return want === asString(value);
  if (type.kind === 'bool') return want === (value === true);
  const n = typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : typeof value === 'string' && /^-?\d+$/.test(value) ? BigInt(value) : 0n;
  return want === n;
}

function contains(want: Coerced, value: unknown, type: GoType): boolean {
  if (type.kind === 'map') return isObject(value) && Object.prototype.hasOwnProperty.call(value, want as string);
  if (type.kind === 'slice') return asArray(value).some((x) => equal(want, x, type.elem));
  return asString(value).includes(want as string);
}

function length(value: unknown, type: GoType): number {
  if (type.kind === 'map') return isObject(value) ? Object.keys(value).length : 0;
  return asArray(value).length;
}

function asString(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
