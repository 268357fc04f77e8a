// HTTP handlers against a real local HTTP server: method, body, Content-Type, X-Consul-Index, configured headers,
// non-2xx and timeouts logged.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@conclave/toolkit';
import { handlerFor, parseWatchDefinition, postToHttpHandler, type HttpHandlerConfig } from '../src/internal.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
let received: Received[];
let answer: { status: number; body: string; hang?: boolean };

beforeEach(async () => {
  received = [];
  answer = { status: 200, body: 'ok' };
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (answer.hang) return;
      res.writeHead(answer.status, { 'Content-Type': 'text/plain' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const config = (over: Partial<HttpHandlerConfig> = {}): HttpHandlerConfig => ({ path: `${base}/hook`, method: 'POST', header: {}, timeoutMs: 10_000, tlsSkipVerify: false, ...over });

describe('http handler', () => {
  it('POSTs the JSON with Content-Type, X-Consul-Index and configured headers (from a config definition)', async () => {
    const lines: string[] = [];
    const def = parseWatchDefinition({
      type: 'key',
      key: 'k',
      handler_type: 'http',
      http_handler_config: { path: `${base}/hook?x=1`, header: { 'X-Team': ['db', 'ops'], Authorization: ['Bearer abc'] } },
    });
    await handlerFor(def.handler!, { logger: createLogger({ level: 'trace', name: 'watch', write: (l) => lines.push(l) }) })(12n, { Key: 'k' }, new AbortController().signal);
    expect(received).toHaveLength(1);
    const r = received[0]!;
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/hook?x=1');
    expect(r.body).toBe('{"Key":"k"}\n');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-consul-index']).toBe('12');
    expect(r.headers['x-team']).toBe('db, ops');
    expect(r.headers.authorization).toBe('Bearer abc');
    expect(lines.some((l) => l.includes('[ERROR]'))).toBe(false);
  });

  it('uses the configured method', async () => {
    const r = await postToHttpHandler(config({ method: 'PUT' }), 1n, null);
    expect(r.status).toBe(200);
    expect(received[0]!.method).toBe('PUT');
    expect(received[0]!.body).toBe('null\n');
  });

  it('logs a non-2xx answer with its body', async () => {
    answer = { status: 503, body: 'maintenance' };
    const lines: string[] = [];
    const def = parseWatchDefinition({ type: 'nodes', handler_type: 'http', http_handler_config: { path: `${base}/hook` } });
    await handlerFor(def.handler!, { logger: createLogger({ level: 'info', name: 'watch', write: (l) => lines.push(l) }) })(1n, [], new AbortController().signal);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('[ERROR] watch: Http watch handler failed with status code');
    expect(lines[0]).toContain('status=503');
    expect(lines[0]).toContain('output=maintenance');
  });

  it('gives up after the timeout and logs it', async () => {
    answer = { status: 200, body: '', hang: true };
    const lines: string[] = [];
    const def = parseWatchDefinition({ type: 'nodes', handler_type: 'http', http_handler_config: { path: `${base}/slow`, timeout: '150ms' } });
    await handlerFor(def.handler!, { logger: createLogger({ level: 'info', name: 'watch', write: (l) => lines.push(l) }) })(1n, [], new AbortController().signal);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('Failed to invoke http handler');
    expect(lines[0]).toContain('timed out after 150 ms');
  });

  it('logs a refused connection', async () => {
    const r = await postToHttpHandler(config({ path: 'http://127.0.0.1:1/hook' }), 1n, null);
    expect(r.status).toBe(0);
    expect(r.error?.message).toContain('ECONNREFUSED');
  });
});
