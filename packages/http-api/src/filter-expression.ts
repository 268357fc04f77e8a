// A subset of Consul's ?filter language (go-bexpr), evaluated over the JSON objects an endpoint returns:
//   <Selector> == | != <Value>      <Value> in | not in <Selector>      <Selector> contains | not contains <Value>
//   <Selector> is empty | is not empty      <Selector> matches | not matches "<regex>"
//   and, or, not, parentheses. Selectors are dotted field paths (NodeMeta.rack, Service.Tags, Checks.Status);
//   map keys may be quoted (Meta["env"]). Values are "double-quoted", `backquoted` or bare words/numbers.

import { ApiError } from './api-error.js';

type Expr =
  | { op: 'and' | 'or'; left: Expr; right: Expr }
  | { op: 'not'; expr: Expr }
  | { op: 'match'; selector: string[]; kind: MatchKind; negate: boolean; value: string };

type MatchKind = 'eq' | 'in' | 'contains' | 'empty' | 'matches';

interface Token {
  kind: 'word' | 'string' | 'sym';
  text: string;
}

const PREFIX = 'Failed to create boolean expression evaluator: ';

/** Parses an expression; throws ApiError 400 naming the problem. */
export function parseFilter(text: string): (item: unknown) => boolean {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isWord = (t: Token | undefined, w: string) => t?.kind === 'word' && t.text.toLowerCase() === w;
  const fail = (what: string): never => {
    throw new ApiError(400, `${PREFIX}${what} in ${JSON.stringify(text)}`);
  };

  const parseOr = (): Expr => {
    let left = parseAnd();
    while (isWord(peek(), 'or')) {
      pos++;
      left = { op: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Expr => {
    let left = parseUnary();
    while (isWord(peek(), 'and')) {
      pos++;
      left = { op: 'and', left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): Expr => {
    const t = peek();
    if (isWord(t, 'not') && !(tokens[pos + 1] && (isWord(tokens[pos + 1], 'in') || isWord(tokens[pos + 1], 'contains')))) {
      pos++;
      return { op: 'not', expr: parseUnary() };
    }
    if (t?.kind === 'sym' && t.text === '(') {
      pos++;
      const e = parseOr();
      if (peek()?.text !== ')') fail('missing ")"');
      pos++;
      return e;
    }
    return parseMatch();
  };
  const parseValue = (): string => {
    const t = peek();
    if (!t || (t.kind === 'sym' && t.text !== '-')) fail('expected a value');
    pos++;
    return t!.text;
  };
  const parseSelector = (): string[] => {
    const t = peek();
    if (!t || t.kind !== 'word') fail('expected a selector');
    pos++;
    const path = t!.text.split('.');
    // Map index: Meta["key"] or Meta.key
    while (peek()?.text === '[') {
      pos++;
      const key = peek();
      if (!key || key.kind !== 'string') fail('expected a quoted map key');
      pos++;
      if (peek()?.text !== ']') fail('missing "]"');
      pos++;
      path.push(key!.text);
      if (peek()?.kind === 'word' && peek()!.text.startsWith('.')) {
        path.push(...peek()!.text.slice(1).split('.'));
        pos++;
      }
    }
    return path;
  };
  const parseMatch = (): Expr => {
    // <Value> [not] in <Selector>
    const t1 = tokens[pos + 1];
    const t2 = tokens[pos + 2];
    if (isWord(t1, 'in') || (isWord(t1, 'not') && isWord(t2, 'in'))) {
      const value = parseValue();
      const negate = isWord(peek(), 'not');
      pos += negate ? 2 : 1;
      return { op: 'match', selector: parseSelector(), kind: 'in', negate, value };
    }
    const selector = parseSelector();
    const t = peek();
    if (t?.kind === 'sym' && (t.text === '==' || t.text === '!=')) {
      pos++;
      return { op: 'match', selector, kind: 'eq', negate: t.text === '!=', value: parseValue() };
    }
    let negate = false;
    if (isWord(t, 'is')) {
      pos++;
      if (isWord(peek(), 'not')) {
        negate = true;
        pos++;
      }
      if (!isWord(peek(), 'empty')) fail('expected "empty"');
      pos++;
      return { op: 'match', selector, kind: 'empty', negate, value: '' };
    }
    if (isWord(t, 'not')) {
      negate = true;
      pos++;
    }
    if (isWord(peek(), 'contains')) {
      pos++;
      return { op: 'match', selector, kind: 'contains', negate, value: parseValue() };
    }
    if (isWord(peek(), 'matches')) {
      pos++;
      return { op: 'match', selector, kind: 'matches', negate, value: parseValue() };
    }
    return fail('expected ==, !=, in, contains, matches or is empty');
  };

  if (tokens.length === 0) fail('empty expression');
  const expr = parseOr();
  if (pos < tokens.length) fail(`unexpected ${JSON.stringify(tokens[pos]!.text)}`);
  const regexes = new Map<string, RegExp>();
  const check = (e: Expr): void => {
    if (e.op === 'match') {
      if (e.kind !== 'matches' || regexes.has(e.value)) return;
      try {
        regexes.set(e.value, new RegExp(e.value));
      } catch {
        fail(`invalid regular expression ${JSON.stringify(e.value)}`);
      }
    } else if (e.op === 'not') {
      check(e.expr);
    } else {
      check(e.left);
      check(e.right);
    }
  };
  check(expr);
  return (item) => evaluate(expr, item, regexes);
}

function evaluate(e: Expr, item: unknown, regexes: Map<string, RegExp>): boolean {
  switch (e.op) {
    case 'and':
      return evaluate(e.left, item, regexes) && evaluate(e.right, item, regexes);
    case 'or':
      return evaluate(e.left, item, regexes) || evaluate(e.right, item, regexes);
    case 'not':
      return !evaluate(e.expr, item, regexes);
    case 'match': {
      const v = select(item, e.selector);
      let r: boolean;
      switch (e.kind) {
        case 'eq':
          r = Array.isArray(v) ? v.some((x) => equal(x, e.value)) : equal(v, e.value);
          break;
        case 'in':
        case 'contains':
          r = Array.isArray(v)
            ? v.some((x) => equal(x, e.value))
            : typeof v === 'string'
              ? v.includes(e.value)
              : isObject(v)
                ? Object.prototype.hasOwnProperty.call(v, e.value)
                : false;
          break;
        case 'empty':
          r = v === undefined || v === null || v === '' || (Array.isArray(v) ? v.length === 0 : isObject(v) && Object.keys(v).length === 0);
          break;
        case 'matches':
          r = typeof v === 'string' && regexes.get(e.value)!.test(v);
          break;
      }
      return e.negate ? !r : r;
    }
  }
}

function select(item: unknown, path: string[]): unknown {
  let cur: unknown = item;
  for (const part of path) {
    if (Array.isArray(cur)) cur = cur.map((x) => (isObject(x) ? x[part] : undefined)).flat();
    else if (isObject(cur)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

function equal(actual: unknown, text: string): boolean {
  if (typeof actual === 'string') return actual === text;
  if (typeof actual === 'number') return Number(text) === actual;
  if (typeof actual === 'boolean') return text.toLowerCase() === String(actual);
  return false;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === '`') {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== c) {
        if (c === '"' && text[j] === '\\' && j + 1 < text.length) j++;
        s += text[j];
        j++;
      }
      if (j >= text.length) throw new ApiError(400, `${PREFIX}unterminated string in ${JSON.stringify(text)}`);
      out.push({ kind: 'string', text: s });
      i = j + 1;
    } else if (text.startsWith('==', i) || text.startsWith('!=', i)) {
      out.push({ kind: 'sym', text: text.slice(i, i + 2) });
      i += 2;
    } else if ('()[]'.includes(c)) {
      out.push({ kind: 'sym', text: c });
      i++;
    } else {
      let j = i;
      while (j < text.length && !/[\s()[\]"`]/.test(text[j]!) && !text.startsWith('==', j) && !text.startsWith('!=', j)) j++;
      if (j === i) throw new ApiError(400, `${PREFIX}unexpected ${JSON.stringify(c)} in ${JSON.stringify(text)}`);
      out.push({ kind: 'word', text: text.slice(i, j) });
      i = j;
    }
  }
  return out;
}
