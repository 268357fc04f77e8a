// The Consul /v1 HTTP server: routes on the path prefix straight to the endpoint family, catches every
// error (answered as Consul would, never crashing the process), and lifts Node's server timeouts so
// 10-minute blocking queries survive.

import type * as http from 'node:http';
import { nodeHttp } from '@conclave/toolkit';
import type { AddressInfo, Socket } from 'node:net';
import { ApiCall } from './api-call.js';
import { errorAnswer } from './api-error.js';
import { handleAgent } from './agent-routes.js';
import type { ApiBackend, RequestForwarder } from './backend.js';
import { handleCatalog } from './catalog-endpoints.js';
import { handleEvent } from './event-endpoints.js';
import { handleHealth } from './health-endpoints.js';
import { handleKv } from './kv-endpoints.js';
import { QueryParams } from './query-params.js';
import { handleOperator } from './operator-endpoints.js';
import { handleSession } from './session-endpoints.js';
import { handleSnapshot } from './snapshot-endpoints.js';
import { handleStatus } from './status-endpoints.js';
import { handleTxn } from './txn-endpoints.js';

export interface HttpApiOptions {
  /** Called with unexpected errors (answered 500); for the agent's log. */
  onError?: (err: unknown, method: string, url: string) => void;
  /** Indent every JSON answer as ?pretty does (Consul does so in -dev mode). Default false. */
  alwaysPretty?: boolean;
  /** limits.http_max_conns_per_client: open connections per client IP (blocking queries hold one each);
   * beyond it a new connection is answered 429 and closed. Default 200, 0 for no limit. */
  maxConnsPerClient?: number;
  /** Idle keep-alive connections are closed after this long; default 120 s. */
  keepAliveTimeoutMs?: number;
}

export interface HttpApi {
  readonly server: http.Server;
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, ends blocked queries and idle connections. */
  close(): Promise<void>;
  /** The request handler itself, to mount on another server. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): void;
  /** Changes limits.http_max_conns_per_client (a reload does); connections already open stay. 0 = no limit. */
  setMaxConnsPerClient(max: number): void;
}

type Handler = (call: ApiCall) => Promise<void> | void;

const NOT_FOUND = 'Invalid URL path: not a recognized HTTP API endpoint';

export function createHttpApi(backend: ApiBackend, options: HttpApiOptions = {}): HttpApi {
  const onError = options.onError;
  const alwaysPretty = options.alwaysPretty ?? false;

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    let path = qi < 0 ? url : url.slice(0, qi);
    if (path.indexOf('%') >= 0) {
      try {
        path = decodeURIComponent(path);
      } catch {
        plain(res, 400, `Invalid URL path: bad percent-encoding in ${JSON.stringify(path)}`);
        return;
      }
    }
    let handler: Handler | undefined;
    let rest = '';
    if (path.startsWith('/v1/')) {
      const c = path.charCodeAt(4);
      // Dispatch on the first letter, then confirm the prefix: no regexes, no route table walk.
      if (c === 107 /* k */ && path.startsWith('/v1/kv/')) {
        handler = handleKv;
        rest = path.slice(7);
      } else if (c === 97 /* a */ && path.startsWith('/v1/agent/')) {
        handler = handleAgent;
        rest = path.slice(10);
      } else if (c === 99 /* c */ && path.startsWith('/v1/catalog/')) {
        handler = handleCatalog;
        rest = path.slice(12);
      } else if (c === 104 /* h */ && path.startsWith('/v1/health/')) {
        handler = handleHealth;
        rest = path.slice(11);
      } else if (c === 115 /* s */ && path.startsWith('/v1/status/')) {
        handler = handleStatus;
        rest = path.slice(11);
      } else if (c === 115 /* s */ && path.startsWith('/v1/session/')) {
        handler = handleSession;
        rest = path.slice(12);
      } else if (c === 115 /* s */ && (path === '/v1/snapshot' || path.startsWith('/v1/snapshot/'))) {
        handler = handleSnapshot;
        rest = path.slice(13);
      } else if (c === 116 /* t */ && (path === '/v1/txn' || path.startsWith('/v1/txn/'))) {
        handler = handleTxn;
        rest = path.slice(8);
      } else if (c === 101 /* e */ && path.startsWith('/v1/event/')) {
        handler = handleEvent;
        rest = path.slice(10);
      } else if (c === 111 /* o */ && path.startsWith('/v1/operator/')) {
        handler = handleOperator;
        rest = path.slice(13);
      }
    }
    if (!handler) {
      plain(res, 404, NOT_FOUND);
      return;
    }
    // Client agents (and followers, for reads that must come from the leader) answer through a server.
    const fwd = backend.forwarder;
    // User events are agent-local too (gossip carries them), like the agent endpoints. A session is created
    // here as Consul's client agents do (this agent's node is the default Node); its write still goes to a server.
    if (fwd && handler !== handleAgent && handler !== handleEvent && !(handler === handleSession && rest === 'create')) {
      try {
        if (fwd.shouldForward(path, qi < 0 ? '' : url.slice(qi + 1), req.method ?? 'GET')) {
          forward(fwd, req, res);
          return;
        }
      } catch (err) {
        // A forwarder that throws must not take the process down: answer as any other failure.
        onError?.(err, req.method ?? 'GET', url);
        if (!res.headersSent && !res.destroyed) plain(res, 500, err instanceof Error ? err.message : String(err));
        return;
      }
    }
    const call = new ApiCall(req, res, backend, rest, new QueryParams(qi < 0 ? '' : url.slice(qi + 1)), alwaysPretty);
    try {
      const pending = handler(call);
      if (pending) pending.then(() => finish(call), (err) => failed(call, err));
      else finish(call);
    } catch (err) {
      failed(call, err);
    }
  };

  const failed = (call: ApiCall, err: unknown): void => {
    if (onError && !errorAnswer(err).expected) onError(err, call.method, call.req.url ?? '');
    call.fail(err);
  };

  const server = nodeHttp.createServer({ keepAlive: true }, handle);
  // Blocking queries last up to 10 min + jitter: no request or socket timeout; headers must still come fast.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.timeout = 0;
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 120_000;
  const connLimit = { max: options.maxConnsPerClient ?? 200 };
  limitConnectionsPerClient(server, connLimit);

  return {
    server,
    handle,
    setMaxConnsPerClient(max: number): void {
      connLimit.max = max;
    },
    listen(port: number, host: string): Promise<AddressInfo> {
      return new Promise((resolve, reject) => {
        const onErr = (err: Error) => reject(err);
        server.once('error', onErr);
        server.listen(port, host, () => {
          server.off('error', onErr);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

const TOO_MANY =
  'Your IP is issuing too many concurrent connections, please rate limit your calls\n';

function limitConnectionsPerClient(server: http.Server, limit: { readonly max: number }): void {
  // Counted even while there is no limit, so that a limit set by a reload sees the connections already open.
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const ip = socket.remoteAddress ?? '';
    const n = (open.get(ip) ?? 0) + 1;
    if (limit.max > 0 && n > limit.max) {
      socket.end(
        `HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${TOO_MANY.length}\r\nConnection: close\r\n\r\n${TOO_MANY}`,
      );
      socket.destroySoon();
      return;
    }
    open.set(ip, n);
    socket.once('close', () => {
      const left = (open.get(ip) ?? 1) - 1;
      if (left <= 0) open.delete(ip);
      else open.set(ip, left);
    });
  });
}

/** Request headers worth carrying to another agent (tokens, content type); hop-by-hop and host headers are not. */
const CARRIED_REQUEST = ['content-type', 'x-consul-token', 'authorization', 'cache-control'];

/** Answers the request through another agent: reads it whole, writes the reply as it came, or the error. */
function forward(fwd: RequestForwarder, req: http.IncomingMessage, res: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('error', () => res.destroy());
  req.on('end', () => {
    const headers: Record<string, string> = {};
    for (const h of CARRIED_REQUEST) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    fwd.forward({ method: req.method ?? 'GET', url: req.url ?? '/', headers, body: Buffer.concat(chunks) }).then(
      (reply) => {
        if (res.headersSent || res.destroyed) return;
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body);
      },
      (err: unknown) => {
        if (res.headersSent || res.destroyed) return;
        const a = errorAnswer(err);
        res.writeHead(a.status, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(a.message);
      },
    );
  });
}

/** A handler that returned without answering is a bug; answer rather than leave the client hanging. */
function finish(call: ApiCall): void {
  if (!call.answered && !call.res.headersSent && !call.res.destroyed && !call.req.destroyed)
    call.text(500, 'internal error: the endpoint did not answer');
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(Buffer.byteLength(text))]);
  res.end(text);
}
