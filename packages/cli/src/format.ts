// Text layout as Consul's CLI prints it: ryanuber/columnize tables (members, catalog nodes) and Go text/tabwriter
// blocks (kv get -detailed, catalog services -tags).

/** Columns separated by two spaces, each padded to its widest cell except a line's last; cells trimmed. */
export function columnize(rows: string[][]): string {
  const cells = rows.map((row) => row.map((c) => c.trim()));
  const widths: number[] = [];
  for (const row of cells) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(c))));
  return cells
    .map((row) => row.map((c, i) => (i === row.length - 1 ? c : c + ' '.repeat(widths[i]! - visibleLength(c)) + '  ')).join(''))
    .join('\n');
}

/**
 * Go's tabwriter with minwidth 0, padding `padding`, pad char ' ', no flags: every tab-terminated cell is padded to
 * the widest cell of its column plus `padding`; the text after a line's last tab is written as it is.
 */
export function tabwrite(lines: string[][], padding = 6): string {
  const widths: number[] = [];
  for (const line of lines) line.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(c) + padding)));
  return lines
    .map((line) => line.map((c, i) => (i === line.length - 1 ? c : c + ' '.repeat(widths[i]! - visibleLength(c)))).join(''))
    .join('\n');
}

function visibleLength(s: string): number {
  return [...s].length;
}

/** `k1=v1<joiner>k2=v2`, keys sorted, as Consul's mapToKV. */
export function mapToKV(m: Record<string, string> | null | undefined, joiner: string): string {
  if (!m) return '';
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${m[k]}`)
    .join(joiner);
}


