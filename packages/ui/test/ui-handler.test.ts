// The UI handler over a real HTTP server: redirect, SPA fallback, hashed assets cached immutably, br/gzip
// negotiation, the CSP on every answer, traversal refused, a custom -ui-dir, and the stream over a scripted reader.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as http from 'node:http';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { bundledUiDir, createUiHandler, CONTENT_SECURITY_POLICY, type ApiReader } from '../src/index.js';

let server: http.Server;
let base = '';
const custom = mkdtempSync(join(tmpdir(), 'conclave-ui-'));

const raw = (path: string, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    // Options, not a URL string: a URL would be normalised (`/ui/../x` → `/x`) before it is sent.
    const { hostname, port } = new URL(base);
    const req = http.get({ host: hostname, port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
  });

/** The stream's reads, as the agent's API would answer them: index 5 at once, then a blocking read that only
 * ends when the stream abandons it. */
const reads: Array<{ path: string; headers: Record<string, string>; signal: AbortSignal }> = [];
const scriptedRead: ApiReader = (path, headers, signal) => {
  reads.push({ path, headers, signal });
  if (!path.includes('index=')) return Promise.resolve({ status: 200, headers: { 'x-consul-index': '5', 'content-type': 'application/json' }, body: Buffer.from('["x"]') });
  return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
};

beforeAll(async () => {
  mkdirSync(join(custom, 'assets'));
  writeFileSync(join(custom, 'index.html'), '<html>custom __CONTENT_PATH__</html>');
  writeFileSync(join(custom, 'assets', 'x.js'), 'custom js');
  const bundled = createUiHandler({ read: scriptedRead });
  const other = createUiHandler({ dir: custom, contentPath: 'other', read: scriptedRead });
  server = http.createServer((req, res) => {
    if (bundled(req, res)) return;
    if (other(req, res)) return;
    res.writeHead(404);
    res.end('api 404');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(custom, { recursive: true, force: true });
});

const asset = (ext: string) => readdirSync(join(bundledUiDir(), 'assets')).find((n) => n.endsWith(ext))!;

describe('the UI handler', () => {
  it('redirects / to the content path', async () => {
    const r = await raw('/');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('/ui/');
    expect((await raw('/ui')).headers.location).toBe('/ui/');
  });

  it('answers app routes with index.html, its assets under the content path, and a strict CSP', async () => {
    for (const path of ['/ui/', '/ui/dc1/services', '/ui/dc1/services/a%2Fb%3Cscript%3E', '/ui/dc1/kv/x/y/']) {
      const r = await raw(path);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(r.body.toString()).toContain(`src="/ui/assets/${asset('.js')}"`);
    }
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe|\*|https?:/);
  });

  it('serves hashed assets immutable, br or gzip as the client accepts', async () => {
    const js = asset('.js');
    const plain = readFileSync(join(bundledUiDir(), 'assets', js));
    const br = await raw(`/ui/assets/${js}`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(brotliDecompressSync(br.body).equals(plain)).toBe(true);
    const gz = await raw(`/ui/assets/${js}`, { 'accept-encoding': 'gzip, br;q=0' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(plain)).toBe(true);
    const none = await raw(`/ui/assets/${js}`);
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(none.body.equals(plain)).toBe(true);
    expect(none.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const css = await raw(`/ui/assets/${asset('.css')}`, { 'accept-encoding': 'br' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers 404 for traversal and missing assets, 405 for writes', async () => {
    for (const path of ['/ui/../v1/agent/self', '/ui/%2e%2e/index.html', '/ui/assets/..%2f..%2fpackage.json', '/ui/a/./b', '/ui/assets/nope.js', '/ui/%ZZ', '/ui/a%5c..%5cb'])
    {
      const r = await raw(path);
      expect(r.status, path).toBe(404);
      expect(r.body.toString(), path).toBe('Not Found');
    }
    const post = await new Promise<number>((resolve) => {
      const req = http.request(`${base}/ui/`, { method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.end();
    });
    expect(post).toBe(405);
  });

  it('serves a custom directory under another content path, as it is', async () => {
    const r = await raw('/other/deep/link');
    expect(r.body.toString()).toBe('<html>custom /other/</html>');
    expect((await raw('/other/assets/x.js')).body.toString()).toBe('custom js');
    // Not hashed: revalidated, not immutable.
    expect((await raw('/other/assets/x.js')).headers['cache-control']).toBe('no-cache');
    expect((await raw('/v1/kv/x')).body.toString()).toBe('api 404');
  });

  it('refuses a stream with no, too many or bad watches', async () => {
    expect((await raw('/v1/internal/ui/stream')).status).toBe(400);
    expect((await raw(`/v1/internal/ui/stream?${Array.from({ length: 9 }, () => 'watch=/v1/kv/x').join('&')}`)).status).toBe(400);
    expect((await raw('/v1/internal/ui/stream?watch=/v1/internal/ui/stream')).status).toBe(400);
    expect((await raw('/v1/internal/ui/stream?watch=/elsewhere')).status).toBe(400);
  });

  it('streams each read through the reader, blocks on its index, and abandons the read when the tab goes', async () => {
    reads.length = 0;
    const events: string[] = [];
    const req = http.get(`${base}/v1/internal/ui/stream?watch=/v1/kv/x&token=tok`, (res) => {
      expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      res.on('data', (c: Buffer) => events.push(c.toString()));
    });
    req.on('error', () => {});
    await vi.waitFor(() => expect(events.join('')).toContain('data: {"w":0,"s":200,"i":5,"b":["x"]}'));
    expect(events.join('')).toContain('id: 5\n');
    // The first read never blocks; the next one waits on the index it got, with the stream's token.
    await vi.waitFor(() => expect(reads.map((r) => r.path)).toEqual(['/v1/kv/x', '/v1/kv/x?index=5&wait=60s']));
    expect(reads[1]!.headers).toEqual({ 'x-consul-token': 'tok' });
    expect(reads[1]!.signal.aborted).toBe(false);
    req.destroy();
    await vi.waitFor(() => expect(reads[1]!.signal.aborted).toBe(true));
  });
});
