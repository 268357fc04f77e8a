#!/usr/bin/env node
// The long fuzz campaign: `npm run fuzz -- --minutes 30 [--runs 2000] [--only http]`. Runs every fuzz suite
// (test files named fuzz-*.test.ts) round after round with a new seed each round and more cases than npm test's
// fixed budget, until the time is up. A failing round prints the suite, the seed and fast-check's shrunk
// counterexample, and the campaign exits 1: turn the counterexample into a regression test beside the suite.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const minutes = Number(opt('minutes', '5'));
const runs = Number(opt('runs', '2000'));
const only = opt('only', '');

function suites() {
  const out = [];
  for (const top of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, top))) {
      const dir = join(root, top, name, 'test');
      if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
      for (const f of readdirSync(dir)) if (/^fuzz-.*\.test\.ts$/.test(f) && f.includes(only)) out.push({ project: join(root, top, name), file: join('test', f) });
    }
  }
  return out;
}

const list = suites();
if (list.length === 0) {
  console.error(`no fuzz suites match "${only}"`);
  process.exit(2);
}
const deadline = Date.now() + minutes * 60_000;
let round = 0;
const tally = new Map();
while (Date.now() < deadline) {
  for (const s of list) {
    if (Date.now() >= deadline) break;
    const seed = (Date.now() ^ (round * 2654435761)) >>> 0;
    const started = Date.now();
    const r = spawnSync('npx', ['vitest', 'run', s.file], {
      cwd: s.project,
      env: { ...process.env, FUZZ_SEED: String(seed), FUZZ_RUNS: String(runs) },
      encoding: 'utf8',
    });
    const name = relative(root, join(s.project, s.file));
    const t = tally.get(name) ?? { rounds: 0, ms: 0 };
    tally.set(name, { rounds: t.rounds + 1, ms: t.ms + (Date.now() - started) });
    if (r.status !== 0) {
      console.error(`FAILED ${name} with FUZZ_SEED=${seed} FUZZ_RUNS=${runs}\n${r.stdout}\n${r.stderr}`);
      process.exit(1);
    }
    console.log(`ok ${name} seed=${seed} runs=${runs} (${Date.now() - started} ms)`);
  }
  round++;
}
console.log('\nsuite | rounds | cases | minutes');
for (const [name, t] of tally) console.log(`${name} | ${t.rounds} | ${t.rounds * runs} | ${(t.ms / 60_000).toFixed(1)}`);
