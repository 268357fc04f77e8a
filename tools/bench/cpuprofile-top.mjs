#!/usr/bin/env node
// The functions a V8 CPU profile (.cpuprofile, from --cpu-prof or stage-probe.mjs) spent its samples in: self
// time per function (name, file:line), as a share of all samples, top N; "(idle)", "(garbage collector)" and
// "(program)" are V8's own buckets.
// Usage: node tools/bench/cpuprofile-top.mjs <file.cpuprofile> [--top 25]
import { readFileSync } from 'node:fs';
import { opt } from './lib.mjs';

const file = process.argv[2];
if (!file || file.startsWith('--')) {
  console.error('usage: node tools/bench/cpuprofile-top.mjs <file.cpuprofile> [--top 25]');
  process.exit(2);
}
const top = Number(opt('top', '25'));
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
// Sample time: timeDeltas[i] is the time before sample i; weigh each sample by the gap after it.
const self = new Map();
let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  const dt = p.timeDeltas[i + 1] ?? 0;
  const n = byId.get(p.samples[i]);
  const cf = n.callFrame;
  const where = cf.url ? `${cf.url.replace(/^.*\/(packages|apps|node_modules)\//, '$1/')}:${cf.lineNumber + 1}` : '';
  const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
  self.set(key, (self.get(key) ?? 0) + dt);
  total += dt;
}
console.log(`${file}: ${(total / 1000).toFixed(0)} ms of samples\n`);
console.log('| self % | self ms | function |');
console.log('|--:|--:|---|');
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`| ${((v / total) * 100).toFixed(1)} | ${(v / 1000).toFixed(1)} | ${k} |`);
}
