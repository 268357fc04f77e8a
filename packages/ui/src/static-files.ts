// The UI's files as a table built once from a directory: a request is answered only for a name in the table,
// never by joining its path onto the directory, so `..`, encoded slashes or symlink tricks cannot reach
// anything else. Each file remembers its pre-compressed siblings (`x.js.br`, `x.js.gz`) for negotiation.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface StaticFile {
  /** Path on disk. */
  path: string;
  /** Sibling paths holding the same bytes compressed, when the build wrote them. */
  br?: string;
  gzip?: string;
  contentType: string;
  /** Content-hashed names never change content: cached for a year, immutable. */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  woff2: 'font/woff2',
  woff: 'font/woff',
  txt: 'text/plain; charset=utf-8',
  map: 'application/json',
};

/** `app-3F9KQ2ZP.js`: esbuild's [name]-[hash] (8 base32 characters) or any 8+ character hash before the type. */
const HASHED = /[.-][A-Za-z0-9]{8,}\.[a-z0-9]+$/;

/** Walks `dir` (relative names with `/`), up to `limit` files so a mistaken -ui-dir of `/` cannot stall start. */
export function scanStaticFiles(dir: string, limit = 20_000): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const all = new Set<string>();
  const walk = (abs: string, rel: string): void => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (all.size >= limit) return;
      const r = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const a = join(abs, entry.name);
      if (entry.isDirectory()) walk(a, r);
      else if (entry.isFile() || (entry.isSymbolicLink() && statSync(a).isFile())) all.add(r);
    }
  };
  walk(dir, '');
  for (const rel of all) {
    if (rel.endsWith('.br') || rel.endsWith('.gz')) continue;
    const ext = rel.slice(rel.lastIndexOf('.') + 1).toLowerCase();
    files.set(rel, {
      path: join(dir, rel),
      br: all.has(`${rel}.br`) ? join(dir, `${rel}.br`) : undefined,
      gzip: all.has(`${rel}.gz`) ? join(dir, `${rel}.gz`) : undefined,
      contentType: TYPES[ext] ?? 'application/octet-stream',
      immutable: rel.startsWith('assets/') && HASHED.test(rel),
    });
  }
  return files;
}

/** br when the client takes it, then gzip, else identity (q=0 refuses a coding). */
export function negotiateEncoding(acceptEncoding: string | undefined, file: StaticFile): 'br' | 'gzip' | undefined {
  if (!acceptEncoding) return undefined;
  const accepted = new Set<string>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q && Number(q.slice(2)) === 0) continue;
    accepted.add(name!);
  }
  if (file.br && (accepted.has('br') || accepted.has('*'))) return 'br';
  if (file.gzip && (accepted.has('gzip') || accepted.has('*'))) return 'gzip';
  return undefined;
}
