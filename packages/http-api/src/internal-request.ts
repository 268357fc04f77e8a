// A GET run through the API's own request handler without a socket, its answer captured: how the agent cache
// fills and refreshes entries through exactly the path a client's request takes (local state on a server, a
// server's answer through the forwarder on a client agent). Only whole answers (writeHead + end) are captured;
// streaming endpoints are never run this way.

import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { nodeHttp } from '@conclave/toolkit';
import { Socket } from 'node:net';
import type { CachedReply } from './agent-cache.js';

/** Marks a request that the API made itself: not measured, not logged, never answered from the cache. */
export const INTERNAL_REQUEST = Symbol('conclave.internal-request');

type Handle = (req: IncomingMessage, res: ServerResponse) => void;

export function runInternalGet(handle: Handle, url: string, headers: Record<string, string>, abort: AbortSignal): Promise<CachedReply> {
  return new Promise((resolve, reject) => {
    // node:http through toolkit's require(): an ESM import of it loads undici on Node 22+ (agent-modules test).
    const req = new nodeHttp.IncomingMessage(new Socket());
    req.method = 'GET';
    req.url = url;
    req.headers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    // The token is read from rawHeaders (api-call.ts), as a socket's request carries it.
    req.rawHeaders = Object.entries(headers).flat();
    (req as unknown as Record<symbol, boolean>)[INTERNAL_REQUEST] = true;
    req.push(null);
    const res = new CapturedResponse((reply) => {
      abort.removeEventListener('abort', onAbort);
      resolve(reply);
    });
    const onAbort = () => {
      res.destroy();
      reject(new Error('internal request aborted'));
    };
    if (abort.aborted) return onAbort();
    abort.addEventListener('abort', onAbort);
    handle(req, res as unknown as ServerResponse);
  });
}

/** The part of ServerResponse the API's answers use. */
class CapturedResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  destroyed = false;
  private readonly headers: Record<string, string> = {};

  constructor(private readonly done: (reply: CachedReply) => void) {
    super();
  }

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    return this;
  }

  writeHead(status: number, headers?: Record<string, string> | readonly string[]): this {
    this.statusCode = status;
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) this.headers[String(headers[i]).toLowerCase()] = String(headers[i + 1]);
    } else if (headers) {
      for (const [k, v] of Object.entries(headers)) this.headers[k.toLowerCase()] = String(v);
    }
    this.headersSent = true;
    return this;
  }

  flushHeaders(): void {}

  end(body?: string | Uint8Array): this {
    if (this.destroyed) return this;
    const buf = body === undefined ? Buffer.alloc(0) : typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
    delete this.headers['content-length'];
    this.done({ status: this.statusCode, headers: this.headers, body: buf });
    this.emit('finish');
    this.emit('close');
    return this;
  }

  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.emit('close');
    return this;
  }
}
