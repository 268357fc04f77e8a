// Node built-ins that an idle agent does not need, each required where it is first used instead of imported at
// the top of a module (an import loads it with the package, whether used or not). On Node 24 each costs an agent
// megabytes of RSS at load (docs/benchmarks.md: tls +7.5 MB, https as much again with http, zlib +1.9, crypto
// +4.8) — most agents never dial TLS, gzip a snapshot, hash a token or check a certificate. Node caches modules, so later calls cost a lookup. Import the types
// with `import type`, the values through here. (child_process is not here: net's first listen loads it anyway,
// through cluster.)
import { createRequire } from 'node:module';

const nodeRequire = createRequire(import.meta.url);

export const lazyNode = {
  tls: () => nodeRequire('node:tls') as typeof import('node:tls'),
  https: () => nodeRequire('node:https') as typeof import('node:https'),
  zlib: () => nodeRequire('node:zlib') as typeof import('node:zlib'),
  crypto: () => nodeRequire('node:crypto') as typeof import('node:crypto'),
};
