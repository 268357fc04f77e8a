// The two glob dialects consul-template uses: ryanuber/go-glob for function_denylist (`*` only, any text) and
// Go's filepath.Match for exec env allow/deny lists (`*`, `?`, `[...]`, `\` escapes; `*` and `?` do not
// cross "/", which environment variable names never contain).

/** go-glob: `*` matches any run of characters, everything else is literal. */
export function starGlob(pattern: string, s: string): boolean {
  if (pattern === '*') return true;
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === s;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!s.startsWith(first)) return false;
  let pos = first.length;
  for (const mid of parts.slice(1, -1)) {
    const at = s.indexOf(mid, pos);
    if (at < 0) return false;
    pos = at + mid.length;
  }
  return s.length - last.length >= pos && s.endsWith(last);
}

/** Go's filepath.Match on Unix; a malformed pattern matches nothing (Go returns ErrBadPattern, ignored by its callers here). */
export function pathMatch(pattern: string, name: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      if (i + 1 >= pattern.length) return false;
      re += escape(pattern[++i]!);
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return false;
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\]\\^]/g, (x) => '\\' + x)}]`;
      i = end;
    } else re += escape(c);
  }
  try {
    return new RegExp(re + '$', 'u').test(name);
  } catch {
    return false;
  }
}

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
