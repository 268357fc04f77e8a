// One streamed HTTP exchange with a server's port (its `/v1/snapshot` route, server-listener.ts): the request
// body goes up as the caller sends it and the answer comes back as a stream, so a snapshot of any size crosses
// agents without being held, as Consul's snapshot RPC streams. Plain HTTP, or HTTPS with the cluster's TLS dial
// options when the port speaks only TLS. The body starts flowing only once the connection is up, so a server that
// cannot be reached has consumed none of it and the caller may try another.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { TlsDialOptions } from '@conclave/raft';
import { lazyNode, nodeHttp, splitHostPort } from '@conclave/toolkit';

/** A server that does not accept the connection within this time is given up for the next. */
export const STREAM_CONNECT_TIMEOUT_MS = 10_000;

export interface StreamRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export class StreamDialError extends Error {
  override name = 'StreamDialError';
  constructor(
    message: string,
    /** True once any of the body was handed to the connection: the server may have acted on it. */
    readonly sent: boolean,
  ) {
    super(message);
  }
}

export function streamRequest(address: string, tls: TlsDialOptions | undefined, request: StreamRequest, body: Readable | undefined): Promise<IncomingMessage> {
  const { host, port } = splitHostPort(address);
  return new Promise((resolve, reject) => {
    let sent = false;
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      reject(new StreamDialError(`rpc error: ${request.method} ${request.url.split('?')[0]} to ${address}: ${why}`, sent));
    };
    const options = { host, port: Number(port), method: request.method, path: request.url, headers: { ...request.headers, connection: 'close' }, agent: false as const };
    const req = tls ? lazyNode.https().request({ ...options, ...tls }) : nodeHttp.request(options);
    const connectTimer = setTimeout(() => {
      fail(`no connection within ${STREAM_CONNECT_TIMEOUT_MS} ms`);
      req.destroy();
    }, STREAM_CONNECT_TIMEOUT_MS);
    req.once('socket', (socket) => {
      const start = () => {
        clearTimeout(connectTimer);
        socket.setKeepAlive(true, 30_000);
        sent = true;
        if (!body) {
          req.end();
          return;
        }
        // The caller going away mid-upload abandons the request rather than sending a truncated archive as whole.
        body.once('error', () => req.destroy());
        body.once('close', () => {
          if (!body.readableEnded) req.destroy();
        });
        body.pipe(req);
      };
      if (socket.connecting) socket.once(tls ? 'secureConnect' : 'connect', start);
      else start();
    });
    req.once('response', (answer) => {
      clearTimeout(connectTimer);
      if (settled) {
        answer.destroy();
        return;
      }
      settled = true;
      resolve(answer);
    });
    req.once('error', (err) => {
      clearTimeout(connectTimer);
      fail(err.message);
    });
  });
}
