import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_ABORTED_OUTPUT, runHttpCheck, type HttpCheckSpec } from '@conclave/health';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let base: string;
const seen: Seen[] = [];
const hanging = new Set<http.ServerResponse>();

function spec(path: string, extra: Partial<HttpCheckSpec> = {}): HttpCheckSpec {
  return {
    http: base + path,
    timeoutNs: 0,
    outputMaxSize: 4096,
    tlsSkipVerify: false,
    disableRedirects: false,
    ...extra,
  };
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      switch (req.url) {
        case '/ok':
          res.end('healthy');
          return;
        case '/busy':
          res.writeHead(429).end('slow down');
          return;
        case '/fail':
          res.writeHead(500).end('boom');
          return;
        case '/created':
          res.writeHead(201, 'Made It').end();
          return;
        case '/redirect':
          res.writeHead(302, { Location: '/ok' }).end('moved');
          return;
        case '/see-other':
          res.writeHead(303, { Location: '/echo' }).end();
          return;
        case '/temporary':
          res.writeHead(307, { Location: '/echo' }).end();
          return;
        case '/loop':
          res.writeHead(302, { Location: '/loop' }).end();
          return;
        case '/big':
          res.end('x'.repeat(5000) + 'TAIL');
          return;
        case '/slow':
          hanging.add(res);
          return;
        case '/slow-body':
          res.writeHead(200);
          res.write('partial');
          hanging.add(res);
          return;
        case '/echo':
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify({ method: req.method, body }));
          return;
        default:
          res.writeHead(404).end('no such page');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  await new Promise((r) => server.close(r));
});

describe('runHttpCheck', () => {
  it('2xx is passing, with Consul\'s output and request headers', async () => {
    seen.length = 0;
    const r = await runHttpCheck(spec('/ok'));
    expect(r).toEqual({ status: 'passing', output: `HTTP GET ${base}/ok: 200 OK Output: healthy` });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers['user-agent']).toBe('Consul Health Check');
    expect(seen[0]!.headers['accept']).toBe('text/plain, text/*, */*');
    expect(seen[0]!.headers['connection']).toBe('close');
    expect((await runHttpCheck(spec('/created'))).output).toBe(`HTTP GET ${base}/created: 201 Made It Output: `);
  });

  it('429 is warning', async () => {
    expect(await runHttpCheck(spec('/busy'))).toEqual({
      status: 'warning',
      output: `HTTP GET ${base}/busy: 429 Too Many Requests Output: slow down`,
    });
  });

  it('500 and 404 are critical', async () => {
    expect(await runHttpCheck(spec('/fail'))).toEqual({
      status: 'critical',
      output: `HTTP GET ${base}/fail: 500 Internal Server Error Output: boom`,
    });
    expect((await runHttpCheck(spec('/nope'))).status).toBe('critical');
  });

  it('sends method, body and headers; its own headers win over the defaults', async () => {
    seen.length = 0;
    const r = await runHttpCheck(
      spec('/echo', {
        method: 'POST',
        body: '{"ping":1}',
        header: { 'X-Check': ['a', 'b'], 'User-Agent': ['mine'], Host: ['svc.example'] },
      }),
    );
    expect(r.status).toBe('passing');
    expect(r.output).toBe(`HTTP POST ${base}/echo: 200 OK Output: {"method":"POST","body":"{\\"ping\\":1}"}`);
    const h = seen[0]!.headers;
    expect(h['x-check']).toBe('a, b');
    expect(h['user-agent']).toBe('mine');
    expect(h['host']).toBe('svc.example');
    expect(h['accept']).toBe('text/plain, text/*, */*');
    expect(h['content-length']).toBe('10');
  });

  it('follows redirects, reporting the configured URL', async () => {
    seen.length = 0;
    const r = await runHttpCheck(spec('/redirect'));
    expect(r).toEqual({ status: 'passing', output: `HTTP GET ${base}/redirect: 200 OK Output: healthy` });
    expect(seen.map((s) => s.url)).toEqual(['/redirect', '/ok']);
  });

  it('turns POST into GET on 303 and repeats it on 307, as Go does', async () => {
    const r303 = await runHttpCheck(spec('/see-other', { method: 'POST', body: 'x' }));
    expect(r303.output).toContain('{"method":"GET","body":""}');
    const r307 = await runHttpCheck(spec('/temporary', { method: 'POST', body: 'x' }));
    expect(r307.output).toContain('{"method":"POST","body":"x"}');
  });

  it('stops after 10 redirects', async () => {
    seen.length = 0;
    const r = await runHttpCheck(spec('/loop'));
    expect(r).toEqual({ status: 'critical', output: `Get "${base}/loop": stopped after 10 redirects` });
    expect(seen).toHaveLength(11);
  });

  it('with disable_redirects the redirect itself is the answer (critical)', async () => {
    const r = await runHttpCheck(spec('/redirect', { disableRedirects: true }));
    expect(r).toEqual({ status: 'critical', output: `HTTP GET ${base}/redirect: 302 Found Output: moved` });
  });

  it('keeps the last output_max_size bytes of the body', async () => {
    const r = await runHttpCheck(spec('/big', { outputMaxSize: 10 }));
    expect(r).toEqual({ status: 'passing', output: `HTTP GET ${base}/big: 200 OK Output: xxxxxxTAIL` });
  });

  it('a server that does not answer in time is critical', async () => {
    const r = await runHttpCheck(spec('/slow', { timeoutNs: 200e6 }));
    expect(r).toEqual({
      status: 'critical',
      output: `Get "${base}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    });
  });

  it('a body cut off by the deadline keeps the status and what arrived', async () => {
    const r = await runHttpCheck(spec('/slow-body', { timeoutNs: 1e9 }));
    expect(r).toEqual({ status: 'passing', output: `HTTP GET ${base}/slow-body: 200 OK Output: partial` });
  });

  it('a refused connection is critical with Go\'s words', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await runHttpCheck({ ...spec(''), http: `http://127.0.0.1:${port}/health` });
    expect(r).toEqual({
      status: 'critical',
      output: `Get "http://127.0.0.1:${port}/health": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
  });

  it('bad URLs are critical, not thrown', async () => {
    expect(await runHttpCheck({ ...spec(''), http: 'not a url' })).toEqual({
      status: 'critical',
      output: 'parse "not a url": invalid URL',
    });
    expect(await runHttpCheck({ ...spec(''), http: 'ftp://127.0.0.1/x' })).toEqual({
      status: 'critical',
      output: 'Get "ftp://127.0.0.1/x": unsupported protocol scheme "ftp"',
    });
  });

  it('an abort ends a run at once', async () => {
    const ctl = new AbortController();
    const run = runHttpCheck(spec('/slow'), { signal: ctl.signal });
    ctl.abort();
    expect(await run).toEqual({ status: 'critical', output: PROBE_ABORTED_OUTPUT });
  });
});

describe('runHttpCheck over TLS', () => {
  let dir: string;
  let tlsServer: https.Server;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'conclave-health-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=health.test',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    tlsServer = https.createServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (_req, res) => res.end('secure'),
    );
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await new Promise((r) => tlsServer.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a self-signed certificate fails verification', async () => {
    const r = await runHttpCheck({ ...spec(''), http: url });
    expect(r.status).toBe('critical');
    expect(r.output.startsWith(`Get "${url}": `)).toBe(true);
  });

  it('tls_skip_verify accepts it', async () => {
    const r = await runHttpCheck({ ...spec(''), http: url, tlsSkipVerify: true });
    expect(r).toEqual({ status: 'passing', output: `HTTP GET ${url}: 200 OK Output: secure` });
  });
});
