// Serves the web UI from the agent's HTTP listener: `/` redirects to the content path (default `/ui/`), files
// of the build (or of -ui-dir) are answered from a table (static-files.ts), any other path under the content
// path is a route of the single-page app and gets index.html, and /v1/internal/ui/stream is the push stream.
// Every answer carries a Content-Security-Policy that allows nothing but the agent's own origin.

import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type * as http from 'node:http';
import { fileURLToPath } from 'node:url';
import { negotiateEncoding, scanStaticFiles, type StaticFile } from './static-files.js';
import { serveStream, type ApiReader } from './ui-stream.js';

export interface UiHandlerOptions {
  /** ui_config.dir / -ui-dir: serve this build instead of the bundled one. */
  dir?: string;
  /** ui_config.content_path; default `/ui/`. Always starts and ends with `/`. */
  contentPath?: string;
  /** Runs the stream's reads through the agent's own API handler. */
  read: ApiReader;
}

/** The request handler: true when it answered. */
export type UiHandler = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** The bundled build: dist/web next to dist/index.js, or (tests run the source) ../dist/web from src. */
export function bundledUiDir(): string {
  for (const rel of ['./web/', '../dist/web/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  throw new Error('The web UI build is missing (packages/ui/dist/web); run `npm run build`');
}

export function normalizeContentPath(p: string | undefined): string {
  let out = p && p !== '' ? p : '/ui/';
  if (!out.startsWith('/')) out = `/${out}`;
  if (!out.endsWith('/')) out = `${out}/`;
  return out;
}

export function createUiHandler(options: UiHandlerOptions): UiHandler {
  const dir = options.dir ?? bundledUiDir();
  const contentPath = normalizeContentPath(options.contentPath);
  const files = scanStaticFiles(dir);
  const index = files.get('index.html');
  if (!index) throw new Error(`No index.html in the UI directory ${dir}`);
  // The bundled index.html names its assets under __CONTENT_PATH__; a custom build's is served as it is.
  const indexHtml = Buffer.from(readFileSync(index.path, 'utf8').replaceAll('__CONTENT_PATH__', contentPath.replace(/["<>&]/g, '')));

  return (req, res) => {
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const rawPath = qi < 0 ? url : url.slice(0, qi);
    if (rawPath === '/v1/internal/ui/stream') {
      serveStream(req, res, new URLSearchParams(qi < 0 ? '' : url.slice(qi + 1)), options.read);
      return true;
    }
    if (rawPath === '/' || rawPath === contentPath.slice(0, -1)) {
      res.writeHead(301, { Location: contentPath, ...SECURITY_HEADERS });
      res.end();
      return true;
    }
    if (!rawPath.startsWith(contentPath)) return false;
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`method ${req.method} not allowed`);
      return true;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(rawPath.slice(contentPath.length));
    } catch {
      return notFound(res);
    }
    // Dot segments, backslashes and NULs never name a file of ours: refuse them outright rather than
    // normalising (`/ui/../v1/kv` must not become something else).
    if (rel.includes('\\') || rel.includes('\0') || rel.split('/').some((s) => s === '..' || s === '.')) return notFound(res);
    const file = files.get(rel);
    if (file && rel !== 'index.html') {
      void sendFile(req, res, file);
      return true;
    }
    // Missing assets are 404; every other path is an app route (deep link): index.html.
    if (rel.startsWith('assets/')) return notFound(res);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache', 'Content-Length': indexHtml.length });
    res.end(req.method === 'HEAD' ? undefined : indexHtml);
    return true;
  };
}

function notFound(res: http.ServerResponse): true {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('Not Found');
  return true;
}

async function sendFile(req: http.IncomingMessage, res: http.ServerResponse, file: StaticFile): Promise<void> {
  const encoding = negotiateEncoding(req.headers['accept-encoding'], file);
  const path = encoding === 'br' ? file.br! : encoding === 'gzip' ? file.gzip! : file.path;
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    // Removed from a custom -ui-dir since start.
    if (!res.headersSent) notFound(res);
    return;
  }
  const headers: Record<string, string | number> = {
    'Content-Type': file.contentType,
    'Content-Length': body.length,
    'Cache-Control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    Vary: 'Accept-Encoding',
  };
  if (encoding) headers['Content-Encoding'] = encoding;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}
