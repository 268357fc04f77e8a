// Tests import sibling packages from source, so a package's tests never need the others built first.
// Each alias matches the whole specifier: `@conclave/x` is src/index.ts and `@conclave/x/internal` (where a
// package has that subpath) src/internal.ts, never a prefix of another name.
import { readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export function conclaveAliases(): Array<{ find: RegExp; replacement: string }> {
  const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'packages');
  const aliases: Array<{ find: RegExp; replacement: string }> = [];
  for (const name of readdirSync(dir)) {
    for (const [subpath, file] of [['', 'index.ts'], ['/internal', 'internal.ts']] as const) {
      const entry = join(dir, name, 'src', file);
      if (existsSync(entry)) aliases.push({ find: new RegExp(`^@conclave/${name}${subpath}$`), replacement: entry });
    }
  }
  return aliases;
}
