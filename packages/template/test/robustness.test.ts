// Bad input never crashes: every failure is a typed template error.
import { describe, expect, it } from 'vitest';
import { TemplateExecError, TemplateParseError, parseConsulTemplate, parseTemplate, DependencyStore } from '../src/internal.js';

function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof TemplateParseError) return 'parse';
    if (e instanceof TemplateExecError) return 'exec';
    throw e;
  }
}

describe('robustness', () => {
  it('bounds parse nesting and template recursion', () => {
    expect(() => parseTemplate('t', '{{' + '('.repeat(5000) + '1' + ')'.repeat(5000) + '}}')).toThrow('template: t:1: max expression depth exceeded');
    expect(() => parseTemplate('t', '{{if 1}}'.repeat(5000) + '{{end}}'.repeat(5000))).toThrow(TemplateParseError);
    expect(() => parseTemplate('t', '{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}').execute({})).toThrow(
      'exceeded maximum template depth (200)',
    );
    expect(parseTemplate('t', '{{if 1}}'.repeat(299) + 'x' + '{{end}}'.repeat(299)).execute({})).toBe('x');
  });

  it('random template text yields output or a typed error (seeded fuzz)', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const atoms = ['{{', '}}', '{{-', '-}}', ' ', '.', '.a', '.b.c', '$', '$x', ':=', '=', '|', '(', ')', '"s"', '`r`', "'c'", '1', '-2', '3.5', 'if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue', 'nil', 'true', 'len', 'index', 'printf', 'eq', 'lt', 'and', 'or', 'not', 'slice', 'print', '/*', '*/', ',', 'x', '\n', 'é', 'key', 'service', 'toJSON', 'split', '"web"'];
    const data = { a: [1, 'two', null, { c: 3 }], b: { c: 'd' }, n: null };
    const counts: Record<string, number> = {};
    for (let i = 0; i < 3000; i++) {
      let text = '';
      const n = 1 + rand(14);
      for (let j = 0; j < n; j++) text += atoms[rand(atoms.length)];
      const r = outcome(() => parseTemplate('fuzz', text).execute(data));
      counts[r] = (counts[r] ?? 0) + 1;
      const c = outcome(() => parseConsulTemplate('fuzz', text).render(new DependencyStore()));
      counts['ct-' + c] = (counts['ct-' + c] ?? 0) + 1;
    }
    expect(counts.ok).toBeGreaterThan(0);
    expect(counts.parse).toBeGreaterThan(0);
  });
});
