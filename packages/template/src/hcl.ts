// The subset of HCL (version 1, as consul-template's config files use it) needed for configuration:
// `key = value` attributes, `name { ... }` and `name "label" { ... }` blocks, strings (with escapes),
// heredocs (<<EOF / <<-EOF), numbers (0644 is octal, as in HCL 1), booleans, lists and inline objects,
// and #, // and /* */ comments. Blocks are collected into arrays, so repeated `template {}` blocks all survive.

export class HclError extends Error {
  override name = 'HclError';
}

type Tok =
  | { t: 'ident'; v: string; line: number }
  | { t: 'string'; v: string; line: number }
  | { t: 'number'; v: number; line: number }
  | { t: 'bool'; v: boolean; line: number }
  | { t: 'punct'; v: string; line: number }
  | { t: 'eof'; line: number };

function tokenize(src: string, file: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let line = 1;
  const err = (msg: string): never => {
    throw new HclError(`${file}:${line}: ${msg}`);
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#' || (c === '/' && src[i + 1] === '/')) {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) err('unterminated comment');
      for (let k = i; k < end; k++) if (src[k] === '\n') line++;
      i = end + 2;
      continue;
    }
    if ('{}[]=,:'.includes(c)) {
      out.push({ t: 'punct', v: c === ':' ? '=' : c, line });
      i++;
      continue;
    }
    if (c === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length || src[i] === '\n') err('unterminated string');
        const d = src[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\') {
          const e = src[i + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
          if (e !== undefined && e in map) {
            s += map[e];
            i += 2;
            continue;
          }
          if (e === 'u') {
            s += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
            i += 6;
            continue;
          }
          err(`invalid escape "\\${e ?? ''}" in string`);
        }
        s += d;
        i++;
      }
      out.push({ t: 'string', v: s, line });
      continue;
    }
    if (c === '<' && src[i + 1] === '<') {
      const m = /^<<(-?)([A-Za-z_][A-Za-z0-9_]*)[ \t]*\r?\n/.exec(src.slice(i));
      if (!m) err('invalid heredoc');
      const strip = m![1] === '-';
      const marker = m![2]!;
      const startLine = line;
      i += m![0].length;
      line++;
      const lines: string[] = [];
      for (;;) {
        if (i >= src.length) throw new HclError(`${file}:${startLine}: heredoc "${marker}" is not terminated`);
        const nl = src.indexOf('\n', i);
        const raw = src.slice(i, nl < 0 ? src.length : nl).replace(/\r$/, '');
        i = nl < 0 ? src.length : nl + 1;
        line++;
        if (raw.trim() === marker) break;
        lines.push(raw);
      }
      let body = lines;
      if (strip) {
        const indents = lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0].length);
        const n = indents.length ? Math.min(...indents) : 0;
        body = lines.map((l) => l.slice(n));
      }
      out.push({ t: 'string', v: body.join('\n') + (body.length ? '\n' : ''), line: startLine });
      continue;
    }
    const num = /^[+-]?(0[xX][0-9a-fA-F]+|\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(src.slice(i));
    if (num && (c !== '+' && c !== '-' ? true : /\d/.test(src[i + 1] ?? ''))) {
      const text = num[0];
      let v: number;
      if (/^[+-]?0\d+$/.test(text)) v = parseInt(text, 8);
      else v = Number(text);
      out.push({ t: 'number', v, line });
      i += text.length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_\-.]*/.exec(src.slice(i));
    if (id) {
      const w = id[0];
      if (w === 'true' || w === 'false') out.push({ t: 'bool', v: w === 'true', line });
      else out.push({ t: 'ident', v: w, line });
      i += w.length;
      continue;
    }
    err(`unexpected character ${JSON.stringify(c)}`);
  }
  out.push({ t: 'eof', line });
  return out;
}

export type HclValue = string | number | boolean | HclValue[] | HclObject;
export interface HclObject {
  [key: string]: HclValue;
}

/** Parses HCL text into plain data; every block name maps to an array of objects. */
export function parseHcl(src: string, file = 'config'): HclObject {
  const toks = tokenize(src, file);
  let p = 0;
  const peek = (): Tok => toks[p]!;
  const next = (): Tok => toks[p++]!;
  const err = (tok: Tok, msg: string): never => {
    throw new HclError(`${file}:${tok.line}: ${msg}`);
  };
  const describe = (tok: Tok): string => (tok.t === 'eof' ? 'end of file' : tok.t === 'punct' ? `"${tok.v}"` : `${tok.t} ${JSON.stringify((tok as { v: unknown }).v)}`);

  function value(): HclValue {
    const tok = next();
    switch (tok.t) {
      case 'string':
      case 'number':
      case 'bool':
        return tok.v;
      case 'punct':
        if (tok.v === '[') {
          const list: HclValue[] = [];
          while (!(peek().t === 'punct' && (peek() as { v: string }).v === ']')) {
            list.push(value());
            const sep = peek();
            if (sep.t === 'punct' && sep.v === ',') next();
            else if (!(sep.t === 'punct' && sep.v === ']')) err(sep, `expected "," or "]" in list, found ${describe(sep)}`);
          }
          next();
          return list;
        }
        if (tok.v === '{') return body(true);
    }
    return err(tok, `expected a value, found ${describe(tok)}`);
  }

  function addBlock(obj: HclObject, name: string, labels: string[], content: HclObject): void {
    // `name "a" "b" { }` nests as name -> a -> b -> [content].
    let target = obj;
    let key = name;
    for (const label of labels) {
      const existing = target[key];
      let arr: HclValue[];
      if (Array.isArray(existing)) arr = existing;
      else {
        arr = [];
        target[key] = arr;
      }
      let holder = arr.find((x) => typeof x === 'object' && !Array.isArray(x) && label in (x as HclObject)) as HclObject | undefined;
      if (!holder) {
        holder = {};
        arr.push(holder);
      }
      target = holder;
      key = label;
    }
    const existing = target[key];
    if (Array.isArray(existing)) existing.push(content);
    else target[key] = [content];
  }

  function body(inBraces: boolean): HclObject {
    const obj: HclObject = {};
    for (;;) {
      const tok = peek();
      if (tok.t === 'eof') {
        if (inBraces) err(tok, 'expected "}", found end of file');
        return obj;
      }
      if (tok.t === 'punct' && tok.v === '}') {
        if (!inBraces) err(tok, 'unexpected "}"');
        next();
        return obj;
      }
      if (tok.t === 'punct' && tok.v === ',') {
        next();
        continue;
      }
      if (tok.t !== 'ident' && tok.t !== 'string') err(tok, `expected a key, found ${describe(tok)}`);
      next();
      const key = (tok as { v: string }).v;
      const after = peek();
      if (after.t === 'punct' && after.v === '=') {
        next();
        const v = value();
        // `key = { ... }` is an object attribute; repeated keys keep the last value.
        obj[key] = v;
        continue;
      }
      const labels: string[] = [];
      while (peek().t === 'string' || peek().t === 'ident') labels.push((next() as { v: string }).v);
      const open = next();
      if (!(open.t === 'punct' && open.v === '{')) err(open, `expected "=" or "{" after ${JSON.stringify(key)}, found ${describe(open)}`);
      addBlock(obj, key, labels, body(true));
    }
  }

  return body(false);
}
