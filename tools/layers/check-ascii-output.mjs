// Every built module is ASCII. V8 keeps each module's source text in the heap for as long as the process runs
// (lazy compilation and Function.prototype.toString need it), and a source with a single character outside
// Latin-1 is stored two bytes per character: one `≥` in a kept doc comment doubled http-api's 260 KB. esbuild
// escapes such characters in code, but copies comments verbatim, so a comment that reaches the output must
// say `>=`, `->`, `x`, `us`. Run after the build; names each file, line and character.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const problems = [];
let files = 0;
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const dist = join(root, group, name, 'dist');
    if (!existsSync(dist)) continue;
    for (const file of readdirSync(dist)) {
      if (!file.endsWith('.js')) continue;
      files++;
      const path = join(dist, file);
      const lines = readFileSync(path, 'utf8').split('\n');
      lines.forEach((line, i) => {
        const m = /[^\x00-\x7f]/.exec(line);
        if (m) problems.push(`${relative(root, path)}:${i + 1}:${m.index + 1}: ${JSON.stringify(m[0])} (U+${m[0].codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}) in ${JSON.stringify(line.trim().slice(0, 90))}`);
      });
    }
  }
}
if (files === 0) {
  console.error('ASCII check: no built modules found; run the build first');
  process.exit(1);
}
if (problems.length > 0) {
  console.error(`ASCII check: ${problems.length} non-ASCII character(s) in built modules (fix the source comment):\n${problems.join('\n')}`);
  process.exit(1);
}
console.log(`ASCII check: ${files} built modules, all ASCII.`);
