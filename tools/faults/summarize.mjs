#!/usr/bin/env node
// Sums up the logs of a campaign (one `run.mjs` output per file) into the table docs/reliability.md keeps: per
// nemesis, how many faults, how long under it (fault windows), the median recovery figures, and every anomaly.
//
//   node tools/faults/summarize.mjs /tmp/campaign-*.log
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
const rows = new Map();
const anomalies = [];
let runs = 0;
let seconds = 0;
let ops = 0;
const median = (l) => {
  const s = l.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const total = /seconds without an acknowledged write: \d+ of (\d+)/.exec(text);
  if (!total) {
    anomalies.push(`${f}: the run did not finish (no summary line)`);
    continue;
  }
  runs++;
  seconds += Number(total[1]);
  for (const m of text.matchAll(/^(register): (\d+) ops|^(append-set): (\d+) adds acknowledged|^(locks): (\d+) acquisitions|^(watch): (\d+) writes|^(catalog): (\d+) registrations/gm)) ops += Number(m.slice(1).filter((x) => x && /^\d+$/.test(x))[0]);
  for (const line of text.split('\n')) {
    const c = line.split('|').map((x) => x.trim());
    if (c.length === 8) c.splice(3, 0, ''); // a log from before the window column: window unknown
    if (c.length < 9 || c[1] === 'nemesis' || c[1].startsWith('---') || c[2].startsWith('SKIPPED')) continue;
    const r = rows.get(c[1]) ?? { n: 0, window: 0, toWrite: [], healWrite: [], healFull: [], unavail: [] };
    r.n++;
    if (c[3] === '') r.unknownWindows = (r.unknownWindows ?? 0) + 1;
    else r.window += Number(c[3]);
    r.toWrite.push(Number(c[4]));
    r.healWrite.push(Number(c[5]));
    r.healFull.push(c[6] === 'never' ? Infinity : Number(c[6]));
    r.unavail.push(Number(c[7]));
    rows.set(c[1], r);
  }
  const seed = /replay the schedule with: (.*)$/m.exec(text)?.[1];
  for (const m of text.matchAll(/^ANOMALY: (.*)$/gm)) anomalies.push(`${m[1]} (${seed ?? f})`);
}
console.log(`${runs} runs, ${(seconds / 3600).toFixed(2)} h, ${ops} workload operations (register operations, plus acknowledged adds, lock acquisitions, watched writes and registrations)\n`);
console.log('| nemesis | faults | hours under it | median fault → write (ms) | median heal → write (ms) | median heal → full recovery (ms) | worst heal → full recovery (ms) | median unavailable s/min |');
console.log('|---|--:|--:|--:|--:|--:|--:|--:|');
for (const [k, r] of rows) {
  const worst = Math.max(...r.healFull);
  console.log(`| ${k} | ${r.n} | ${(r.window / 3600).toFixed(2)}${r.unknownWindows ? ` (+${r.unknownWindows} of unlogged length)` : ''} | ${median(r.toWrite).toFixed(0)} | ${median(r.healWrite).toFixed(0)} | ${median(r.healFull).toFixed(0)} | ${Number.isFinite(worst) ? worst.toFixed(0) : 'never'} | ${median(r.unavail).toFixed(1)} |`);
}
console.log(`\nanomalies: ${anomalies.length ? '' : 'none'}`);
for (const a of anomalies) console.log(`- ${a}`);
