// Tests import sibling packages from source, so a package's tests never need the others built first.
import { readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export function conclaveAliases(): Record<string, string> {
  const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'packages');
  const aliases: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const entry = join(dir, name, 'src', 'index.ts');
    if (existsSync(entry)) aliases[`@conclave/${name}`] = entry;
  }
  return aliases;
}
