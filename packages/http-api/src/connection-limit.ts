// limits.http_max_conns_per_client: open connections per client IP, counted even while there is no limit (so
// that a limit set by a reload sees the connections already open). Beyond it a new connection is refused the
// way its protocol understands: HTTP/1.1 gets Consul's 429 written on the socket and the connection closed;
// a connection that negotiated HTTP/2 (ALPN h2 on the HTTPS port) cannot take raw HTTP/1.1 bytes, so its
// session answers each request 429 with the same text and closes gracefully (GOAWAY) after the first.
// An HTTP/2 connection counts once however many streams it carries (Go's connlimit counts connections too).
import type * as http from 'node:http';
import type { Http2Session } from 'node:http2';
import type { Server as NetServer, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { requestSession } from './request-connection.js';

export const TOO_MANY = 'Your IP is issuing too many concurrent connections, please rate limit your calls\n';

/** Marks a connection refused over the limit that negotiated HTTP/2 (set on its TLS socket, read through the
 * session's socket proxy, which forwards property reads to the socket). */
const REFUSED = Symbol('conclave.refused-connection');
/** The same mark on the session, where the request path finds it without the proxy. */
const REFUSED_SESSION = Symbol('conclave.refused-session');

export interface ConnectionLimit {
  /** Sockets open now (raw TCP, handshakes included): what close() ends. */
  readonly sockets: ReadonlySet<Socket>;
  /** For a request on a refused HTTP/2 session: answers it 429 and returns true. */
  refuseH2(req: http.IncomingMessage, res: http.ServerResponse): boolean;
}

export function limitConnectionsPerClient(server: NetServer, limit: { readonly max: number }, secure: boolean): ConnectionLimit {
  const open = new Map<string, number>();
  const sockets = new Set<Socket>();
  // Every socket, from accept on, so that close() can end the ones still in their TLS handshake too.
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const admit = (socket: Socket): void => {
    const ip = socket.remoteAddress ?? '';
    const n = (open.get(ip) ?? 0) + 1;
    if (limit.max > 0 && n > limit.max) {
      if ((socket as TLSSocket).alpnProtocol === 'h2') {
        (socket as unknown as Record<symbol, boolean>)[REFUSED] = true;
        return;
      }
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
  };
  if (secure) {
    // Over TLS the answer must go through the encrypted socket, which exists once the handshake is done; and
    // before node:http2's own listener makes the socket an HTTP/2 session, so the mark is there for 'session'.
    server.prependListener('secureConnection', admit);
    server.on('session', (session: Http2Session) => {
      if ((session.socket as unknown as Record<symbol, boolean | undefined>)[REFUSED])
        (session as unknown as Record<symbol, boolean>)[REFUSED_SESSION] = true;
    });
  } else {
    server.on('connection', admit);
  }
  return {
    sockets,
    refuseH2(req, res) {
      const session = requestSession(req);
      if (session === undefined || !(session as unknown as Record<symbol, boolean | undefined>)[REFUSED_SESSION]) return false;
      res.writeHead(429, ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(TOO_MANY.length)]);
      res.end(TOO_MANY);
      // GOAWAY once the streams already open are answered; the client opens a new connection if it retries.
      if (!session.closed) session.close();
      return true;
    },
  };
}
