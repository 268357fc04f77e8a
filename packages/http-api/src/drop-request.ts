// Refusing the rest of a request body once the refusal has been answered (a 408 for a body that stopped
// arriving, a 413 past the size limit). Over HTTP/1.1 the connection carries the unread body, so it is closed
// after the answer. Over HTTP/2 only the stream is: as Go's HTTP/2 server does when a handler returns before the
// body ends, the answer is finished (END_STREAM) and the stream reset with NO_ERROR, which tells the client to
// stop sending without discarding the answer (RFC 9113 section 8.1); the session's other requests go on.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** http2.constants.NGHTTP2_NO_ERROR (node:http2 itself is loaded only by an agent that serves HTTPS). */
const NO_ERROR = 0;

interface H2Stream {
  destroyed: boolean;
  once(event: 'wantTrailers', listener: () => void): unknown;
  close(code: number): void;
}

/** Arranges for `req`'s unread body to be refused after `res` (not yet ended) has answered. */
export function dropRequestAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  const stream = (res as { stream?: H2Stream }).stream;
  if (stream === undefined) {
    res.once('finish', () => req.socket?.destroy());
    return;
  }
  if (stream.destroyed) return;
  // The compatibility response ends every answer through 'wantTrailers' (its listener queues an empty DATA frame
  // with END_STREAM, and runs before this one). The reset waits for the next turn, outside the send that asked for
  // trailers: node:http2 then writes what is queued before the RST_STREAM, so the answer arrives whole.
  stream.once('wantTrailers', () => {
    setImmediate(() => {
      if (!stream.destroyed) stream.close(NO_ERROR);
    });
  });
}
