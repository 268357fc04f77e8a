// The Consul /v1 HTTP server: routes on the path prefix straight to the endpoint family, catches every
// error (answered as Consul would, never crashing the process), and lifts Node's server timeouts so
// 10-minute blocking queries survive. The HTTPS listener speaks HTTP/2 as well as HTTP/1.1 (ALPN h2 and
// http/1.1), as Consul's does (agent.go's setupHTTPS calls http2.ConfigureServer); plain HTTP stays HTTP/1.1
// (Go serves no h2c either).

import type * as http from 'node:http';
import type * as http2 from 'node:http2';
import { createRequire } from 'node:module';
import type { SecureContextOptions } from 'node:tls';
import { nodeHttp } from '@conclave/toolkit';
import type { AddressInfo } from 'node:net';
import { formatGoDuration, joinHostPort, type Logger } from '@conclave/toolkit';
import { ApiCall, BODY_IDLE_MS } from './api-call.js';
import { errorAnswer } from './api-error.js';
import { handleAgent } from './agent-routes.js';
import { handleAcl } from './acl-endpoints.js';
import { handleAclAuth, isAclAuthPath } from './acl-auth-routes.js';
import { AUTH_METHODS_NEED_TOKEN_REPLICATION, aclPrimaryUrl, needsLocalTokens } from './acl-primary-forward.js';
import { aclGate } from './acl-permissions.js';
import type { ApiBackend, RequestForwarder } from './backend.js';
import { handleCatalog } from './catalog-endpoints.js';
import { handleEvent } from './event-endpoints.js';
import { handleHealth } from './health-endpoints.js';
import { handleKv } from './kv-endpoints.js';
import { QueryParams } from './query-params.js';
import { routeLabel } from './route-label.js';
import { handleOperator } from './operator-endpoints.js';
import { handleCoordinate } from './coordinate-endpoints.js';
import { handleQuery } from './query-endpoints.js';
import { handleSession } from './session-endpoints.js';
import { handleSnapshot } from './snapshot-endpoints.js';
import { handleStatus } from './status-endpoints.js';
import { handleTxn } from './txn-endpoints.js';
import { handleInternalUi, isUiEndpoint } from './ui-endpoints.js';
import type { RequestLimits } from './request-limits.js';
import { AgentCache, isCacheablePath, type CachedReply } from './agent-cache.js';
import { serveCached } from './cached-read.js';
import { INTERNAL_REQUEST, runInternalGet } from './internal-request.js';
import { resolveNearAgent } from './near-sort.js';
import { forwardedHeaders } from './forwarded-headers.js';
import { forwardStreamed } from './stream-forward.js';
import { isConnectionSpecific, withoutConnectionHeaders } from './connection-headers.js';
import { limitConnectionsPerClient } from './connection-limit.js';
import { closeIdleSessions } from './idle-sessions.js';
import { dropRequestAfterAnswer } from './drop-request.js';

export interface HttpApiOptions {
  /** Called with unexpected errors (answered 500); for the agent's log. */
  onError?: (err: unknown, method: string, url: string) => void;
  /** Indent every JSON answer as ?pretty does (Consul does so in -dev mode). Default false. */
  alwaysPretty?: boolean;
  /** limits.http_max_conns_per_client: open connections per client IP (an HTTP/1.1 blocking query holds one; an
   * HTTP/2 connection carries up to 250); beyond it a new connection is answered 429 and closed
   * (connection-limit.ts). Default 200, 0 for no limit. */
  maxConnsPerClient?: number;
  /** Idle keep-alive connections (and HTTP/2 sessions with no open stream) are closed after this long; default 120 s. */
  keepAliveTimeoutMs?: number;
  /** Consul's agent.http logger: `Request finished` at debug for each request (only measured while some sink
   * logs debug, e.g. a `conclave monitor -log-level debug`). */
  logger?: Pick<Logger, 'debug' | 'isEnabled'>;
  /** Serve HTTPS with these (certificate, key, CAs; requestCert + rejectUnauthorized for verify_incoming), over
   * HTTP/2 and HTTP/1.1. */
  tls?: HttpsOptions;
  /** http_config.response_headers: added to every answer (e.g. a CORS or security header). */
  responseHeaders?: Record<string, string>;
  /** limits.request_limits, for the requests answered here (not the forwarded ones). */
  requestLimits?: RequestLimits;
  /** http_config.max_header_bytes; Node's default (16 KiB) when unset. */
  maxHeaderBytes?: number;
  /** Told when a request to one of Consul's endpoints was answered: its method, the label of Consul's route
   * (route-label.ts) and the milliseconds from arrival to answer, for consul.api.http. */
  onRequestDone?: (method: string, route: string, ms: number) => void;
  /** Offered every request no /v1 endpoint answers (the web UI's files and stream); returns true when it
   * answered it. */
  fallback?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
}

export interface HttpsOptions extends SecureContextOptions {
  requestCert: boolean;
  rejectUnauthorized: boolean;
}

/** Go's default for an HTTP/2 server (x/net/http2 defaultMaxStreams), which Consul keeps: a client opens more
 * streams than this only as earlier ones finish (its further requests wait, per SETTINGS_MAX_CONCURRENT_STREAMS). */
export const H2_MAX_CONCURRENT_STREAMS = 250;

export interface HttpApi {
  /** node:http's server, or with `tls` node:http2's secure server (HTTP/1.1 connections included). */
  readonly server: http.Server | http2.Http2SecureServer;
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, ends blocked queries and idle connections. */
  close(): Promise<void>;
  /** The request handler itself, to mount on another server. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): void;
  /** A GET through `handle` without a socket, its whole answer captured (internal-request.ts): the web UI's
   * stream reads this way. `signal` abandons it (a blocking query is released). */
  internalGet(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<CachedReply>;
  /** HTTPS: new certificate, key and CAs for new connections (reload); open connections keep theirs. */
  setSecureContext(options: SecureContextOptions): void;
  /** Changes limits.http_max_conns_per_client (a reload does); connections already open stay. 0 = no limit. */
  setMaxConnsPerClient(max: number): void;
}

type Handler = (call: ApiCall) => Promise<void> | void;

const NOT_FOUND = 'Invalid URL path: not a recognized HTTP API endpoint';

export function createHttpApi(backend: ApiBackend, options: HttpApiOptions = {}): HttpApi {
  const onError = options.onError;
  const alwaysPretty = options.alwaysPretty ?? false;
  const observe = options.onRequestDone;

  const extraHeaders = Object.entries(options.responseHeaders ?? {});
  // An HTTP/2 answer cannot carry a configured Connection or Keep-Alive header (connection-headers.ts).
  const extraHeadersH2 = extraHeaders.filter(([k]) => !isConnectionSpecific(k));
  const limits = options.requestLimits;
  const requestLog = options.logger;

  // ?cached reads: the cache fetches through `handle` itself, marked internal (agent-cache.ts).
  let cache: AgentCache | undefined;
  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const internal = (req as unknown as Record<symbol, unknown>)[INTERNAL_REQUEST] === true;
    if (!internal && extraHeaders.length > 0) for (const [k, v] of req.httpVersionMajor === 2 ? extraHeadersH2 : extraHeaders) res.setHeader(k, v);
    const started = observe ? performance.now() : 0;
    const url = req.url ?? '/';
    if (requestLog?.isEnabled('debug') && !internal) logFinished(requestLog, req, res, url);
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
      } else if (c === 97 /* a */ && path.startsWith('/v1/acl/')) {
        rest = path.slice(8);
        handler = isAclAuthPath(rest) ? handleAclAuth : handleAcl;
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
      } else if (c === 113 /* q */ && (path === '/v1/query' || path.startsWith('/v1/query/'))) {
        handler = handleQuery;
        rest = path.slice(10);
      } else if (c === 99 /* c */ && path.startsWith('/v1/coordinate/')) {
        handler = handleCoordinate;
        rest = path.slice(15);
      } else if (c === 111 /* o */ && path.startsWith('/v1/operator/')) {
        handler = handleOperator;
        rest = path.slice(13);
      } else if (c === 105 /* i */ && path.startsWith('/v1/internal/') && isUiEndpoint(path.slice(13))) {
        handler = handleInternalUi;
        rest = path.slice(13);
      }
    }
    if (!handler) {
      // The web UI (its files, `/`'s redirect, its push stream) when the agent serves it; it sees the raw URL.
      if (options.fallback?.(req, res)) return;
      plain(res, 404, NOT_FOUND);
      return;
    }
    const route = observe && !internal && routeLabel(path);
    const done = route ? () => observe!(req.method ?? 'GET', route, performance.now() - started) : undefined;
    if (!internal && qi >= 0 && req.method === 'GET' && isCacheablePath(path)) {
      const query = new QueryParams(url.slice(qi + 1));
      if (query.has('cached')) {
        cache ??= new AgentCache((u, h, abort) => runInternalGet(handle, u, h, abort));
        res.once('finish', () => done?.());
        serveCached(cache, req, res, path, url.slice(qi + 1), query);
        return;
      }
    }
    // Client agents (and followers, for reads that must come from the leader) answer through a server.
    const fwd = backend.forwarder;
    // User events are agent-local too (gossip carries them), like the agent endpoints. A session is created
    // here as Consul's client agents do (this agent's node is the default Node); its write still goes to a server.
    // ?dc= naming another datacenter: the whole request is answered there (agent endpoints are this agent's).
    const dcFwd = backend.datacenterForwarder;
    // A secondary datacenter's writes of global ACL records are the primary's to answer (acl-primary-forward.ts).
    const primaryUrl = dcFwd && handler === handleAcl ? aclPrimaryUrl(backend, req.method ?? 'GET', rest, url) : undefined;
    if (primaryUrl && !(qi >= 0 && otherDatacenter(url.slice(qi + 1), backend.datacenter))) {
      forward(dcFwd!, req, res, backend.limits?.bodyIdleMs ?? BODY_IDLE_MS, done, primaryUrl, backend.acl?.defaultToken?.(), backend.nodeName);
      return;
    }
    if (dcFwd && handler !== handleAgent && qi >= 0 && otherDatacenter(url.slice(qi + 1), backend.datacenter)) {
      if (handler === handleSnapshot && dcFwd.forwardStream) {
        forwardStreamed(dcFwd.forwardStream.bind(dcFwd), req, res, done, forwardedHeaders(req, url, backend.acl?.defaultToken?.(), backend.nodeName), onError);
        return;
      }
      forward(dcFwd, req, res, backend.limits?.bodyIdleMs ?? BODY_IDLE_MS, done, resolveNearAgent(url, backend.nodeName), backend.acl?.defaultToken?.(), backend.nodeName);
      return;
    }
    if (fwd && handler !== handleAgent && handler !== handleEvent && !(handler === handleSession && rest === 'create')) {
      try {
        if (fwd.shouldForward(path, qi < 0 ? '' : url.slice(qi + 1), req.method ?? 'GET')) {
          // Snapshots stream through (gigabytes; forward() holds a body whole, within the RPC frame limit).
          if (handler === handleSnapshot && fwd.forwardStream) {
            forwardStreamed(fwd.forwardStream.bind(fwd), req, res, done, forwardedHeaders(req, url, backend.acl?.defaultToken?.(), backend.nodeName), onError);
            return;
          }
          forward(fwd, req, res, backend.limits?.bodyIdleMs ?? BODY_IDLE_MS, done, resolveNearAgent(url, backend.nodeName), backend.acl?.defaultToken?.(), backend.nodeName);
          return;
        }
      } catch (err) {
        // A forwarder that throws must not take the process down: answer as any other failure.
        onError?.(err, req.method ?? 'GET', url);
        if (!res.headersSent && !res.destroyed) plain(res, 500, err instanceof Error ? err.message : String(err));
        return;
      }
    }
    // A secondary without token replication has no local tokens, so no auth methods (Consul refuses them there).
    if (handler === handleAclAuth && backend.localTokensEnabled === false && needsLocalTokens(rest)) {
      plain(res, 500, AUTH_METHODS_NEED_TOKEN_REPLICATION);
      return;
    }
    if (limits && handler !== handleAgent) {
      const refused = limits.check(req.method ?? 'GET', path);
      if (refused) {
        plain(res, refused.status, refused.message);
        return;
      }
    }
    const call = new ApiCall(req, res, backend, rest, new QueryParams(qi < 0 ? '' : url.slice(qi + 1)), alwaysPretty);
    try {
      // ACLs: one gate for every endpoint (acl-permissions.ts); synchronous on a server, so the hot path stays so.
      const gate = backend.acl ? aclGate(call, path) : undefined;
      const pending = gate ? gate.then(() => handler(call)) : handler(call);
      if (pending)
        pending.then(
          () => {
            finish(call);
            done?.();
          },
          (err) => {
            failed(call, err);
            done?.();
          },
        );
      else {
        finish(call);
        done?.();
      }
    } catch (err) {
      failed(call, err);
      done?.();
    }
  };

  const failed = (call: ApiCall, err: unknown): void => {
    if (onError && !errorAnswer(err).expected) onError(err, call.method, call.req.url ?? '');
    call.fail(err);
  };

  const connLimit = { max: options.maxConnsPerClient ?? 200 };
  const keepAliveMs = options.keepAliveTimeoutMs ?? 120_000;
  const secure = options.tls !== undefined;
  let server: http.Server | http2.Http2SecureServer;
  let limited: ReturnType<typeof limitConnectionsPerClient>;
  if (secure) {
    // node:http2 (and TLS) is loaded only by an agent that serves HTTPS.
    const { createSecureServer } = createRequire(import.meta.url)('node:http2') as typeof http2;
    const secureServer = createSecureServer(
      {
        ...options.tls,
        keepAlive: true,
        allowHTTP1: true,
        settings: {
          maxConcurrentStreams: H2_MAX_CONCURRENT_STREAMS,
          // Go's HTTP/2 server advertises MaxHeaderBytes as SETTINGS_MAX_HEADER_LIST_SIZE.
          ...(options.maxHeaderBytes ? { maxHeaderListSize: options.maxHeaderBytes } : {}),
        },
        // node:http2 refuses a header block of more than 128 fields; its HTTP/1.1 parser takes 2,000.
        maxHeaderListPairs: 2000,
        // Node 24 reads the HTTP/1.1 side's header limit from the options; 20 and 22 from the property below.
        ...(options.maxHeaderBytes ? { maxHeaderSize: options.maxHeaderBytes } : {}),
      },
      (req, res) => {
        const r1 = req as unknown as http.IncomingMessage;
        const s1 = res as unknown as http.ServerResponse;
        if (limited.refuseH2(r1, s1)) return;
        if (r1.httpVersionMajor === 2) trackIdle(r1);
        handle(r1, s1);
      },
    );
    if (options.maxHeaderBytes) (secureServer as unknown as { maxHeaderSize: number }).maxHeaderSize = options.maxHeaderBytes;
    const trackIdle = closeIdleSessions(secureServer, keepAliveMs);
    server = secureServer;
  } else {
    server = nodeHttp.createServer({ keepAlive: true, ...(options.maxHeaderBytes ? { maxHeaderSize: options.maxHeaderBytes } : {}) }, handle);
  }
  // Blocking queries last up to 10 min + jitter: no request or socket timeout; headers must still come fast.
  // On the HTTPS server these are its HTTP/1.1 connections' (node:http2 defaults requestTimeout to 5 minutes
  // there); its HTTP/2 sessions have no timeout unless `timeout` is set, and idle ones close in idle-sessions.ts.
  const timeouts = server as http.Server;
  timeouts.requestTimeout = 0;
  timeouts.headersTimeout = 60_000;
  timeouts.timeout = 0;
  timeouts.keepAliveTimeout = keepAliveMs;
  limited = limitConnectionsPerClient(server, connLimit, secure);

  return {
    server,
    handle,
    internalGet: (url, headers, signal) => runInternalGet(handle, url, headers, signal),
    setSecureContext(options: SecureContextOptions): void {
      if (!secure) throw new Error('setSecureContext: this HTTP API does not serve TLS');
      (server as http2.Http2SecureServer).setSecureContext(options);
    },
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
      cache?.close();
      return new Promise((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => resolve());
        // Every connection, HTTP/2 sessions and handshakes included (node:http2's server has no closeAllConnections).
        for (const socket of limited.sockets) socket.destroy();
      });
    },
  };
}

/** True when the query's `dc` parameter names a datacenter other than this one. */
function otherDatacenter(query: string, local: string): boolean {
  if (!query.includes('dc=')) return false;
  const dc = new URLSearchParams(query).get('dc');
  return dc !== null && dc !== '' && dc !== local;
}

/** The largest request body forwarded to another agent (the agent RPC frame limit). */
const MAX_FORWARDED_BODY = 64 << 20;

/** Answers the request through another agent: reads it whole, writes the reply as it came, or the error. */
function forward(
  fwd: RequestForwarder,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  idleMs: number,
  done: (() => void) | undefined,
  url: string,
  defaultToken: string | undefined,
  /** This agent's node name, sent along as the agent asked unless an agent before it already did (near-sort.ts). */
  agentNode: string,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  const idle = () => {
    refused = true;
    dropRequestAfterAnswer(req, res);
    plain(res, 408, `Request body not received: nothing arrived for ${idleMs / 1000} s`);
  };
  let timer = setTimeout(idle, idleMs);
  req.on('data', (c: Buffer) => {
    clearTimeout(timer);
    if (refused) return;
    size += c.length;
    // Nothing bigger crosses agent RPC (its frame limit): refuse it here rather than buffer it first.
    if (size > MAX_FORWARDED_BODY) {
      refused = true;
      dropRequestAfterAnswer(req, res);
      plain(res, 413, `Request body(${size} bytes) too large, max size: ${MAX_FORWARDED_BODY} bytes.`);
      return;
    }
    chunks.push(c);
    timer = setTimeout(idle, idleMs);
  });
  req.on('error', () => {
    clearTimeout(timer);
    res.destroy();
  });
  req.on('end', () => {
    clearTimeout(timer);
    if (refused) return;
    const headers = forwardedHeaders(req, url, defaultToken, agentNode);
    fwd.forward({ method: req.method ?? 'GET', url, headers, body: Buffer.concat(chunks) }).then(
      (reply) => {
        done?.();
        if (res.headersSent || res.destroyed) return;
        // Another agent's headers are its own to choose; an HTTP/2 answer cannot carry its connection's.
        res.writeHead(reply.status, req.httpVersionMajor === 2 ? withoutConnectionHeaders(reply.headers) : reply.headers);
        res.end(reply.body);
      },
      (err: unknown) => {
        done?.();
        if (res.headersSent || res.destroyed) return;
        const a = errorAnswer(err);
        res.writeHead(a.status, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(a.message);
      },
    );
  });
}

/** Consul's `Request finished: method= url= from= latency=` once the answer is written, tokens hidden. */
function logFinished(log: Pick<Logger, 'debug'>, req: http.IncomingMessage, res: http.ServerResponse, url: string): void {
  const start = process.hrtime.bigint();
  const from = joinHostPort(req.socket.remoteAddress ?? '', String(req.socket.remotePort ?? ''));
  res.once('close', () => {
    log.debug('Request finished', {
      method: req.method ?? 'GET',
      url: url.replace(/([?&]token=)[^&]*/g, '$1<hidden>'),
      from,
      latency: formatGoDuration(process.hrtime.bigint() - start),
    });
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
