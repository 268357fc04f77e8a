// Node built-ins that an idle agent does not need, each required where it is first used instead of imported at
// the top of a module (an import loads it with the package, whether used or not). On Node 24 each costs an agent
// megabytes of RSS at load (docs/benchmarks.md: tls +7.5 MB, https as much again with http, zlib +1.9, crypto
// +4.8) — most agents never dial TLS, gzip a snapshot, hash a token or check a certificate. Import the types
// with `import type`, the values through here. (child_process is not here: net's first listen loads it anyway,
// through cluster.)
import { createRequire } from 'node:module';

const nodeRequire = createRequire(import.meta.url);

/** The module at its first call, kept: later calls (a hashed request, a TLS dial) cost a field read, not a
 * trip through require's resolution. */
function lazy<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= nodeRequire(id) as T);
}

export const lazyNode = {
  tls: lazy<typeof import('node:tls')>('node:tls'),
  https: lazy<typeof import('node:https')>('node:https'),
  zlib: lazy<typeof import('node:zlib')>('node:zlib'),
  crypto: lazy<typeof import('node:crypto')>('node:crypto'),
};
