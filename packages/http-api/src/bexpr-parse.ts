// The ?filter grammar of go-bexpr 0.1.2 (its grammar.peg, rule by rule) run by a PEG interpreter that behaves as
// the pigeon-generated parser Consul ships: same choices, same farthest-failure bookkeeping, so a malformed
// expression gets Consul's text to the character — `1:14 (13): no match found, expected: ".", "[", [ \t\r\n],
// [a-zA-Z0-9_] or EOF`, `1:17 (16): rule "number": Invalid number literal`. One difference on purpose: results
// are memoised per (rule, position), with the failures they recorded replayed, so nested parentheses cost linear
// time here where pigeon's plain backtracking is exponential in the depth.

import { goQuote, goUnquote } from '@conclave/toolkit';

export type MatchOperator =
  | 'Equal'
  | 'Not Equal'
  | 'In'
  | 'Not In'
  | 'Is Empty'
  | 'Is Not Empty'
  | 'Matches'
  | 'Not Matches';

export type BexprAst =
  | { kind: 'not'; operand: BexprAst }
  | { kind: 'and' | 'or'; left: BexprAst; right: BexprAst }
  | { kind: 'match'; selector: string[]; operator: MatchOperator; value: string | undefined };

/** A malformed expression; the message is pigeon's error list (one error a line). */
export class BexprSyntaxError extends Error {
  override name = 'BexprSyntaxError';
}

// ---------- the grammar, as data ----------

type Labels = Record<string, unknown>;
type Action = (labels: Labels, text: string) => unknown;

type Expr =
  | { t: 'ref'; name: string }
  | { t: 'lit'; val: string; want: string }
  | { t: 'class'; want: string; test: (c: string) => boolean }
  | { t: 'any' }
  | { t: 'seq'; exprs: Expr[] }
  | { t: 'choice'; alts: Expr[] }
  | { t: 'opt' | 'star' | 'plus' | 'and' | 'not'; e: Expr }
  | { t: 'fail'; message: string } // &{ return false, errors.New(message) }
  | { t: 'label'; name: string; e: Expr }
  | { t: 'action'; e: Expr; run: Action };

const ref = (name: string): Expr => ({ t: 'ref', name });
const lit = (val: string): Expr => ({ t: 'lit', val, want: goQuote(val) });
const cls = (want: string, re: RegExp): Expr => ({ t: 'class', want, test: (c) => re.test(c) });
const seq = (...exprs: Expr[]): Expr => ({ t: 'seq', exprs });
const choice = (...alts: Expr[]): Expr => ({ t: 'choice', alts });
const opt = (e: Expr): Expr => ({ t: 'opt', e });
const star = (e: Expr): Expr => ({ t: 'star', e });
const plus = (e: Expr): Expr => ({ t: 'plus', e });
const and = (e: Expr): Expr => ({ t: 'and', e });
const not = (e: Expr): Expr => ({ t: 'not', e });
const fail = (message: string): Expr => ({ t: 'fail', message });
const label = (name: string, e: Expr): Expr => ({ t: 'label', name, e });
const action = (e: Expr, run: Action): Expr => ({ t: 'action', e, run });
const ANY: Expr = { t: 'any' };
const _ = ref('_');
const __ = opt(_);

const op = (operator: MatchOperator, ...exprs: Expr[]): Expr => action(seq(...exprs), () => operator);

interface Rule {
  name: string;
  display?: string;
  expr: Expr;
}

const RULES: Rule[] = [
  {
    name: 'Input',
    expr: choice(
      action(seq(__, lit('('), __, label('expr', ref('OrExpression')), __, lit(')'), __, ref('EOF')), (l) => l.expr),
      action(seq(__, label('expr', ref('OrExpression')), __, ref('EOF')), (l) => l.expr),
    ),
  },
  {
    name: 'OrExpression',
    expr: choice(
      action(seq(label('left', ref('AndExpression')), _, lit('or'), _, label('right', ref('OrExpression'))), (l) => ({
        kind: 'or',
        left: l.left,
        right: l.right,
      })),
      action(label('expr', ref('AndExpression')), (l) => l.expr),
    ),
  },
  {
    name: 'AndExpression',
    expr: choice(
      action(seq(label('left', ref('NotExpression')), _, lit('and'), _, label('right', ref('AndExpression'))), (l) => ({
        kind: 'and',
        left: l.left,
        right: l.right,
      })),
      action(label('expr', ref('NotExpression')), (l) => l.expr),
    ),
  },
  {
    name: 'NotExpression',
    expr: choice(
      action(seq(lit('not'), _, label('expr', ref('NotExpression'))), (l) => {
        const e = l.expr as BexprAst;
        // not not X is X
        return e.kind === 'not' ? e.operand : { kind: 'not', operand: e };
      }),
      action(label('expr', ref('ParenthesizedExpression')), (l) => l.expr),
    ),
  },
  {
    name: 'ParenthesizedExpression',
    display: '"grouping"',
    expr: choice(
      action(seq(lit('('), __, label('expr', ref('OrExpression')), __, lit(')')), (l) => l.expr),
      action(label('expr', ref('MatchExpression')), (l) => l.expr),
      seq(lit('('), __, ref('OrExpression'), __, not(lit(')')), fail('Unmatched parentheses')),
    ),
  },
  { name: 'MatchExpression', display: '"match"', expr: choice(ref('MatchSelectorOpValue'), ref('MatchSelectorOp'), ref('MatchValueOpSelector')) },
  {
    name: 'MatchSelectorOpValue',
    display: '"match"',
    expr: action(
      seq(
        label('selector', ref('Selector')),
        label(
          'operator',
          choice(ref('MatchEqual'), ref('MatchNotEqual'), ref('MatchContains'), ref('MatchNotContains'), ref('MatchMatches'), ref('MatchNotMatches')),
        ),
        label('value', ref('Value')),
      ),
      (l) => ({ kind: 'match', selector: l.selector, operator: l.operator, value: l.value }),
    ),
  },
  {
    name: 'MatchSelectorOp',
    display: '"match"',
    expr: action(seq(label('selector', ref('Selector')), label('operator', choice(ref('MatchIsEmpty'), ref('MatchIsNotEmpty')))), (l) => ({
      kind: 'match',
      selector: l.selector,
      operator: l.operator,
      value: undefined,
    })),
  },
  {
    name: 'MatchValueOpSelector',
    display: '"match"',
    expr: choice(
      action(seq(label('value', ref('Value')), label('operator', choice(ref('MatchIn'), ref('MatchNotIn'))), label('selector', ref('Selector'))), (l) => ({
        kind: 'match',
        selector: l.selector,
        operator: l.operator,
        value: l.value,
      })),
      seq(ref('Value'), label('operator', choice(ref('MatchIn'), ref('MatchNotIn'))), not(ref('Selector')), fail('Invalid selector')),
    ),
  },
  { name: 'MatchEqual', expr: op('Equal', __, lit('=='), __) },
  { name: 'MatchNotEqual', expr: op('Not Equal', __, lit('!='), __) },
  { name: 'MatchIsEmpty', expr: op('Is Empty', _, lit('is'), _, lit('empty')) },
  { name: 'MatchIsNotEmpty', expr: op('Is Not Empty', _, lit('is'), _, lit('not'), _, lit('empty')) },
  { name: 'MatchIn', expr: op('In', _, lit('in'), _) },
  { name: 'MatchNotIn', expr: op('Not In', _, lit('not'), _, lit('in'), _) },
  { name: 'MatchContains', expr: op('In', _, lit('contains'), _) },
  { name: 'MatchNotContains', expr: op('Not In', _, lit('not'), _, lit('contains'), _) },
  { name: 'MatchMatches', expr: op('Matches', _, lit('matches'), _) },
  { name: 'MatchNotMatches', expr: op('Not Matches', _, lit('not'), _, lit('matches'), _) },
  {
    name: 'Selector',
    display: '"selector"',
    expr: action(seq(label('first', ref('Identifier')), label('rest', star(ref('SelectorOrIndex')))), (l) => [
      l.first as string,
      ...((l.rest as string[] | undefined) ?? []),
    ]),
  },
  { name: 'Identifier', expr: action(seq(cls('[a-zA-Z]', /^[a-zA-Z]$/), star(cls('[a-zA-Z0-9_]', /^[a-zA-Z0-9_]$/))), (_l, text) => text) },
  {
    name: 'SelectorOrIndex',
    expr: choice(
      action(seq(lit('.'), label('ident', ref('Identifier'))), (l) => l.ident),
      action(label('expr', ref('IndexExpression')), (l) => l.expr),
    ),
  },
  {
    name: 'IndexExpression',
    display: '"index"',
    expr: choice(
      action(seq(lit('['), __, label('lit', ref('StringLiteral')), __, lit(']')), (l) => l.lit),
      seq(lit('['), __, not(ref('StringLiteral')), fail('Invalid index')),
      seq(lit('['), __, ref('StringLiteral'), __, not(lit(']')), fail('Unclosed index expression')),
    ),
  },
  {
    name: 'Value',
    display: '"value"',
    expr: choice(
      action(label('selector', ref('Selector')), (l) => (l.selector as string[]).join('.')),
      action(label('n', ref('NumberLiteral')), (l) => l.n),
      action(label('s', ref('StringLiteral')), (l) => l.s),
    ),
  },
  {
    name: 'NumberLiteral',
    display: '"number"',
    expr: choice(
      action(seq(opt(lit('-')), ref('IntegerOrFloat'), and(ref('AfterNumbers'))), (_l, text) => text),
      seq(opt(lit('-')), ref('IntegerOrFloat'), not(ref('AfterNumbers')), fail('Invalid number literal')),
    ),
  },
  { name: 'AfterNumbers', expr: and(choice(_, ref('EOF'), lit(')'))) },
  {
    name: 'IntegerOrFloat',
    expr: seq(choice(lit('0'), seq(cls('[1-9]', /^[1-9]$/), star(cls('[0-9]', /^[0-9]$/)))), opt(seq(lit('.'), plus(cls('[0-9]', /^[0-9]$/))))),
  },
  {
    name: 'StringLiteral',
    display: '"string"',
    expr: choice(
      action(
        choice(seq(lit('`'), star(ref('RawStringChar')), lit('`')), seq(lit('"'), star(ref('DoubleStringChar')), lit('"'))),
        (_l, text) => {
          const s = goUnquote(text);
          if (s === null) throw new ActionError('invalid syntax', '');
          return s;
        },
      ),
      seq(choice(seq(lit('`'), star(ref('RawStringChar'))), seq(lit('"'), star(ref('DoubleStringChar')))), ref('EOF'), fail('Unterminated string literal')),
    ),
  },
  { name: 'RawStringChar', expr: seq(not(lit('`')), ANY) },
  { name: 'DoubleStringChar', expr: seq(not(lit('"')), ANY) },
  { name: '_', display: '"whitespace"', expr: plus(cls('[ \\t\\r\\n]', /^[ \t\r\n]$/)) },
  { name: 'EOF', expr: not(ANY) },
];

/** An action's error (pigeon records it and keeps the action's value). */
class ActionError extends Error {
  constructor(
    message: string,
    readonly value: unknown,
  ) {
    super(message);
  }
}

const RULE_BY_NAME = new Map(RULES.map((r) => [r.name, r]));

// ---------- the interpreter ----------

interface Position {
  line: number;
  col: number;
  offset: number;
}

type Event = { kind: 'fail'; index: number; want: string } | { kind: 'error'; message: string; index: number; rule: string | undefined };

interface Memo {
  ok: boolean;
  value: unknown;
  end: number;
  events: Event[];
}

class Parser {
  private readonly chars: string[];
  private readonly positions: Position[];
  private pos = 0;
  private invert = false;
  private maxFail = 0;
  private maxFailExpected = new Set<string>();
  private readonly errors: string[] = [];
  private readonly ruleStack: Rule[] = [];
  private readonly memo = new Map<string, Memo>();
  // The events of the rules being parsed, for their memo entries: effective failures and errors only.
  private readonly recorders: Event[][] = [];

  constructor(text: string) {
    this.chars = [...text];
    this.positions = [];
    // pigeon's read(): each step moves col on; reading a newline moves to the next line at col 0.
    let line = 1;
    let col = 0;
    let offset = 0;
    for (let i = 0; i <= this.chars.length; i++) {
      col++;
      if (this.chars[i] === '\n') {
        line++;
        col = 0;
      }
      this.positions.push({ line, col, offset });
      if (i < this.chars.length) offset += Buffer.byteLength(this.chars[i]!);
    }
  }

  run(): BexprAst {
    const [ok, value] = this.parseRule(RULE_BY_NAME.get('Input')!);
    if (!ok && this.errors.length === 0) {
      const expected = [...this.maxFailExpected];
      const eof = expected.includes('!.');
      const list = expected.filter((w) => w !== '!.').sort(byteOrder);
      if (eof) list.push('EOF');
      this.errors.push(`${this.where(this.maxFail, undefined)}: no match found, expected: ${listJoin(list)}`);
    }
    if (this.errors.length > 0) throw new BexprSyntaxError([...new Set(this.errors)].join('\n'));
    return value as BexprAst;
  }

  private where(index: number, rule: Rule | undefined): string {
    const p = this.positions[index]!;
    const at = `${p.line}:${p.col} (${p.offset})`;
    return rule ? `${at}: rule ${rule.display ?? rule.name}` : at;
  }

  private failAt(failed: boolean, index: number, want: string): void {
    if (failed !== this.invert) return;
    if (index < this.maxFail) return;
    const w = this.invert ? `!${want}` : want;
    if (index > this.maxFail) {
      this.maxFail = index;
      this.maxFailExpected = new Set();
    }
    this.maxFailExpected.add(w);
    for (const r of this.recorders) r.push({ kind: 'fail', index, want: w });
  }

  private addError(message: string, index: number, rule: Rule | undefined): void {
    this.errors.push(`${this.where(index, rule)}: ${message}`);
    for (const r of this.recorders) r.push({ kind: 'error', message, index, rule: rule?.name });
  }

  private replay(events: Event[]): void {
    for (const e of events) {
      if (e.kind === 'error') {
        this.addError(e.message, e.index, e.rule === undefined ? undefined : RULE_BY_NAME.get(e.rule));
      } else if (e.index >= this.maxFail) {
        if (e.index > this.maxFail) {
          this.maxFail = e.index;
          this.maxFailExpected = new Set();
        }
        this.maxFailExpected.add(e.want);
        for (const r of this.recorders) r.push(e);
      }
    }
  }

  private parseRule(rule: Rule): [boolean, unknown] {
    const key = `${rule.name}@${this.pos}@${this.invert}`;
    const hit = this.memo.get(key);
    if (hit) {
      this.replay(hit.events);
      this.pos = hit.end;
      return [hit.ok, hit.value];
    }
    const events: Event[] = [];
    this.recorders.push(events);
    this.ruleStack.push(rule);
    const [ok, value] = this.parseExpr(rule.expr, {});
    this.ruleStack.pop();
    this.recorders.pop();
    this.memo.set(key, { ok, value, end: this.pos, events });
    return [ok, value];
  }

  private parseExpr(e: Expr, labels: Labels): [boolean, unknown] {
    switch (e.t) {
      case 'ref':
        return this.parseRule(RULE_BY_NAME.get(e.name)!);
      case 'lit': {
        const start = this.pos;
        for (const want of e.val) {
          if (this.chars[this.pos] !== want) {
            this.failAt(false, start, e.want);
            this.pos = start;
            return [false, undefined];
          }
          this.pos++;
        }
        this.failAt(true, start, e.want);
        return [true, e.val];
      }
      case 'class': {
        const start = this.pos;
        const c = this.chars[start];
        if (c === undefined || !e.test(c)) {
          this.failAt(false, start, e.want);
          return [false, undefined];
        }
        this.pos++;
        this.failAt(true, start, e.want);
        return [true, c];
      }
      case 'any': {
        const start = this.pos;
        if (start >= this.chars.length) {
          this.failAt(false, start, '.');
          return [false, undefined];
        }
        this.pos++;
        this.failAt(true, start, '.');
        return [true, this.chars[start]];
      }
      case 'seq': {
        const start = this.pos;
        const values: unknown[] = [];
        for (const x of e.exprs) {
          const [ok, v] = this.parseExpr(x, labels);
          if (!ok) {
            this.pos = start;
            return [false, undefined];
          }
          values.push(v);
        }
        return [true, values];
      }
      case 'choice':
        for (const alt of e.alts) {
          const [ok, v] = this.parseExpr(alt, {});
          if (ok) return [true, v];
        }
        return [false, undefined];
      case 'opt':
        return [true, this.parseExpr(e.e, {})[1]];
      case 'star':
      case 'plus': {
        const values: unknown[] = [];
        for (;;) {
          const [ok, v] = this.parseExpr(e.e, {});
          if (!ok) break;
          values.push(v);
        }
        if (e.t === 'plus' && values.length === 0) return [false, undefined];
        return [true, values.length > 0 ? values : undefined];
      }
      case 'and':
      case 'not': {
        const start = this.pos;
        if (e.t === 'not') this.invert = !this.invert;
        const [ok] = this.parseExpr(e.e, {});
        if (e.t === 'not') this.invert = !this.invert;
        this.pos = start;
        return [e.t === 'and' ? ok : !ok, undefined];
      }
      case 'fail':
        this.addError(e.message, this.pos, this.ruleStack[this.ruleStack.length - 1]);
        return [false, undefined];
      case 'label': {
        const [ok, v] = this.parseExpr(e.e, {});
        if (ok) labels[e.name] = v;
        return [ok, v];
      }
      case 'action': {
        const start = this.pos;
        const inner: Labels = {};
        const [ok] = this.parseExpr(e.e, inner);
        if (!ok) return [false, undefined];
        try {
          return [true, e.run(inner, this.chars.slice(start, this.pos).join(''))];
        } catch (err) {
          if (!(err instanceof ActionError)) throw err;
          this.addError(err.message, start, this.ruleStack[this.ruleStack.length - 1]);
          return [true, err.value];
        }
      }
    }
  }
}

function byteOrder(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

function listJoin(list: string[]): string {
  if (list.length <= 1) return list.join('');
  return `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

/** bexpr.Parse: the expression's syntax tree, or BexprSyntaxError with pigeon's messages. */
export function parseBexpr(text: string): BexprAst {
  try {
    return new Parser(text).run();
  } catch (err) {
    // Past about a hundred nested parentheses or nots the recursion runs out of stack. Consul has no answer to
    // compare with: its parser backtracks exponentially and would still be working at a depth of thirty.
    if (err instanceof RangeError) throw new BexprSyntaxError('expression nests too deeply');
    throw err;
  }
}
