// Builds the browser app into dist/web: esbuild bundles app/main.tsx (Preact, JSX) and app/styles.css into
// content-hashed files under assets/, writes index.html naming them, and stores a .br and a .gz of every text
// file next to it (node:zlib, maximum levels) so the agent never compresses at request time. Offline: nothing
// here fetches anything.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await build({
  entryPoints: { app: join(root, 'app', 'main.tsx'), style: join(root, 'app', 'styles.css') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  entryNames: '[name]-[hash]',
  outdir: join(out, 'assets'),
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((n) => n.startsWith('app-') && n.endsWith('.js'));
const css = outputs.find((n) => n.startsWith('style-') && n.endsWith('.css'));
if (!js || !css) throw new Error(`esbuild wrote ${outputs.join(', ')}: no app or style output`);

// No inline script or style: the CSP allows only files from the agent's origin. __CONTENT_PATH__ is replaced
// by the agent (ui_config.content_path) when it loads the file.
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Conclave</title>
<link rel="stylesheet" href="__CONTENT_PATH__assets/${css}">
<script type="module" src="__CONTENT_PATH__assets/${js}"></script>
</head>
<body>
<noscript>The Conclave UI needs JavaScript. The HTTP API is at /v1/.</noscript>
<div id="app"></div>
</body>
</html>
`;
writeFileSync(join(out, 'index.html'), html);

for (const name of readdirSync(join(out, 'assets'))) {
  if (!/\.(js|css)$/.test(name)) continue;
  const file = join(out, 'assets', name);
  const bytes = readFileSync(file);
  writeFileSync(`${file}.gz`, gzipSync(bytes, { level: 9 }));
  writeFileSync(`${file}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
}
writeFileSync(join(out, 'manifest.json'), JSON.stringify({ initial: [js], css: [css] }, null, 2) + '\n');
