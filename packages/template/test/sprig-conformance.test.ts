// sprig_* against Masterminds/sprig itself: tools/go-sprig (Go's text/template + sprig.TxtFuncMap() under the
// sprig_ prefix, as consul-template registers it) renders every case of sprig-cases.ts, and Conclave's output or
// error message must be identical.
import { afterAll, describe, expect, it } from 'vitest';
import { buildGoTool } from '@conclave/test-support/go-tool';
import { parseTemplate } from '../src/internal.js';
import { sprigFuncs } from '../src/sprig.js';
import { spewSdump, spewSprintf } from '../src/spew.js';
import { fn } from '../src/func-spec.js';
import { helperFuncs } from '../src/helpers.js';
import { SPRIG_CASES } from './sprig-cases.js';

// Go formats sprig's dates in the machine's zone, Conclave in UTC: the oracle runs in UTC.
process.env.TZ = 'UTC';
const tool = buildGoTool('go-sprig', {
  debianPackages: [
    { importPath: 'github.com/Masterminds/sprig', debian: 'golang-github-masterminds-sprig-dev' },
    { importPath: 'github.com/davecgh/go-spew', debian: 'golang-github-davecgh-go-spew-dev' },
    { importPath: 'github.com/BurntSushi/toml', debian: 'golang-github-burntsushi-toml-dev' },
    { importPath: 'gopkg.in/yaml.v2', debian: 'golang-gopkg-yaml.v2-dev' },
  ],
});
afterAll(() => tool.dispose());

describe('sprig_* conformance with Masterminds/sprig', () => {
  const go = tool.runJson(SPRIG_CASES) as { output?: string; error?: string }[];
  const funcs = {
    ...sprigFuncs({ now: () => new Date(0), env: () => ({}) }),
    toYAML: helperFuncs().toYAML!,
    toTOML: helperFuncs().toTOML!,
    parseYAML: helperFuncs().parseYAML!,
    spew_sdump: fn([], (...a: unknown[]) => spewSdump(a), 'any'),
    spew_sprintf: fn(['string'], (f: string, ...a: unknown[]) => spewSprintf(f, a), 'any'),
  };
  it.each(SPRIG_CASES.map((c, i) => [c.name, c.template, i] as const))('%s: %s', (_n, template, i) => {
    const c = SPRIG_CASES[i]!;
    let ours: { output?: string; error?: string };
    try {
      ours = { output: parseTemplate('t', template, { funcs }).execute(c.data) };
    } catch (e) {
      ours = { error: (e as Error).message };
    }
    expect(ours).toEqual(go[i]);
  });
});
