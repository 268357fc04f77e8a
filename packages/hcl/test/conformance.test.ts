// Every file under test/corpus/ is decoded by hashicorp/hcl 1.0.0 (tools/go-hcl, Debian's
// golang-github-hashicorp-hcl-dev, the parser Consul's config.Parse calls) and by @conclave/hcl: the same data,
// or the same error text (`At line:col: ...`), or a panic in Go and an error here. consul-agent/ and
// consul-services/ are configuration as people write it for Consul, edge/ the corners of the language,
// json-dialect/ text starting with "{" (which hcl.Decode reads as its JSON dialect), broken/ inputs both must
// refuse.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conclaveDecode, GoHcl, type GoDecodeResult } from './go-oracle.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), 'corpus');
const groups = readdirSync(root).sort();
const files = groups.flatMap((group) =>
  readdirSync(join(root, group))
    .filter((f) => f.endsWith('.hcl'))
    .sort()
    .map((name) => ({ group, name, src: readFileSync(join(root, group, name)) })),
);


let go: GoHcl;
const expected = new Map<string, GoDecodeResult>();

beforeAll(() => {
  go = GoHcl.build();
  const results = go.decode(files.map((f) => f.src));
  files.forEach((f, i) => expected.set(`${f.group}/${f.name}`, results[i]!));
}, 180_000);

afterAll(() => go?.dispose());

it('has several dozen files in each part of the corpus', () => {
  const count = (g: string) => files.filter((f) => f.group === g).length;
  expect(count('consul-agent')).toBeGreaterThanOrEqual(30);
  expect(count('consul-services')).toBeGreaterThanOrEqual(15);
  expect(count('edge')).toBeGreaterThanOrEqual(20);
  expect(count('broken')).toBeGreaterThanOrEqual(30);
  expect(count('json-dialect')).toBeGreaterThanOrEqual(5);
});

for (const group of groups) {
  describe(group, () => {
    for (const f of files.filter((x) => x.group === group)) {
      it(f.name, () => {
        const want = expected.get(`${group}/${f.name}`)!;
        if (group === 'broken') expect(want.value, 'hashicorp/hcl accepts this file').toBeUndefined();
        if (group.startsWith('consul-')) expect(want.error ?? want.panic, 'hashicorp/hcl refuses this file').toBeUndefined();
        expect(conclaveDecode(f.src)).toEqual(want);
      });
    }
  });
}
