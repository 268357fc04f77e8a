// Serves a MemoryConsul over real HTTP on 127.0.0.1 (port 0), with Consul's headers and blocking queries.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { MemoryConsul } from './memory-consul.js';

export async function serveMemoryConsul(c: MemoryConsul): Promise<{ server: Server; address: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) if (!['index', 'wait', 'stale', 'consistent'].includes(k)) query[k] = v;
    const index = BigInt(url.searchParams.get('index') ?? '0');
    const path = decodeURIComponent(url.pathname);
    c.fetch({ path, query }, { index, waitMs: 2000 }).then(
      (r) => {
        res.setHeader('X-Consul-Index', String(r.index));
        res.setHeader('X-Consul-KnownLeader', 'true');
        res.setHeader('X-Consul-LastContact', '0');
        res.setHeader('Content-Type', 'application/json');
        if (r.data === null) {
          res.statusCode = 404;
          res.end();
        } else res.end(JSON.stringify(r.data));
      },
      (e: Error) => {
        res.statusCode = 500;
        res.end(e.message);
      },
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return { server, address: `127.0.0.1:${port}` };
}
