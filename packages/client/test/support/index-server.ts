// A small real HTTP server speaking enough of Consul's KV API, with its index rules, to exercise the client:
// one global index, a key's ModifyIndex as its X-Consul-Index, blocking until a change or `wait`, and levers the
// tests pull (reset the index backwards, answer errors, go down and come back on the same port).
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

interface Entry {
  value: Buffer;
  flags: bigint;
  createIndex: number;
  modifyIndex: number;
}

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  token: string | undefined;
  contentLength: string | undefined;
  at: number;
  body: string;
}

export class IndexServer {
  readonly kv = new Map<string, Entry>();
  index = 1;
  readonly seen: SeenRequest[] = [];
  lastContactMs = 0;
  private waiters = new Set<() => void>();
  private server: http.Server | undefined;
  port = 0;
  socketPath: string | undefined;

  async listen(target: { port?: number; socketPath?: string; tls?: { key: Buffer; cert: Buffer } } = {}): Promise<void> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.handle(req, res);
    this.server = target.tls ? https.createServer(target.tls, handler) : http.createServer(handler);
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      if (target.socketPath) this.server!.listen(target.socketPath, resolve);
      else this.server!.listen(target.port ?? 0, '127.0.0.1', resolve);
    });
    if (target.socketPath) this.socketPath = target.socketPath;
    else this.port = (this.server.address() as AddressInfo).port;
  }

  /** Closes the listener and every open connection, as a crashed agent would. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const wake of this.waiters) wake();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  set(key: string, value: string, flags = 0n): number {
    this.index++;
    const prev = this.kv.get(key);
    this.kv.set(key, { value: Buffer.from(value), flags, createIndex: prev?.createIndex ?? this.index, modifyIndex: this.index });
    this.wakeAll();
    return this.index;
  }

  /** Forget everything and restart the index low, as an agent that lost its state. */
  resetState(): void {
    this.kv.clear();
    this.index = 1;
    this.wakeAll();
  }

  requestsFor(path: string): SeenRequest[] {
    return this.seen.filter((r) => r.path === path);
  }

  private wakeAll(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.seen.push({
        method: req.method ?? '',
        path,
        query: url.searchParams,
        token: req.headers['x-consul-token'] as string | undefined,
        contentLength: req.headers['content-length'],
        at: Date.now(),
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const body = Buffer.concat(chunks);
      if (url.searchParams.get('dc') && url.searchParams.get('dc') !== 'dc1') {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('No path to datacenter');
        return;
      }
      if (!path.startsWith('/v1/kv/')) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Invalid URL path: not a recognized HTTP API endpoint');
        return;
      }
      const key = path.slice('/v1/kv/'.length);
      if (req.method === 'PUT') return this.put(key, url.searchParams, body, res);
      if (req.method === 'DELETE') return this.del(key, url.searchParams, res);
      if (req.method === 'GET') return void this.get(key, url.searchParams, res);
      res.writeHead(405, { Allow: 'GET, PUT, DELETE' }).end(`method ${req.method} not allowed`);
    });
  }

  private put(key: string, q: URLSearchParams, body: Buffer, res: http.ServerResponse): void {
    const cas = q.get('cas');
    const prev = this.kv.get(key);
    if (cas !== null) {
      const want = Number(cas);
      if ((want === 0 && prev) || (want !== 0 && prev?.modifyIndex !== want)) return json(res, false);
    }
    this.index++;
    this.kv.set(key, { value: body, flags: BigInt(q.get('flags') ?? '0'), createIndex: prev?.createIndex ?? this.index, modifyIndex: this.index });
    this.wakeAll();
    json(res, true);
  }

  private del(key: string, q: URLSearchParams, res: http.ServerResponse): void {
    if (q.has('recurse')) for (const k of [...this.kv.keys()]) if (k.startsWith(key)) this.kv.delete(k);
    this.kv.delete(key);
    this.index++;
    this.wakeAll();
    json(res, true);
  }

  private async get(key: string, q: URLSearchParams, res: http.ServerResponse): Promise<void> {
    const want = Number(q.get('index') ?? '0');
    const waitMs = q.has('wait') ? Number(q.get('wait')!.replace(/ms$/, '')) : 300_000;
    const deadline = Date.now() + waitMs;
    while (want > 0 && this.readIndex(key, q) <= want && Date.now() < deadline && this.server) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const headers = {
      'Content-Type': 'application/json',
      'X-Consul-Index': String(this.readIndex(key, q)),
      'X-Consul-KnownLeader': 'true',
      'X-Consul-LastContact': String(this.lastContactMs),
    };
    const entries = q.has('recurse') || q.has('keys') ? [...this.kv.entries()].filter(([k]) => k.startsWith(key)).sort(([a], [b]) => (a < b ? -1 : 1)) : this.kv.has(key) ? [[key, this.kv.get(key)!] as const] : [];
    if (entries.length === 0) {
      res.writeHead(404, headers).end();
      return;
    }
    if (q.has('keys')) {
      res.writeHead(200, headers).end(JSON.stringify(entries.map(([k]) => k)));
      return;
    }
    // Flags written as bare JSON numbers, exactly as Consul does, including above 2^53.
    const items = entries.map(
      ([k, e]) =>
        `{"LockIndex":0,"Key":${JSON.stringify(k)},"Flags":${e.flags.toString()},"Value":${e.value.length ? JSON.stringify(e.value.toString('base64')) : 'null'},"CreateIndex":${e.createIndex},"ModifyIndex":${e.modifyIndex}}`,
    );
    res.writeHead(200, headers).end(`[${items.join(',')}]`);
  }

  private readIndex(key: string, q: URLSearchParams): number {
    if (!q.has('recurse') && !q.has('keys')) {
      const e = this.kv.get(key);
      if (e) return e.modifyIndex;
    }
    return this.index;
  }
}

function json(res: http.ServerResponse, value: unknown): void {
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(value));
}
