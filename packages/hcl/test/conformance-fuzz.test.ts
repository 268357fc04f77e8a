// Differential fuzzing against hashicorp/hcl: the corpus files, mutated at random (characters deleted, inserted
// from HCL's punctuation, lines duplicated or swapped), decoded by Go (tools/go-hcl) and by @conclave/hcl, which
// must agree on every one: the same data, the same error text and position, or a panic where we report one.
// Seeded, so a failure names a case that replays.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { conclaveDecode, GoHcl, type GoDecodeResult } from './go-oracle.js';

const SEED = Number(process.env.HCL_FUZZ_SEED ?? 20261206);
const PER_FILE = Number(process.env.HCL_FUZZ_PER_FILE ?? 8);

const root = join(fileURLToPath(new URL('.', import.meta.url)), 'corpus');
const sources = readdirSync(root)
  .filter((g) => g !== 'broken')
  .flatMap((g) => readdirSync(join(root, g)).map((f) => ({ name: `${g}/${f}`, src: readFileSync(join(root, g, f)) })));

/** mulberry32 */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INSERTS = ['{', '}', '[', ']', '=', ',', '"', '\\', '\n', ' ', '#', '/', '*', '<<EOF\n', 'EOF\n', '-', '.', '0', '0x', 'e', '$', '${', 'é', ':', 'x', '\t', '\r\n'];

function mutate(src: Buffer, rand: () => number): Buffer {
  let text = src.toString('latin1');
  const edits = 1 + Math.floor(rand() * 3);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * (text.length + 1));
    const kind = rand();
    if (kind < 0.35) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 3));
    else if (kind < 0.8) text = text.slice(0, at) + Buffer.from(INSERTS[Math.floor(rand() * INSERTS.length)]!).toString('latin1') + text.slice(at);
    else {
      const lines = text.split('\n');
      const i = Math.floor(rand() * lines.length);
      const j = Math.floor(rand() * lines.length);
      if (kind < 0.9) lines.splice(j, 0, lines[i]!);
      else [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      text = lines.join('\n');
    }
  }
  return Buffer.from(text, 'latin1');
}

const rand = prng(SEED);
const cases = sources.flatMap((s) => Array.from({ length: PER_FILE }, (_, n) => ({ name: `${s.name}#${n}`, src: mutate(s.src, rand) })));


let go: GoHcl;
let expected: GoDecodeResult[];

beforeAll(() => {
  go = GoHcl.build();
  expected = go.decode(cases.map((c) => c.src));
}, 180_000);

afterAll(() => go?.dispose());

it(`agrees with hashicorp/hcl on ${cases.length} mutated corpus files (seed ${SEED})`, () => {
  const disagreements: string[] = [];
  cases.forEach((c, i) => {
    const want = expected[i]!;
    const got = conclaveDecode(c.src);
    // A panic in Go is an error here; its text is compared only when Go's is its own (not a runtime error's).
    if (want.panic !== undefined && got.panic !== undefined) return;
    try {
      expect(got).toEqual(want);
    } catch {
      disagreements.push(`${c.name}: ${JSON.stringify(c.src.toString('utf8'))}\n  go:   ${JSON.stringify(want)}\n  ours: ${JSON.stringify(got)}`);
    }
  });
  expect(disagreements.slice(0, 5).join('\n')).toBe('');
  // The mutations reach both sides of the parser: many still decode, many are refused.
  const refused = expected.filter((r) => r.value === undefined).length;
  expect(refused / cases.length).toBeGreaterThan(0.2);
  expect(refused / cases.length).toBeLessThan(0.8);
});
