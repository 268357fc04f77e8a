// Requests for another datacenter (`?dc=dc2`): a server sends them as an `http` RPC to a server of that
// datacenter, found in the WAN pool, which answers them as its own (forwarding to its leader if it must). The
// caller's token headers travel with the request (http-api carries them). A server that cannot be reached is
// skipped for the next; with none known, or none reachable, the answer is Consul's `No path to datacenter`
// at once: a datacenter that is down must not hold requests.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { ForwardedReply, ForwardedRequest, RequestForwarder } from '@conclave/http-api';
import { RefusedError, type Logger } from '@conclave/toolkit';
import { RpcError, type RpcClient } from './rpc.js';
import { rpcTimeoutFor } from './forwarding.js';

/** Consul's error text (structs.ErrNoDCPath) for a datacenter no server can be reached in. */
export const NO_PATH_TO_DATACENTER = 'No path to datacenter';

export class WanForwarder implements RequestForwarder {
  constructor(
    /** The alive servers of a datacenter, in the order to try them. */
    private readonly serversOf: (dc: string) => string[],
    private readonly rpc: RpcClient,
    private readonly logger: Logger,
  ) {}

  shouldForward(): boolean {
    return true;
  }

  forward(request: ForwardedRequest): Promise<ForwardedReply> {
    const dc = datacenterParam(request.url);
    if (dc === undefined) return Promise.reject(new RefusedError(NO_PATH_TO_DATACENTER));
    return this.send(dc, request);
  }

  /** A snapshot for another datacenter, streamed both ways to one of its servers' ports (stream-dial.ts). A
   * server that refused the connection is skipped; one that got any of a restore's body is not asked again. */
  async forwardStream(request: Omit<ForwardedRequest, 'body'>, body: Readable): Promise<IncomingMessage> {
    const dc = datacenterParam(request.url);
    if (dc === undefined) throw new RefusedError(NO_PATH_TO_DATACENTER);
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    for (const target of this.serversOf(dc)) {
      try {
        return await this.rpc.stream(target, request, hasBody ? body : undefined);
      } catch (err) {
        if (!(err instanceof RpcError && err.transport) || (err.sent && hasBody)) throw err;
        this.logger.debug('Server of another datacenter unreachable, trying the next one', { datacenter: dc, server: target, error: err });
      }
    }
    throw new RefusedError(NO_PATH_TO_DATACENTER);
  }

  async send(dc: string, call: ForwardedRequest): Promise<ForwardedReply> {
    const timeout = rpcTimeoutFor(call.url);
    for (const target of this.serversOf(dc)) {
      try {
        return (await this.rpc.call(target, 'http', call, timeout)) as ForwardedReply;
      } catch (err) {
        if (!(err instanceof RpcError && err.transport)) throw err;
        this.logger.debug('Server of another datacenter unreachable, trying the next one', { datacenter: dc, server: target, error: err });
      }
    }
    throw new RefusedError(NO_PATH_TO_DATACENTER);
  }
}

/** The `dc` query parameter of a request URL, or undefined. */
export function datacenterParam(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get('dc') ?? undefined;
}
