#!/usr/bin/env node
// What an idle full GC does to `process.nextTick`, with and without toolkit's keepTickObjectShape (one queue
// entry kept alive so V8 keeps its hidden class; packages/toolkit/src/tick-object-shape.ts says why). Each case
// runs in its own `node --expose-gc` child: 300,000 ticks warm, then rounds of "idle 20 ms + two full GCs + 20,000
// ticks", then 300,000 ticks again. The baseline is the same child without the keeper.
// Usage: node tools/bench/tick-shape.mjs [--rounds 8]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { opt } from './lib.mjs';

const rounds = Number(opt('rounds', '8'));
const toolkit = fileURLToPath(new URL('../../packages/toolkit/dist/index.js', import.meta.url));

const child = `
const keep = process.argv[1] === 'keep';
if (keep) (await import(process.argv[2])).keepTickObjectShape();
const rounds = Number(process.argv[3]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function ticks(n) {
  return new Promise((resolve) => {
    let i = 0;
    const t0 = process.hrtime.bigint();
    const f = () => (++i < n ? process.nextTick(f) : resolve(Number(process.hrtime.bigint() - t0) / n));
    process.nextTick(f);
  });
}
await ticks(300000);
const warm = await ticks(300000);
const afterIdle = [];
for (let r = 0; r < rounds; r++) {
  await sleep(20);
  globalThis.gc();
  globalThis.gc();
  afterIdle.push(await ticks(20000));
}
const final = await ticks(300000);
console.log(JSON.stringify({ warm, afterIdle, final }));
`;

function run(mode) {
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', child, mode, toolkit, String(rounds)], { encoding: 'utf8' });
  return JSON.parse(out);
}

const rows = [
  ['without the keeper (bare Node)', run('bare')],
  ['with keepTickObjectShape()', run('keep')],
];
console.log(`\nprocess.nextTick cost (ns per tick), node ${process.version}; ${rounds} rounds of idle + 2 full GCs\n`);
console.log('| process | warm | after idle GCs (min–max) | after, 300,000 ticks |');
console.log('|---|--:|--:|--:|');
for (const [name, r] of rows) {
  console.log(`| ${name} | ${r.warm.toFixed(0)} | ${Math.min(...r.afterIdle).toFixed(0)}–${Math.max(...r.afterIdle).toFixed(0)} | ${r.final.toFixed(0)} |`);
}
