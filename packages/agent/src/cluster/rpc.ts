// Agent-to-server RPC: WebSocket connections on the server port (path `/rpc`) carrying msgpackr frames.
// Request [id, method, args]; response [id, error | null, result]. Requests multiplex on one connection per
// server; a broken connection fails its requests at once so the caller can try another server. A typed log
// error (NoLeaderError, ...) travels as its `code` and is rebuilt as the same class on the caller.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createRequire } from 'node:module';
import { Packr } from 'msgpackr';
import type { ClientOptions, RawData, WebSocket as WsSocket } from 'ws';
import type { TlsDialOptions } from '@conclave/raft';
import { RateLimitedError, TokenBucket } from '@conclave/toolkit';
import { rebuildLogError } from '@conclave/state';

// ws is CommonJS: an ESM `import` makes Node scan its sources for export names (cjs-module-lexer), hot enough
// to start the optimizing compiler, which costs an idle client agent several MB of RSS. require() skips that.
const { WebSocket, WebSocketServer } = createRequire(import.meta.url)('ws') as typeof import('ws');
type WebSocket = WsSocket;

export const RPC_PATH = '/rpc';

/** How long a request or write waits for a server or a leader to be known (Consul's rpc_hold_timeout). */
export const RPC_HOLD_TIMEOUT_MS = 7000;

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
const MAX_PAYLOAD = 64 << 20;

export class RpcServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });

  constructor(private readonly handler: RpcHandler) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    ws.on('error', () => ws.terminate());
    ws.on('message', (raw: RawData) => {
      let id: number;
      let method: string;
      let args: unknown;
      try {
        [id, method, args] = packr.unpack(raw as Buffer) as [number, string, unknown];
      } catch {
        ws.terminate(); // a peer speaking nonsense is cut off
        return;
      }
      this.handler(method, args).then(
        (result) => send(ws, [id, null, result]),
        (err: unknown) => {
          const e = err as Error & { status?: number; code?: unknown };
          const code = typeof e?.code === 'string' ? e.code : undefined;
          send(ws, [id, { message: e?.message ?? String(err), status: e?.status, code }, null]);
        },
      );
    });
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}

function send(ws: WebSocket, frame: unknown): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(packr.pack(frame));
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

interface Conn {
  ws: WebSocket;
  ready: Promise<void>;
  pending: Map<number, Pending>;
}

export class RpcClient {
  private readonly conns = new Map<string, Conn>();
  private seq = 0;
  private closed = false;

  /**
   * `tls` is asked at every new connection: undefined means plain `ws://`. `rate` (a client agent's
   * limits.rpc_rate) refuses calls over it with Consul's "RPC rate limit exceeded" (answered 429). `onCall` is told
   * of every call made (consul.client.rpc).
   */
  constructor(
    private readonly tls: () => TlsDialOptions | undefined = () => undefined,
    private readonly rate?: TokenBucket,
    private readonly onCall?: () => void,
  ) {}

  /** Calls `method` on the server at `address` (host:port); rejects with RpcError. */
  async call(address: string, method: string, args: unknown, timeoutMs: number): Promise<unknown> {
    if (this.closed) throw new RpcError('rpc client closed', true);
    if (this.rate && !this.rate.take()) throw new RateLimitedError('RPC rate limit exceeded');
    this.onCall?.();
    const conn = this.connect(address);
    await conn.ready;
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        conn.pending.delete(id);
        reject(new RpcError(`rpc error: ${method} to ${address} timed out after ${timeoutMs} ms`, true, undefined, true));
      }, timeoutMs);
      conn.pending.set(id, { resolve, reject, timer });
      try {
        conn.ws.send(packr.pack([id, method, args]));
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

  private connect(address: string): Conn {
    const existing = this.conns.get(address);
    if (existing) return existing;
    const tls = this.tls();
    const ws = tls
      ? // ws types checkServerIdentity as its own legacy hook; at run time the options reach tls.connect as they are.
        new WebSocket(`wss://${address}${RPC_PATH}`, { ...tls, perMessageDeflate: false, handshakeTimeout: 2000, maxPayload: MAX_PAYLOAD } as ClientOptions)
      : new WebSocket(`ws://${address}${RPC_PATH}`, { perMessageDeflate: false, handshakeTimeout: 2000, maxPayload: MAX_PAYLOAD });
    const pending = new Map<number, Pending>();
    const conn: Conn = {
      ws,
      pending,
      ready: new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', (err) => reject(new RpcError(`rpc error: failed to reach ${address}: ${err.message}`, true)));
      }),
    };
    conn.ready.catch(() => undefined);
    ws.on('message', (raw: RawData) => {
      let frame: [number, { message: string; status?: number; code?: string } | null, unknown];
      try {
        frame = packr.unpack(raw as Buffer) as typeof frame;
      } catch {
        this.drop(address, conn, `rpc error: bad frame from ${address}`);
        return;
      }
      const p = pending.get(frame[0]);
      if (!p) return;
      pending.delete(frame[0]);
      clearTimeout(p.timer);
      const e = frame[1];
      if (e) p.reject((e.code && rebuildLogError(e.code, e.message)) || new RpcError(e.message, false, e.status ?? undefined));
      else p.resolve(frame[2]);
    });
    ws.on('close', () => this.drop(address, conn, `rpc error: connection to ${address} closed`));
    ws.on('error', () => this.drop(address, conn, `rpc error: connection to ${address} failed`));
    this.conns.set(address, conn);
    return conn;
  }

  private drop(address: string, conn: Conn, why: string): void {
    if (this.conns.get(address) === conn) this.conns.delete(address);
    for (const p of conn.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new RpcError(why, true, undefined, true));
    }
    conn.pending.clear();
    conn.ws.removeAllListeners('message');
    conn.ws.on('error', () => undefined);
    if (conn.ws.readyState === WebSocket.OPEN || conn.ws.readyState === WebSocket.CONNECTING) conn.ws.terminate();
  }
}
