#!/usr/bin/env node
// What a V8 heap snapshot holds, by constructor: count and self size of the objects of each (type, name), largest
// first. Given two snapshots (the agent's and the bare baseline's, blocking-scale.mjs --heap), prints both side by
// side per parked query (--per N), which tells what the agent adds per parked query over Node's own objects.
// Usage: node tools/bench/heap-by-constructor.mjs a.heapsnapshot [b.heapsnapshot] [--per 10000] [--top 40]
import { readFileSync } from 'node:fs';
import { opt } from './lib.mjs';

const files = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !(all[i - 1] ?? '').startsWith('--'));
const per = Number(opt('per', '1'));
const top = Number(opt('top', '40'));

function byConstructor(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const width = fields.length;
  const nodes = snap.nodes;
  const out = new Map();
  let total = 0;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + iType]];
    // Strings, numbers and code are grouped by type; objects, closures and native objects by their name.
    const name = type === 'object' || type === 'closure' || type === 'native' ? `${type} ${snap.strings[nodes[i + iName]]}` : `(${type})`;
    const size = nodes[i + iSize];
    total += size;
    const e = out.get(name) ?? { count: 0, size: 0 };
    e.count++;
    e.size += size;
    out.set(name, e);
  }
  return { out, total };
}

const runs = files.map(byConstructor);
const names = new Set(runs.flatMap((r) => [...r.out.keys()]));
const rows = [...names].map((name) => ({ name, cells: runs.map((r) => r.out.get(name) ?? { count: 0, size: 0 }) }));
// Largest difference first when comparing, else largest.
const key = (row) => (runs.length > 1 ? row.cells[0].size - row.cells[1].size : row.cells[0].size);
rows.sort((a, b) => key(b) - key(a));
const head = files.map((f) => `${f.split('/').pop()}: count/${per}, bytes/${per}`).join(' | ');
console.log(`| constructor | ${head} |`);
console.log(`|---|${files.map(() => '--:').join('|')}|`);
for (const row of rows.slice(0, top)) {
  console.log(`| ${row.name} | ${row.cells.map((c) => `${(c.count / per).toFixed(2)}, ${(c.size / per).toFixed(0)}`).join(' | ')} |`);
}
console.log(`| total self size | ${runs.map((r) => `${(r.total / per).toFixed(0)}`).join(' | ')} |`);
