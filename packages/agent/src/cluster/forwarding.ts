// Answering HTTP requests through a server, as Consul's client agents do over RPC: the request travels as an
// `http` RPC to a server, which runs it against its own HTTP API and returns status, Consul headers and body.
// Client agents forward everything but /v1/agent/*; follower servers forward non-stale reads and the writes
// that need the leader (sessions, txn, snapshots, operator) to it. A server that cannot be reached is skipped
// for the next one. Snapshots, which may be gigabytes, do not travel as one RPC: they stream through the server
// port's `/v1/snapshot` route (stream-dial.ts, server-listener.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { AGENT_NODE_HEADER, CARRIED_REQUEST, pickHeaders, type ForwardedReply, type ForwardedRequest, type RequestForwarder } from '@conclave/http-api';
import { NoLeaderError, NoServersError } from '@conclave/state';
import { nodeHttp, sleep, type Logger } from '@conclave/toolkit';
import { RPC_HOLD_TIMEOUT_MS, RpcError, type RpcClient } from './rpc.js';

/** The `http` RPC's arguments and answer: the request and reply http-api hands over. */
export type HttpCall = ForwardedRequest;
export type HttpReply = ForwardedReply;

const STALE = /(^|&)stale(=|&|$)/;

/** Which requests a follower server hands to the leader: reads unless ?stale, and every write except KV
 * writes, which it answers itself by proposing through its Raft log (one `apply` RPC to the leader, no
 * second HTTP round trip). */
export function followerForwards(path: string, query: string, method: string): boolean {
  if (method === 'GET') return !STALE.test(query);
  return !((method === 'PUT' || method === 'DELETE') && path.startsWith('/v1/kv/'));
}

const TEN_MINUTES_MS = 10 * 60_000;

export class RpcForwarder implements RequestForwarder {
  constructor(
    /** Which requests go elsewhere. */
    private readonly decide: (path: string, query: string, method: string) => boolean,
    /** Servers to try, best first (the leader for a follower; every known server for a client). */
    private readonly targets: () => string[],
    private readonly rpc: RpcClient,
    /** Which error to answer when no target is known after the hold timeout. */
    private readonly noTarget: 'no-leader' | 'no-servers',
    private readonly logger: Logger,
  ) {}

  shouldForward(path: string, query: string, method: string): boolean {
    return this.decide(path, query, method);
  }

  forward(request: ForwardedRequest): Promise<ForwardedReply> {
    return this.send(request);
  }

  /** A request too large to hold (a snapshot), streamed both ways to the first reachable target: one that
   * refused the connection is skipped for the next, one that got any of the body is not (a restore is not
   * sent twice). */
  async forwardStream(request: Omit<HttpCall, 'body'>, body: Readable): Promise<IncomingMessage> {
    let last: unknown = this.noTargetError();
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    for (const target of await this.heldTargets()) {
      try {
        return await this.rpc.stream(target, request, hasBody ? body : undefined);
      } catch (err) {
        last = err;
        if (!(err instanceof RpcError && err.transport) || (err.sent && hasBody)) break;
        this.logger.debug('Server unreachable, trying the next one', { server: target, error: err });
      }
    }
    throw last;
  }

  /** Sends the call to the first reachable target; with none known (an election under way, servers not yet
   * found by gossip) it waits up to the hold timeout for one, as Consul holds RPCs. */
  async send(call: HttpCall): Promise<HttpReply> {
    const timeout = rpcTimeoutFor(call.url);
    let last: unknown = this.noTargetError();
    for (const target of await this.heldTargets()) {
      try {
        return (await this.rpc.call(target, 'http', call, timeout)) as HttpReply;
      } catch (err) {
        last = err;
        // A request the server may have handled is sent again only if it changes nothing.
        if (!(err instanceof RpcError && err.transport) || (err.sent && call.method !== 'GET' && call.method !== 'HEAD')) break;
        this.logger.debug('Server unreachable, trying the next one', { server: target, error: err });
      }
    }
    throw last;
  }

  private noTargetError(): Error {
    return this.noTarget === 'no-leader' ? new NoLeaderError() : new NoServersError();
  }

  /** The targets, waiting up to the hold timeout for one to be known. */
  private async heldTargets(): Promise<string[]> {
    let targets = this.targets();
    for (const deadline = Date.now() + RPC_HOLD_TIMEOUT_MS; targets.length === 0 && Date.now() < deadline; ) {
      await sleep(50);
      targets = this.targets();
    }
    return targets;
  }
}

/** Blocking queries may hold for up to 10 minutes plus jitter; other requests get half a minute. */
export function rpcTimeoutFor(url: string): number {
  return /[?&]index=\d/.test(url) ? TEN_MINUTES_MS + TEN_MINUTES_MS / 16 + 30_000 : 30_000;
}

/** Headers of the server's answer that the client passes on. */
const CARRIED_RESPONSE = /^(content-type|x-consul-.*|x-content-type-options|content-security-policy|allow)$/;

/** Runs a forwarded call against this server's own HTTP API (the server side of `http` RPC). */
export class LoopbackHttp {
  private readonly agent = new nodeHttp.Agent({ keepAlive: true, maxSockets: 256 });

  constructor(private readonly address: () => { host: string; port: number } | undefined) {}

  call(c: HttpCall): Promise<HttpReply> {
    const addr = this.address();
    if (!addr) return Promise.reject(new RpcError('this server does not serve HTTP (ports.http = -1)', false, 500));
    return new Promise((resolve, reject) => {
      const req = nodeHttp.request(
        { host: addr.host, port: addr.port, method: c.method, path: c.url, headers: { ...c.headers, 'content-length': c.body.length }, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => {
            // rawHeaders keep the server's spelling (X-Consul-KnownLeader), which the client then repeats.
            const headers: Record<string, string> = {};
            for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
              const k = res.rawHeaders[i]!;
              if (CARRIED_RESPONSE.test(k.toLowerCase())) headers[k] = res.rawHeaders[i + 1]!;
            }
            resolve({ status: res.statusCode ?? 500, headers, body: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(c.body);
    });
  }

  /**
   * Runs a streamed request (the server port's `/v1/snapshot` route) against this server's own HTTP API: the
   * body is piped in and the answer piped out, with the headers a forwarded call carries each way.
   */
  stream(req: IncomingMessage, res: ServerResponse): void {
    const addr = this.address();
    if (!addr) {
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('this server does not serve HTTP (ports.http = -1)');
      return;
    }
    const headers: Record<string, string> = {};
    for (const h of STREAM_REQUEST_HEADERS) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const up = nodeHttp.request({ host: addr.host, port: addr.port, method: req.method, path: req.url, headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 500, pickHeaders(answer.rawHeaders, CARRIED_RESPONSE));
      answer.on('error', () => res.destroy());
      answer.pipe(res);
    });
    up.on('error', (err) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`rpc error: ${err.message}`);
    });
    // Whichever side goes away first ends the exchange on the other.
    res.on('close', () => up.destroy());
    req.on('error', () => up.destroy());
    req.pipe(up);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** What a streamed request carries to this server's HTTP API (http-api's forwardedHeaders set them). */
const STREAM_REQUEST_HEADERS = [...CARRIED_REQUEST, AGENT_NODE_HEADER];

/** A JSON GET through the forwarder (client agents' reads for anti-entropy and DNS). */
export async function forwardedJson<T>(
  forwarder: { send(call: HttpCall): Promise<HttpReply> },
  url: string,
  token = '',
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  const headers = token ? { ...extraHeaders, 'x-consul-token': token } : extraHeaders;
  const reply = await forwarder.send({ method: 'GET', url, headers, body: new Uint8Array(0) });
  const text = Buffer.from(reply.body).toString('utf8');
  if (reply.status === 404) return null as T;
  if (reply.status !== 200) throw new RpcError(text || `HTTP ${reply.status}`, false, reply.status);
  return JSON.parse(text) as T;
}
