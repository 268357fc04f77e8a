// consul-template's toYAML is gopkg.in/yaml.v2's Marshal (then TrimSpace): this writes the same text for the
// values templates hold. yaml.v2's rules: map keys in its "natural" order (digit runs compared as numbers,
// letters after other characters); sequences inside a map are not indented; a string that would read back as
// another type (YAML 1.1: y/n/yes/no/on/off, null, ~, numbers, timestamps) is double-quoted; one that cannot be
// plain (libyaml's scalar analysis: indicators, ": ", " #", edge spaces) is single-quoted; multi-line strings
// are literal blocks; floats use Go's shortest 'g' form.
import { goSprintf } from './go-format.js';
import { kindOf, mapEntries, numberValue, structFields } from './values.js';

const isLetter = (c: string) => /\p{L}/u.test(c);
const isDigit = (c: string) => c >= '0' && c <= '9';

/** yaml.v2's keyList.Less for string keys. */
export function yamlKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = isLetter(ar[i]!);
    const bl = isLetter(br[i]!);
    if (al && bl) return ar[i]! < br[i]!;
    if (al || bl) return bl;
    let an = 0;
    let bn = 0;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]!); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]!); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]!); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i]! < br[i]!;
  }
  return ar.length < br.length;
}

const YAML11_BOOL_NULL = new Set([
  'y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE',
  'on', 'On', 'ON', 'off', 'Off', 'OFF', '', '~', 'null', 'Null', 'NULL', '<<',
]);

/** Would yaml.v2's resolve("", s) give something other than a string (or is it a base-60 float)? */
function resolvesAsNonString(s: string): boolean {
  if (YAML11_BOOL_NULL.has(s)) return true;
  if (/^[-+]?(\.inf|\.Inf|\.INF)$/.test(s) || /^(\.nan|\.NaN|\.NAN)$/.test(s)) return true;
  const plain = s.replace(/_/g, '');
  if (/^[-+]?[0-9]+$/.test(plain)) return true;
  if (/^[-+]?0x[0-9a-fA-F]+$/.test(plain) || /^[-+]?0b[01]+$/.test(plain) || /^[-+]?0o?[0-7]+$/.test(plain)) return true;
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain)) return true;
  if (/^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/.test(s)) return true; // base 60
  if (/^\d{4}-\d\d?-\d\d?([Tt ]|$)/.test(s)) return true; // timestamps
  return false;
}

/** libyaml's yaml_emitter_analyze_scalar, reduced to: may this string be written plain in block context? */
function plainAllowed(s: string): boolean {
  if (s.length === 0) return false;
  const chars = [...s];
  if (chars[0] === ' ' || chars.at(-1) === ' ' || /^[\t]|[\t]$/.test(s)) return false;
  if (s.startsWith('---') || s.startsWith('...')) return false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const next = chars[i + 1];
    const followedBySpace = next === undefined || next === ' ' || next === '\t';
    const cp = c.codePointAt(0)!;
    if ((cp < 0x20 && c !== '\t') || cp === 0x7f || cp === 0xfeff) return false;
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) return false;
      if ((c === '?' || c === ':') && followedBySpace) return false;
      if (c === '-' && followedBySpace) return false;
    } else {
      if (c === ':' && followedBySpace) return false;
      if (c === '#' && (chars[i - 1] === ' ' || chars[i - 1] === '\t')) return false;
    }
  }
  return true;
}

function doubleQuoted(s: string): string {
  let out = '"';
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else if (c === '\r') out += '\\r';
    else if (c === '\0') out += '\\0';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).toUpperCase().padStart(2, '0');
    else if (cp === 0xfeff) out += '\\uFEFF';
    else out += c;
  }
  return out + '"';
}

/** A string scalar on one line (keys, and values without line breaks). */
function inlineString(s: string): string {
  if (resolvesAsNonString(s)) return doubleQuoted(s);
  if (plainAllowed(s)) return s;
  if ([...s].some((c) => c.codePointAt(0)! < 0x20 && c !== '\t')) return doubleQuoted(s);
  return `'${s.replace(/'/g, "''")}'`;
}

function floatText(f: number): string {
  if (Number.isNaN(f)) return '.nan';
  if (!Number.isFinite(f)) return f > 0 ? '.inf' : '-.inf';
  return goSprintf('%v', [f]).replace(/^(-?\d+)$/, '$1');
}

function scalar(v: unknown): string | undefined {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return 'null';
    case 'bool':
      return v ? 'true' : 'false';
    case 'int':
    case 'uint':
      return String(v);
    case 'float':
      return floatText(numberValue(v));
    default:
      return undefined;
  }
}

function sortedEntries(v: unknown): [string, unknown][] {
  if (kindOf(v) === 'struct') return structFields(v as object).map(([k, x]) => [k.toLowerCase(), x]);
  return [...mapEntries(v as object)].sort(([a], [b]) => (yamlKeyLess(a, b) ? -1 : yamlKeyLess(b, a) ? 1 : 0));
}

/** A literal block for a multi-line string, as libyaml writes it after "key: " or "- ". */
function literal(s: string, indent: string): string {
  const chomp = s.endsWith('\n') ? (s.endsWith('\n\n') ? '+' : '') : '-';
  const body = chomp === '-' ? s : s.replace(/\n$/, chomp === '+' ? '\n' : '');
  const lead = s.startsWith(' ') ? '2' : '';
  return `|${lead}${chomp}\n` + body.split('\n').map((l) => (l === '' ? '' : indent + l)).join('\n');
}

function node(v: unknown, indent: string): { inline: string } | { block: string } {
  const sc = scalar(v);
  if (sc !== undefined) return { inline: sc };
  const k = kindOf(v);
  if (k === 'string') {
    const s = v as string;
    if (s.includes('\n') && ![...s].some((c) => c.codePointAt(0)! < 0x20 && c !== '\n' && c !== '\t')) return { inline: literal(s, indent + '  ') };
    return { inline: s.includes('\n') ? doubleQuoted(s) : inlineString(s) };
  }
  if (k === 'slice') {
    const items = [...(v as unknown[])];
    if (items.length === 0) return { inline: '[]' };
    return { block: items.map((x) => '- ' + item(x, indent + '  ')).join('\n' + indent) };
  }
  if (k === 'map' || k === 'struct') {
    const e = sortedEntries(v);
    if (e.length === 0) return { inline: '{}' };
    return {
      block: e
        .map(([key, x]) => {
          const n = node(x, indent);
          const ks = inlineString(key);
          if ('inline' in n) return `${ks}: ${n.inline}`;
          const isSeq = kindOf(x) === 'slice';
          // Sequences under a key stay at the key's indentation (yaml.v2); maps go two deeper.
          const childIndent = isSeq ? indent : indent + '  ';
          const child = node(x, childIndent) as { block: string };
          return `${ks}:\n${childIndent}${child.block}`;
        })
        .join('\n' + indent),
    };
  }
  throw new Error(`cannot marshal type: ${k}`);
}

/** The text after "- " for a sequence item (maps and sequences continue on the same line). */
function item(v: unknown, indent: string): string {
  const n = node(v, indent);
  return 'inline' in n ? n.inline : n.block;
}

export function toYamlText(v: unknown): string {
  const n = node(v, '');
  return 'inline' in n ? n.inline : n.block;
}
