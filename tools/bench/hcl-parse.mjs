#!/usr/bin/env node
// HCL parse speed of the built @conclave/hcl over packages/hcl's Consul agent corpus (configuration as people write
// it), next to two baselines measured in the same run: JSON.parse of the same data written as JSON (the floor for
// a configuration parser in JavaScript), and Go's hashicorp/hcl (tools/go-hcl, when `go` and Debian's
// golang-github-hashicorp-hcl-dev are installed; one process decodes the corpus R times, minus a run with R = 1).
// Usage: npx tsup in packages/hcl, then node tools/bench/hcl-parse.mjs [--rounds 2000]
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseHcl } from '@conclave/hcl';
import { buildGoTool } from '@conclave/test-support/go-tool';

const args = process.argv.slice(2);
const i = args.indexOf('--rounds');
const ROUNDS = i >= 0 ? Number(args[i + 1]) : 2000;
const dir = join(dirname(fileURLToPath(import.meta.url)), '../../packages/hcl/test/corpus/consul-agent');
const files = readdirSync(dir).sort().map((f) => readFileSync(join(dir, f)));
const bytes = files.reduce((n, f) => n + f.length, 0);
const asJson = files.map((f) => JSON.stringify(parseHcl(f).root));

function time(label, run, size = bytes) {
  for (let r = 0; r < Math.min(200, ROUNDS); r++) run();
  const t0 = performance.now();
  for (let r = 0; r < ROUNDS; r++) run();
  const ms = performance.now() - t0;
  const perFile = (ms * 1000) / (ROUNDS * files.length);
  console.log(`${label.padEnd(34)} ${perFile.toFixed(1).padStart(7)} µs per file  ${((size * ROUNDS) / (ms / 1000) / 1e6).toFixed(1).padStart(5)} MB/s`);
}

console.log(`${files.length} Consul agent files, ${bytes} bytes, ${ROUNDS} rounds`);
time('@conclave/hcl parseHcl', () => {
  for (const f of files) parseHcl(f);
});
time(
  'JSON.parse (same data as JSON)',
  () => {
    for (const j of asJson) JSON.parse(j);
  },
  asJson.reduce((n, j) => n + Buffer.byteLength(j), 0),
);

let go;
try {
  go = buildGoTool('go-hcl', { debianPackages: [{ importPath: 'github.com/hashicorp/hcl', debian: 'golang-github-hashicorp-hcl-dev' }] });
} catch (err) {
  console.log(`hashicorp/hcl (Go): skipped, ${err.message}`);
}
if (go) {
  const cases = (rounds) => Array.from({ length: rounds }, () => files.map((f, n) => ({ name: String(n), srcBase64: f.toString('base64') }))).flat();
  const run = (rounds) => {
    const t0 = performance.now();
    go.runJson(cases(rounds));
    return performance.now() - t0;
  };
  run(1);
  const rounds = Math.min(ROUNDS, 500);
  const ms = run(rounds) - run(1);
  const perFile = (ms * 1000) / ((rounds - 1) * files.length);
  console.log(`${'hashicorp/hcl Decode (Go, + JSON io)'.padEnd(34)} ${perFile.toFixed(1).padStart(7)} µs per file  ${((bytes * (rounds - 1)) / (ms / 1000) / 1e6).toFixed(1).padStart(5)} MB/s`);
  go.dispose();
}
