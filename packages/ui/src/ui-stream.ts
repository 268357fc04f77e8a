// The UI's push stream: one Server-Sent Events response per browser tab, carrying every change to what its
// page shows. The page names its reads (`watch=/v1/...`, at most MAX_WATCHES); for each, the agent runs a
// blocking query through its own HTTP API's request handler, without a socket (so a client agent's forwarding,
// `?filter`, `?dc` and tokens behave exactly as they do for any request, and an agent serving only HTTPS streams
// too) and sends the answer whenever X-Consul-Index moves. Each event's id is
// the list of indexes, so the browser's automatic reconnect (Last-Event-ID) resumes where it was: nothing is
// sent again unless it changed meanwhile.

import type * as httpTypes from 'node:http';

export const MAX_WATCHES = 8;
/** The wait of each blocking query: short enough that a stale forwarded read is noticed. */
const WAIT = '60s';
const HEARTBEAT_MS = 15_000;
/** A tab that stops reading: once this much waits unsent the stream is closed (its reconnect resumes by index)
 * rather than letting the agent buffer without bound. */
const MAX_BUFFERED = 8 * 1024 * 1024;
/** How often reads that have no index (so cannot block) are repeated. */
const POLL_MS = 5_000;
const RETRY_MS = [500, 1000, 2000, 5000, 10_000];

/** One whole answer of the agent's API. */
export interface ApiReply {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Runs a GET through the agent's own API handler (http-api's HttpApi.internalGet); `signal` abandons it. */
export type ApiReader = (path: string, headers: Record<string, string>, signal: AbortSignal) => Promise<ApiReply>;

interface WatchState {
  path: string;
  index: number;
  request?: AbortController;
  timer?: NodeJS.Timeout;
  failures: number;
  /** False until the first (non-blocking) read answered. */
  started?: boolean;
  /** The last body of a read without X-Consul-Index. */
  last?: string;
}

/** Answers GET /v1/internal/ui/stream. */
export function serveStream(req: httpTypes.IncomingMessage, res: httpTypes.ServerResponse, query: URLSearchParams, read: ApiReader): void {
  const paths = query.getAll('watch');
  const bad = (status: number, text: string) => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(text);
  };
  if (req.method !== 'GET') return bad(405, `method ${req.method} not allowed`);
  if (paths.length === 0 || paths.length > MAX_WATCHES) return bad(400, `Between 1 and ${MAX_WATCHES} watch parameters are required`);
  for (const p of paths)
    // Printable ASCII only (the page percent-encodes names): Node refuses other characters in a request path.
    if (!/^\/v1\/[\x21-\x7e]*$/.test(p) || p.startsWith('/v1/internal/ui/stream')) return bad(400, `Invalid watch path ${JSON.stringify(p)}`);
  const resume = (req.headers['last-event-id'] ?? query.get('index') ?? '').toString().split(',');
  const token = query.get('token') ?? (req.headers['x-consul-token'] as string | undefined);
  const watches: WatchState[] = paths.map((path, i) => ({ path, index: /^\d+$/.test(resume[i] ?? '') ? Number(resume[i]) : 0, failures: 0 }));

  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 1000\n\n');
  let closed = false;
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    for (const w of watches) {
      clearTimeout(w.timer);
      w.request?.abort();
    }
  };
  res.on('close', close);

  const send = (w: number, status: number, index: number, contentType: string, body: string, filtered = false) => {
    if (closed) return;
    const isJson = contentType.startsWith('application/json') && body !== '';
    // "f": the agent left out what the token may not read (X-Consul-Results-Filtered-By-ACLs), for the page to say so.
    const payload = `{"w":${w},"s":${status},"i":${index},${filtered ? '"f":1,' : ''}${isJson ? `"b":${body}` : `"t":${JSON.stringify(body)}`}}`;
    // One `data:` line: JSON never holds a raw newline outside strings once compacted; split defensively.
    res.write(`id: ${watches.map((x) => x.index).join(',')}\ndata: ${payload.replace(/\n/g, '\ndata: ')}\n\n`);
    if (res.writableLength > MAX_BUFFERED) res.destroy();
  };

  const run = (i: number) => {
    if (closed) return;
    const w = watches[i]!;
    const sep = w.path.includes('?') ? '&' : '?';
    const headers: Record<string, string> = {};
    if (token) headers['x-consul-token'] = token;
    const abort = new AbortController();
    w.request = abort;
    // The first read of a stream never blocks: after a reconnect the agent may have restarted or been
    // restored with lower indexes, and blocking on the old index would hide that until the wait ran out.
    read(w.started ? `${w.path}${sep}index=${w.index}&wait=${WAIT}` : w.path, headers, abort.signal).then(
      (reply) => {
        w.request = undefined;
        if (closed) return;
        const status = reply.status;
        const body = Buffer.from(reply.body.buffer, reply.body.byteOffset, reply.body.byteLength).toString('utf8');
        const contentType = reply.headers['content-type'] ?? '';
        const filtered = reply.headers['x-consul-results-filtered-by-acls'] === 'true';
        const raw = reply.headers['x-consul-index'];
        const index = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
        if (index === undefined) {
          if (status < 200 || status >= 300) return retry(i, status, body, contentType);
          // A read that cannot block (members, datacenters): read again every POLL_MS, send what changed.
          w.failures = 0;
          if (body !== w.last) send(i, status, 0, contentType, body, filtered);
          w.last = body;
          w.timer = setTimeout(() => run(i), POLL_MS);
          return;
        }
        w.failures = 0;
        w.started = true;
        const changed = index !== w.index || w.index === 0;
        // An index that went backwards (a restored snapshot, another server) restarts from it, as Consul's
        // clients do; an unchanged one after a timeout sends nothing.
        w.index = index;
        if (changed) send(i, status, index, contentType, body, filtered);
        setImmediate(() => run(i));
      },
      (err: Error) => {
        w.request = undefined;
        if (!closed) retry(i, 0, `The agent did not answer: ${err.message}`);
      },
    );
  };

  const retry = (i: number, status: number, text: string, contentType = 'text/plain') => {
    const w = watches[i]!;
    send(i, status, w.index, contentType, text);
    const delay = RETRY_MS[Math.min(w.failures++, RETRY_MS.length - 1)]!;
    w.timer = setTimeout(() => run(i), delay);
  };

  for (let i = 0; i < watches.length; i++) run(i);
}
