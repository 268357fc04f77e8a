// Prepared query templates (Consul's agent/consul/prepared_query/template.go): every string of a template's
// Service block is a HIL string, `${...}` interpolations over name.full, name.prefix, name.suffix,
// agent.segment and match(N) (a group of the template's Regexp, '' when out of range). Compile checks the
// syntax, the Regexp (Go's, through toolkit's GoRegexp) and renders once with the template's own name, so a
// definition that cannot render is refused when it is written, never when DNS asks for it.
import { GoRegexp, GoRegexpError } from '@conclave/toolkit';
import type { PreparedQuery } from '@conclave/state';

export const TEMPLATE_TYPE_NAME_PREFIX_MATCH = 'name_prefix_match';

/** A template Consul refuses, with Consul's words. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

type Part = { text: string } | { expr: Expr };
type Expr = { kind: 'var'; name: string } | { kind: 'int'; value: number } | { kind: 'str'; value: string } | { kind: 'call'; fn: string; args: Expr[] };

/** One HIL string, parsed. */
function parseHil(src: string): Part[] {
  const parts: Part[] = [];
  let text = '';
  let i = 0;
  while (i < src.length) {
    if (src.startsWith('$${', i)) {
      text += '${';
      i += 3;
      continue;
    }
    if (src.startsWith('${', i)) {
      if (text) parts.push({ text });
      text = '';
      const p = new ExprParser(src, i + 2);
      const expr = p.expr();
      p.skipSpace();
      if (src[p.pos] !== '}') throw new TemplateError(p.pos >= src.length ? 'expected "}" but found end of string' : `unexpected ${JSON.stringify(src[p.pos])} at ${p.pos + 1}, expected "}"`);
      parts.push({ expr });
      i = p.pos + 1;
      continue;
    }
    text += src[i];
    i++;
  }
  if (text) parts.push({ text });
  return parts;
}

class ExprParser {
  constructor(
    private readonly src: string,
    public pos: number,
  ) {}

  skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  expr(): Expr {
    this.skipSpace();
    const c = this.src[this.pos];
    if (c === undefined) throw new TemplateError('expected expression but found end of string');
    if (c === '"') {
      let v = '';
      this.pos++;
      while (this.pos < this.src.length && this.src[this.pos] !== '"') {
        if (this.src[this.pos] === '\\' && this.pos + 1 < this.src.length) this.pos++;
        v += this.src[this.pos++];
      }
      if (this.src[this.pos] !== '"') throw new TemplateError('unterminated string literal');
      this.pos++;
      return { kind: 'str', value: v };
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(this.src.slice(this.pos))!;
      this.pos += m[0].length;
      return { kind: 'int', value: Number(m[0]) };
    }
    const m = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(this.src.slice(this.pos));
    if (!m) throw new TemplateError(`unexpected ${JSON.stringify(c)} at ${this.pos + 1}`);
    this.pos += m[0].length;
    this.skipSpace();
    if (this.src[this.pos] !== '(') return { kind: 'var', name: m[0] };
    this.pos++;
    const args: Expr[] = [];
    this.skipSpace();
    if (this.src[this.pos] === ')') {
      this.pos++;
      return { kind: 'call', fn: m[0], args };
    }
    for (;;) {
      args.push(this.expr());
      this.skipSpace();
      const d = this.src[this.pos];
      if (d === ',') {
        this.pos++;
        continue;
      }
      if (d === ')') {
        this.pos++;
        return { kind: 'call', fn: m[0], args };
      }
      throw new TemplateError(d === undefined ? 'expected ")" but found end of string' : `unexpected ${JSON.stringify(d)} at ${this.pos + 1}, expected ")"`);
    }
  }
}

interface Scope {
  vars: Record<string, string>;
  matches: string[];
}

function evaluate(e: Expr, scope: Scope): string | number {
  switch (e.kind) {
    case 'str':
      return e.value;
    case 'int':
      return e.value;
    case 'var': {
      const v = scope.vars[e.name];
      if (v === undefined) throw new TemplateError(`unknown variable accessed: ${e.name}`);
      return v;
    }
    case 'call': {
      if (e.fn !== 'match') throw new TemplateError(`unknown function called: ${e.fn}`);
      if (e.args.length !== 1) throw new TemplateError(`match: expected 1 arguments, got ${e.args.length}`);
      const i = evaluate(e.args[0]!, scope);
      if (typeof i !== 'number') throw new TemplateError('match: argument 1 should be type int, got type string');
      return i >= 0 && i < scope.matches.length ? scope.matches[i]! : '';
    }
  }
}

/** Every string of the Service block with its path (as Consul's walk names it) and a setter. */
function serviceStrings(svc: PreparedQuery['Service']): Array<{ path: string; value: string; set(v: string): void }> {
  const out: Array<{ path: string; value: string; set(v: string): void }> = [];
  out.push({ path: '.Service', value: svc.Service, set: (v) => (svc.Service = v) });
  svc.Failover.Datacenters.forEach((d, i) => out.push({ path: `.Failover.Datacenters[${i}]`, value: d, set: (v) => (svc.Failover.Datacenters[i] = v) }));
  out.push({ path: '.Near', value: svc.Near, set: (v) => (svc.Near = v) });
  svc.Tags.forEach((t, i) => out.push({ path: `.Tags[${i}]`, value: t, set: (v) => (svc.Tags[i] = v) }));
  svc.IgnoreCheckIDs.forEach((t, i) => out.push({ path: `.IgnoreCheckIDs[${i}]`, value: t, set: (v) => (svc.IgnoreCheckIDs[i] = v) }));
  for (const k of Object.keys(svc.NodeMeta)) out.push({ path: `.NodeMeta[${k}]`, value: svc.NodeMeta[k]!, set: (v) => (svc.NodeMeta[k] = v) });
  for (const k of Object.keys(svc.ServiceMeta)) out.push({ path: `.ServiceMeta[${k}]`, value: svc.ServiceMeta[k]!, set: (v) => (svc.ServiceMeta[k] = v) });
  return out;
}

export class CompiledTemplate {
  private constructor(
    private readonly query: PreparedQuery,
    private readonly trees: Map<string, Part[]>,
    private readonly re: GoRegexp | undefined,
  ) {}

  /** Consul's Compile: the type, every string's syntax, the Regexp, then a test render with the template's name. */
  static compile(query: PreparedQuery): CompiledTemplate {
    if (query.Template.Type !== TEMPLATE_TYPE_NAME_PREFIX_MATCH) throw new TemplateError(`Bad Template.Type '${query.Template.Type}'`);
    const trees = new Map<string, Part[]>();
    for (const s of serviceStrings(query.Service)) {
      try {
        trees.set(s.path, parseHil(s.value));
      } catch (err) {
        throw new TemplateError(`Bad format '${s.value}' in Service${s.path}: ${(err as Error).message}`);
      }
    }
    let re: GoRegexp | undefined;
    if (query.Template.Regexp !== '') {
      try {
        re = GoRegexp.compile(query.Template.Regexp);
      } catch (err) {
        if (err instanceof GoRegexpError) throw new TemplateError(`Bad Regexp: ${err.message}`);
        throw err;
      }
    }
    const ct = new CompiledTemplate(query, trees, re);
    ct.render(query.Name);
    return ct;
  }

  /** Consul's Render: the query as the name `name` sees it (a fresh copy; the stored definition is untouched). */
  render(name: string): PreparedQuery {
    const q = structuredClone(this.query);
    const matches = this.re?.findSubmatch(name) ?? [];
    const scope: Scope = {
      vars: { 'name.full': name, 'name.prefix': q.Name, 'name.suffix': name.startsWith(q.Name) ? name.slice(q.Name.length) : name, 'agent.segment': '' },
      matches,
    };
    for (const s of serviceStrings(q.Service)) {
      const tree = this.trees.get(s.path);
      if (!tree) continue;
      let out = '';
      for (const p of tree) {
        if ('text' in p) out += p.text;
        else {
          try {
            out += String(evaluate(p.expr, scope));
          } catch (err) {
            throw new TemplateError(`Bad evaluation for '${s.value}' in Service${s.path}: ${(err as Error).message}`);
          }
        }
      }
      s.set(out);
    }
    // RemoveEmptyTags: tags that rendered empty (a match group that did not take part) are dropped.
    if (q.Template.RemoveEmptyTags) q.Service.Tags = q.Service.Tags.filter((t) => t !== '');
    return q;
  }
}
