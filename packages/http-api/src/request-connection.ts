// What "the connection" of a request is, for state kept per connection (the ACL resolver's token digest memo,
// toolkit's secret-digest.ts). Over HTTP/1.1 it is the socket. Over HTTP/2 node:http2 gives every stream a
// socket proxy of its own, so keying by `req.socket` would see a new connection per request (and hash every
// token again); the HTTP/2 session is what the requests of one connection share.
import type { IncomingMessage } from 'node:http';
import type { Http2Session } from 'node:http2';

/** The HTTP/2 session `req` came on (node:http2's compatibility request); undefined over HTTP/1.1. */
export function requestSession(req: IncomingMessage): Http2Session | undefined {
  return (req as { stream?: { session?: Http2Session } }).stream?.session;
}

/** The object that stands for `req`'s connection: its HTTP/2 session, or its socket. */
export function requestConnection(req: IncomingMessage): object | undefined {
  if ((req as { stream?: unknown }).stream !== undefined) return requestSession(req);
  return req.socket ?? undefined;
}
