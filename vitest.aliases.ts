// Tests import sibling packages from source, so a package's tests never need the others built first.
// Each alias matches a whole specifier: `@conclave/x` is src/index.ts, and every subpath a package exports
// (`@conclave/x/internal`, `@conclave/agent/version`) the src file of the same name, never a prefix of another.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export function conclaveAliases(): Array<{ find: RegExp; replacement: string }> {
  const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'packages');
  const aliases: Array<{ find: RegExp; replacement: string }> = [];
  for (const name of readdirSync(dir)) {
    const manifest = join(dir, name, 'package.json');
    if (!existsSync(manifest)) continue;
    const exportsMap = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, unknown> }).exports ?? {};
    for (const subpath of Object.keys(exportsMap)) {
      const file = subpath === '.' ? 'index' : subpath.slice(2);
      const entry = join(dir, name, 'src', `${file}.ts`);
      if (existsSync(entry)) aliases.push({ find: new RegExp(`^@conclave/${name}${subpath.slice(1)}$`), replacement: entry });
    }
  }
  return aliases;
}
