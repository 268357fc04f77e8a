// A small Consul-compatible HTTP server on 127.0.0.1 for the watch loop's tests: real sockets and real blocking
// queries over a few endpoints (KV, catalog/services, health/service, event/list, agent/self), plus the failure
// modes a dev agent cannot be made to show on demand (500s, an index that goes backwards, an index that moves
// without a data change). Behaviour follows COMPAT §1.6 and §2.7.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { eventIdToIndex } from '../../src/event-index.js';

interface KvEntry {
  Key: string;
  Value: string | null;
  Flags: number;
  CreateIndex: number;
  ModifyIndex: number;
  LockIndex: number;
}

export interface LocalEvent {
  ID: string;
  Name: string;
  Payload: string | null;
  NodeFilter: string;
  ServiceFilter: string;
  TagFilter: string;
  Version: 1;
  LTime: number;
}

export class LocalConsul {
  /** The global index (catalog, health, KV tables). */
  index = 10n;
  kv = new Map<string, KvEntry>();
  services: Record<string, string[]> = { consul: [] };
  /** Service name → health entries. */
  health: Record<string, unknown[]> = {};
  events: LocalEvent[] = [];
  /** Answer this many upcoming requests with 500. */
  failNext = 0;
  /** Every request's path and query, in order. */
  readonly requests: URL[] = [];
  private waiters = new Set<() => void>();
  private server: Server | undefined;
  address = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.address = `127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this.address;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
    for (const w of this.waiters) w();
  }

  /** Wakes blocked requests so they re-check their index. */
  changed(): void {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }

  putKey(key: string, value: string): void {
    this.index++;
    const old = this.kv.get(key);
    this.kv.set(key, {
      Key: key,
      Value: Buffer.from(value).toString('base64'),
      Flags: 0,
      CreateIndex: old?.CreateIndex ?? Number(this.index),
      ModifyIndex: Number(this.index),
      LockIndex: 0,
    });
    this.changed();
  }

  setServices(services: Record<string, string[]>): void {
    this.index++;
    this.services = services;
    this.changed();
  }

  /** Moves the index without changing any data (another table's write, a no-op re-registration). */
  bump(): void {
    this.index++;
    this.changed();
  }

  fireEvent(name: string, payload = '', id: string = randomUUID()): LocalEvent {
    const ev: LocalEvent = {
      ID: id,
      Name: name,
      Payload: payload === '' ? null : Buffer.from(payload).toString('base64'),
      NodeFilter: '',
      ServiceFilter: '',
      TagFilter: '',
      Version: 1,
      LTime: this.events.length + 1,
    };
    this.events.push(ev);
    if (this.events.length > 256) this.events.shift();
    this.changed();
    return ev;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${this.address}`);
    this.requests.push(url);
    if (this.failNext > 0) {
      this.failNext--;
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('No cluster leader');
      return;
    }
    const path = decodeURIComponent(url.pathname);
    if (path === '/v1/agent/self') return this.json(res, { Config: { NodeName: 'local' } });
    const read = this.reader(path, url.searchParams);
    if (!read) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Invalid URL path: not a recognized HTTP API endpoint');
      return;
    }
    const wanted = BigInt(url.searchParams.get('index') ?? '0');
    const waitText = url.searchParams.get('wait');
    const waitMs = waitText ? parseInt(waitText, 10) : 300_000;
    const deadline = Date.now() + waitMs;
    let result = read();
    // The event list's index is a hash: it blocks while the newest event is the one asked about (Consul's
    // EventList); every other read blocks until its index passes the one asked about.
    const unchanged = path === '/v1/event/list' ? (i: bigint) => i === wanted : (i: bigint) => i <= wanted;
    while (wanted > 0n && unchanged(result.index) && Date.now() < deadline && !req.destroyed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      result = read();
    }
    if (req.destroyed) return;
    const headers = { 'X-Consul-Index': String(result.index > 0n ? result.index : 1n), 'X-Consul-KnownLeader': 'true', 'X-Consul-LastContact': '0' };
    if (result.body === undefined) {
      res.writeHead(404, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': 'application/json' });
    res.end(JSON.stringify(result.body));
  }

  private reader(path: string, q: URLSearchParams): (() => { index: bigint; body: unknown }) | undefined {
    if (path.startsWith('/v1/kv/')) {
      const key = path.slice('/v1/kv/'.length);
      if (q.has('recurse')) {
        return () => {
          const list = [...this.kv.values()].filter((e) => e.Key.startsWith(key)).sort((a, b) => a.Key.localeCompare(b.Key));
          return { index: this.index, body: list.length > 0 ? list : undefined };
        };
      }
      return () => {
        const e = this.kv.get(key);
        return { index: e ? BigInt(e.ModifyIndex) : this.index, body: e ? [e] : undefined };
      };
    }
    if (path === '/v1/catalog/services') return () => ({ index: this.index, body: this.services });
    if (path === '/v1/catalog/nodes') return () => ({ index: this.index, body: [{ ID: '', Node: 'local', Address: '127.0.0.1', Datacenter: 'dc1', CreateIndex: 1, ModifyIndex: 1 }] });
    if (path.startsWith('/v1/health/service/')) {
      const name = path.slice('/v1/health/service/'.length);
      return () => ({ index: this.index, body: this.health[name] ?? [] });
    }
    if (path === '/v1/event/list') {
      const name = q.get('name') ?? '';
      return () => {
        const list = this.events.filter((e) => name === '' || e.Name === name);
        const last = list[list.length - 1];
        return { index: last ? eventIdToIndex(last.ID) : 1n, body: list };
      };
    }
    return undefined;
  }

  private json(res: ServerResponse, body: unknown): void {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
