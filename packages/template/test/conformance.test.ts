// Every case in test/conformance/*.json is rendered by Go's text/template (tools/go-template) and by
// Conclave; output, or error message, must be identical. See docs/template.md for the data mapping.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTemplate } from '../src/internal.js';
import { ConformanceCase, GoOracle, GoResult } from './go-oracle.js';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'conformance');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const suites = files.map((f) => ({ file: f, cases: JSON.parse(readFileSync(join(dir, f), 'utf8')) as ConformanceCase[] }));
const all = suites.flatMap((s) => s.cases);

function conclave(c: ConformanceCase): GoResult {
  try {
    const t = parseTemplate(c.tname ?? 't', c.template, {
      leftDelim: c.leftDelim,
      rightDelim: c.rightDelim,
      missingKey: c.missingKey,
    });
    return { output: t.execute(c.data) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

let oracle: GoOracle;
const expected = new Map<ConformanceCase, GoResult>();

beforeAll(() => {
  oracle = GoOracle.build();
  const results = oracle.render(all);
  all.forEach((c, i) => expected.set(c, results[i]!));
}, 180_000);

afterAll(() => oracle?.dispose());

it('has several hundred cases', () => {
  expect(all.length).toBeGreaterThanOrEqual(300);
  const names = new Set<string>();
  for (const s of suites) for (const c of s.cases) {
    const key = `${s.file}:${c.name}`;
    expect(names.has(key), `duplicate case ${key}`).toBe(false);
    names.add(key);
  }
});

for (const s of suites) {
  describe(s.file, () => {
    for (const c of s.cases) {
      it(c.name, () => {
        expect(conclave(c)).toEqual(expected.get(c));
      });
    }
  });
}
