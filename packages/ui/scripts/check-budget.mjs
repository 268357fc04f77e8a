// The UI's size budget, checked on every `npm test`: gzipped JavaScript loaded by index.html ≤ 40 KB, all
// JavaScript of every route ≤ 60 KB, CSS ≤ 10 KB. Prints a table; exits 1 when over.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const web = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'web');
if (!existsSync(join(web, 'manifest.json'))) {
  console.error('ui budget: dist/web is missing; run the build first');
  process.exit(1);
}
const KB = 1024;
const BUDGET = { initial: 40 * KB, all: 60 * KB, css: 10 * KB };
const manifest = JSON.parse(readFileSync(join(web, 'manifest.json'), 'utf8'));
const gz = (name) => gzipSync(readFileSync(join(web, 'assets', name)), { level: 9 }).length;
const assets = readdirSync(join(web, 'assets'));
const sum = (names) => names.reduce((n, f) => n + gz(f), 0);
const rows = [
  ['initial JavaScript', sum(manifest.initial), BUDGET.initial],
  ['all JavaScript', sum(assets.filter((n) => n.endsWith('.js'))), BUDGET.all],
  ['CSS', sum(assets.filter((n) => n.endsWith('.css'))), BUDGET.css],
];
let over = false;
console.log('ui budget (gzip -9)      size      budget');
for (const [what, size, budget] of rows) {
  const bad = size > budget;
  over ||= bad;
  console.log(`${what.padEnd(22)} ${(size / KB).toFixed(1).padStart(6)} KB ${(budget / KB).toFixed(0).padStart(6)} KB${bad ? '  OVER' : ''}`);
}
if (over) {
  console.error('ui budget: over budget');
  process.exit(1);
}
