// Agent-to-server RPC: msgpackr frames on the server port, multiplexed by request id. Request [id, method, args];
// response [id, error | null, result]. A broken connection fails its requests at once so the caller can try
// another server. A typed log error (NoLeaderError, ...) travels as its `code` and is rebuilt as the same class on
// the caller. The frames travel on plain TCP (the protocol byte, then length-prefixed frames), or on a WebSocket
// when the cluster runs TLS (rpc-channel.ts; docs/architecture.md says why there are two carriers).
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import { createRequire } from 'node:module';
import { Packr } from 'msgpackr';
import type { RawData, WebSocket as WsSocket, WebSocketServer as WsServer } from 'ws';
import type { TlsDialOptions } from '@conclave/raft';
import { RateLimitedError, TokenBucket } from '@conclave/toolkit';
import { rebuildLogError } from '@conclave/state';
import { ConnectError, FramedChannel, RPC_PROTOCOL_BYTE, WsChannel, type RpcChannel } from './rpc-channel.js';
import { FrameDecoder, MAX_RPC_FRAME, encodeFrame } from './rpc-frames.js';
import { StreamDialError, streamRequest, type StreamRequest } from './stream-dial.js';

export { RPC_PATH } from './rpc-channel.js';

/** How long a request or write waits for a server or a leader to be known (Consul's rpc_hold_timeout). */
export const RPC_HOLD_TIMEOUT_MS = 7000;

/** Calls are refused (not queued) once this much is waiting to be sent to one server: a server that stopped
 * reading must not make a caller's memory grow without end. */
export const MAX_RPC_SEND_BUFFER = 2 * MAX_RPC_FRAME;

export type RpcHandler = (method: string, args: unknown) => Promise<unknown>;

/** An error raised by the remote handler (its message is Consul's text) or by the connection. */
export class RpcError extends Error {
  override name = 'RpcError';
  constructor(
    message: string,
    /** True when the connection failed rather than the handler (connect failure, connection lost, timeout). */
    readonly transport: boolean,
    /** HTTP status of a reply that stands for an HTTP answer (forwarded requests), if any. */
    readonly status?: number,
    /** A transport error after the request was sent (connection lost, timeout): the server may have handled it,
     * so a write must not be sent again — its outcome is unknown. */
    readonly sent = false,
  ) {
    super(message);
  }
}

const packr = new Packr({ useRecords: false, moreTypes: true });

/** The server side: takes connections of either carrier and answers each request with the handler. */
export class RpcServer {
  private wss: WsServer | undefined;
  private readonly framed = new Set<Socket>();

  constructor(private readonly handler: RpcHandler) {}

  /** A WebSocket upgrade to /rpc (a TLS cluster, or a client that predates the plain protocol). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Servers load ws for Raft anyway; required here so that importing this file loads nothing of it.
    if (!this.wss) {
      const { WebSocketServer } = createRequire(import.meta.url)('ws') as typeof import('ws');
      this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_RPC_FRAME });
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.acceptWs(ws));
  }

  /** A plain connection whose protocol byte the server port has read: acknowledge it, then serve frames. */
  acceptFramed(socket: Socket): void {
    this.framed.add(socket);
    socket.setNoDelay(true);
    const decoder = new FrameDecoder(MAX_RPC_FRAME);
    const cut = () => socket.destroy();
    // Backpressure: a peer that sends requests but does not read the answers stops being read from once its
    // answers fill the socket's buffer, and is read again when they drain — memory stays bounded per connection.
    const reply = (payload: Uint8Array) => {
      if (socket.destroyed) return;
      if (!socket.write(encodeFrame(payload))) socket.pause();
    };
    socket.on('drain', () => socket.resume());
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch {
        cut(); // a length over the limit: the peer is cut off before any of it is kept
        return;
      }
      for (const f of frames) {
        if (socket.destroyed) return;
        this.serve(f, reply, cut);
      }
    });
    socket.on('error', cut);
    socket.once('close', () => this.framed.delete(socket));
    socket.write(Buffer.of(RPC_PROTOCOL_BYTE));
  }

  private acceptWs(ws: WsSocket): void {
    ws.on('error', () => ws.terminate());
    ws.on('message', (raw: RawData) =>
      this.serve(
        raw as Buffer,
        (payload) => {
          if (ws.readyState === ws.OPEN) ws.send(payload);
        },
        () => ws.terminate(),
      ),
    );
  }

  private serve(raw: Buffer, reply: (payload: Uint8Array) => void, cut: () => void): void {
    let id: number;
    let method: string;
    let args: unknown;
    try {
      [id, method, args] = packr.unpack(raw) as [number, string, unknown];
    } catch {
      cut(); // a peer speaking nonsense is cut off
      return;
    }
    this.handler(method, args).then(
      (result) => reply(packr.pack([id, null, result])),
      (err: unknown) => {
        const e = err as Error & { status?: number; code?: unknown };
        const code = typeof e?.code === 'string' ? e.code : undefined;
        reply(packr.pack([id, { message: e?.message ?? String(err), status: e?.status, code }, null]));
      },
    );
  }

  close(): void {
    for (const s of this.framed) s.destroy();
    this.framed.clear();
    if (this.wss) {
      for (const ws of this.wss.clients) ws.terminate();
      this.wss.close();
    }
  }
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

interface Conn {
  channel: RpcChannel;
  pending: Map<number, Pending>;
}

export class RpcClient {
  private readonly conns = new Map<string, Conn>();
  /** Servers that answered the protocol byte with HTTP (an older version): reached over WebSocket. */
  private readonly wsOnly = new Set<string>();
  private seq = 0;
  private closed = false;

  /**
   * `tls` is asked at every new connection: undefined means the plain protocol. `rate` (a client agent's
   * limits.rpc_rate) refuses calls over it with Consul's "RPC rate limit exceeded" (answered 429). `onCall` is told
   * of every call made (consul.client.rpc).
   */
  constructor(
    private readonly tls: () => TlsDialOptions | undefined = () => undefined,
    private readonly rate?: TokenBucket,
    private readonly onCall?: () => void,
  ) {}

  /**
   * One streamed HTTP exchange with the server's port (stream-dial.ts), for what is too large for a call: its
   * body and answer are never held. Rejects with RpcError (transport; `sent` once the body began to flow).
   */
  async stream(address: string, request: StreamRequest, body: Readable | undefined): Promise<IncomingMessage> {
    if (this.closed) throw new RpcError('rpc client closed', true);
    if (this.rate && !this.rate.take()) throw new RateLimitedError('RPC rate limit exceeded');
    this.onCall?.();
    try {
      return await streamRequest(address, this.tls(), request, body);
    } catch (err) {
      throw new RpcError((err as Error).message, true, undefined, err instanceof StreamDialError && err.sent);
    }
  }

  /** Calls `method` on the server at `address` (host:port); rejects with RpcError. */
  async call(address: string, method: string, args: unknown, timeoutMs: number): Promise<unknown> {
    if (this.closed) throw new RpcError('rpc client closed', true);
    if (this.rate && !this.rate.take()) throw new RateLimitedError('RPC rate limit exceeded');
    this.onCall?.();
    const conn = await this.ready(address);
    if (conn.channel.buffered > MAX_RPC_SEND_BUFFER) throw new RpcError(`rpc error: ${address} is not reading: ${conn.channel.buffered} bytes wait to be sent`, true);
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        conn.pending.delete(id);
        reject(new RpcError(`rpc error: ${method} to ${address} timed out after ${timeoutMs} ms`, true, undefined, true));
      }, timeoutMs);
      conn.pending.set(id, { resolve, reject, timer });
      try {
        conn.channel.send(packr.pack([id, method, args]));
      } catch (err) {
        clearTimeout(timer);
        conn.pending.delete(id);
        reject(new RpcError(`rpc error: ${(err as Error).message}`, true));
      }
    });
  }

  close(): void {
    this.closed = true;
    for (const [addr, c] of this.conns) this.drop(addr, c, 'rpc client closed');
  }

  /** The connection to `address`, once ready; a server that speaks only WebSocket is dialled again that way. */
  private async ready(address: string): Promise<Conn> {
    for (let attempt = 0; ; attempt++) {
      const conn = this.connect(address);
      try {
        await conn.channel.ready;
        return conn;
      } catch (err) {
        this.drop(address, conn, 'connect failed');
        if (err instanceof ConnectError && err.wsOnly && attempt === 0) {
          this.wsOnly.add(address);
          continue;
        }
        throw new RpcError(`rpc error: ${(err as Error).message}`, true);
      }
    }
  }

  private connect(address: string): Conn {
    const existing = this.conns.get(address);
    if (existing) return existing;
    const pending = new Map<number, Pending>();
    const events = {
      message: (raw: Buffer) => this.receive(address, conn, raw),
      closed: (why: string) => this.drop(address, conn, `rpc error: ${why}`),
    };
    const tls = this.tls();
    const channel = tls || this.wsOnly.has(address) ? new WsChannel(address, tls, events) : new FramedChannel(address, events);
    const conn: Conn = { channel, pending };
    this.conns.set(address, conn);
    return conn;
  }

  private receive(address: string, conn: Conn, raw: Buffer): void {
    let frame: [number, { message: string; status?: number; code?: string } | null, unknown];
    try {
      frame = packr.unpack(raw) as typeof frame;
    } catch {
      this.drop(address, conn, `rpc error: bad frame from ${address}`);
      return;
    }
    const p = conn.pending.get(frame[0]);
    if (!p) return;
    conn.pending.delete(frame[0]);
    clearTimeout(p.timer);
    const e = frame[1];
    if (e) p.reject((e.code && rebuildLogError(e.code, e.message)) || new RpcError(e.message, false, e.status ?? undefined));
    else p.resolve(frame[2]);
  }

  private drop(address: string, conn: Conn, why: string): void {
    if (this.conns.get(address) === conn) this.conns.delete(address);
    for (const p of conn.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new RpcError(why, true, undefined, true));
    }
    conn.pending.clear();
    conn.channel.close();
  }
}
