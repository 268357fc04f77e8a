// The one place a user-supplied regular expression runs: Go's regexp (RE2) syntax and semantics, in linear time.
// A JS RegExp backtracks — `(a+)+$` over 28 `a`s and a `!` blocked the event loop for seconds — and reads Go's
// syntax differently (`\z`, `(?P<name>)`, `\pL`, `$` without multiline), so ?filter's `matches`, the template
// functions regexMatch / regexReplaceAll and the user-event filters all compile through here instead.
// The engine is re2js (a port of RE2/J, itself a port of Go's regexp): an automaton, no backtracking. It is
// required on first use, not at import, so an agent that never sees a regex does not pay its memory.

import { createRequire } from 'node:module';

type Re2Module = typeof import('re2js');
type Re2 = InstanceType<Re2Module['RE2JS']>;

let engine: Re2Module | undefined;

function re2(): Re2Module {
  engine ??= createRequire(import.meta.url)('re2js') as Re2Module;
  return engine;
}

/**
 * Loads the engine now rather than on the first regex (40-80 ms and ~12 MB): servers and -dev agents call this once
 * they are up, so the first `?filter ... matches` answers as fast as the rest; client agents keep it lazy.
 */
export function preloadGoRegexp(): void {
  re2();
}

/** A pattern Go's regexp.Compile refuses; the message is Go's (`error parsing regexp: missing closing ): `(``). */
export class GoRegexpError extends Error {
  override name = 'GoRegexpError';
}

/** A compiled Go regular expression (leftmost-first, Perl flags, as regexp.Compile). */
export class GoRegexp {
  private constructor(
    readonly source: string,
    private readonly re: Re2,
    // Group numbers by name, in order; only a name Go lets a pattern use twice has more than one.
    private readonly names: ReadonlyMap<string, readonly number[]>,
  ) {}

  /** regexp.Compile: throws GoRegexpError with Go's text when the pattern is invalid. */
  static compile(pattern: string): GoRegexp {
    const { RE2JS, RE2JSSyntaxException } = re2();
    try {
      const re = RE2JS.compile(pattern);
      return new GoRegexp(pattern, re, new Map(Object.entries(re.namedGroups()).map(([name, group]) => [name, [group]])));
    } catch (err) {
      if (!(err instanceof RE2JSSyntaxException)) throw err;
      // RE2 refuses a group name used twice, Go takes it ($name is then the first such group that matched):
      // compile without the later names and keep every group number per name here.
      if (err.message.startsWith('error parsing regexp: duplicate capture group name')) {
        const { renamed, names } = withoutRepeatedNames(pattern);
        try {
          return new GoRegexp(pattern, RE2JS.compile(renamed), names);
        } catch (again) {
          if (!(again instanceof RE2JSSyntaxException)) throw again;
        }
      }
      throw new GoRegexpError(err.message);
    }
  }

  /** The name of the engine behind every GoRegexp: an automaton that runs in time linear in the input. */
  static readonly engine = 're2js';

  /** MatchString: whether the pattern matches anywhere in s. */
  test(s: string): boolean {
    return this.re.matcher(s).find();
  }

  /** FindStringSubmatch: the leftmost match and its groups ('' for a group that did not take part), or
   * undefined when nothing matches. */
  findSubmatch(s: string): string[] | undefined {
    const m = this.re.matcher(s);
    if (!m.find()) return undefined;
    const out: string[] = [];
    for (let g = 0; g <= this.re.groupCount(); g++) {
      const start = m.start(g);
      out.push(start < 0 ? '' : s.slice(start, m.end(g)));
    }
    return out;
  }

  /** ReplaceAllString: every match replaced by template expanded as regexp.Expand does ($1, ${1}, $name, ${name}, $$). */
  replaceAll(src: string, template: string): string {
    return this.replaceAllFunc(src, (m) => expand(template, src, m, this.names));
  }

  // Go's replaceAll loop: an empty match right after a previous match is not replaced, and the search always moves
  // on by at least one character (a code point: Go steps a rune).
  private replaceAllFunc(src: string, repl: (groups: number[]) => string): string {
    const m = this.re.matcher(src);
    const groups = this.re.groupCount();
    let out = '';
    let lastMatchEnd = 0;
    let searchPos = 0;
    while (searchPos <= src.length && m.find(searchPos)) {
      const a: number[] = [];
      for (let g = 0; g <= groups; g++) a.push(m.start(g), m.end(g));
      out += src.slice(lastMatchEnd, a[0]);
      if (a[1]! > lastMatchEnd || a[0] === 0) out += repl(a);
      lastMatchEnd = a[1]!;
      const width = searchPos < src.length ? String.fromCodePoint(src.codePointAt(searchPos)!).length : 1;
      if (searchPos + width > a[1]!) searchPos += width;
      else if (searchPos + 1 > a[1]!) searchPos++;
      else searchPos = a[1]!;
    }
    return out + src.slice(lastMatchEnd);
  }
}

const NAMED_GROUP = /\(\?P?<([^>]*)>/y;

/** The pattern with every capture group whose name was already used turned into a plain group. */
function withoutRepeatedNames(pattern: string): { renamed: string; names: Map<string, number[]> } {
  const names = new Map<string, number[]>();
  let group = 0;
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      if (pattern[i + 1] === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const stop = end < 0 ? pattern.length : end + 2;
        out += pattern.slice(i, stop);
        i = stop - 1;
        continue;
      }
      out += pattern.slice(i, i + 2);
      i++;
      continue;
    }
    if (inClass) {
      if (pattern.startsWith('[:', i)) {
        const end = pattern.indexOf(':]', i + 2);
        if (end >= 0) {
          out += pattern.slice(i, end + 2);
          i = end + 1;
          continue;
        }
      }
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      // A ] right after [ or [^ is a literal member, not the end of the class.
      const start = pattern[i + 1] === '^' ? i + 2 : i + 1;
      const lead = pattern[start] === ']' ? start + 1 : start;
      out += pattern.slice(i, lead);
      i = lead - 1;
      inClass = true;
      continue;
    }
    NAMED_GROUP.lastIndex = i;
    const named = NAMED_GROUP.exec(pattern);
    if (named) {
      group++;
      const list = names.get(named[1]!);
      if (list) {
        list.push(group);
        out += '(';
      } else {
        names.set(named[1]!, [group]);
        out += named[0];
      }
      i += named[0].length - 1;
      continue;
    }
    if (c === '(' && pattern[i + 1] !== '?') group++;
    out += c;
  }
  return { renamed: out, names };
}

/** regexp.Expand over one match (pairs of start/end offsets per group, -1 for a group that did not take part). */
function expand(template: string, src: string, match: number[], names: ReadonlyMap<string, readonly number[]>): string {
  let out = '';
  let rest = template;
  for (;;) {
    const dollar = rest.indexOf('$');
    if (dollar < 0) break;
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const ref = extractRef(rest);
    if (!ref) {
      out += '$'; // malformed: the $ is plain text
      continue;
    }
    rest = ref.rest;
    const taking = (g: number) => 2 * g + 1 < match.length && match[2 * g]! >= 0;
    const group = ref.num >= 0 ? ref.num : (names.get(ref.name)?.find(taking) ?? -1);
    if (group >= 0 && taking(group)) out += src.slice(match[2 * group], match[2 * group + 1]);
  }
  return out + rest;
}

/** Go's extract: a name of letters, digits and _ (braced or not); a number when all digits without a leading 0. */
function extractRef(str: string): { name: string; num: number; rest: string } | undefined {
  if (str === '') return undefined;
  const brace = str[0] === '{';
  const body = brace ? str.slice(1) : str;
  const name = /^[\p{L}\p{Nd}_]*/u.exec(body)![0];
  if (name === '') return undefined;
  let i = name.length;
  if (brace) {
    if (body[i] !== '}') return undefined;
    i++;
  }
  let num = 0;
  for (const c of name) {
    if (c < '0' || c > '9' || num >= 1e8) {
      num = -1;
      break;
    }
    num = num * 10 + (c.charCodeAt(0) - 48);
  }
  if (name[0] === '0' && name.length > 1) num = -1;
  return { name, num, rest: body.slice(i) };
}
