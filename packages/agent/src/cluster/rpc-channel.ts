// One connection from an agent to a server's RPC port, as the RPC client sees it: frames of msgpack out and in,
// whatever carries them. Two carriers (docs/architecture.md, "Server RPC"):
//   FramedChannel  plain TCP: the protocol byte, then length-prefixed frames (rpc-frames.ts). No TLS, no ws.
//   WsChannel      a WebSocket on /rpc (wss:// with TLS): used when the cluster runs TLS, and for a server that
//                  predates the plain protocol (it answers the protocol byte with an HTTP 400).
import { connect, type Socket } from 'node:net';
import { createRequire } from 'node:module';
import type { ClientOptions, RawData, WebSocket as WsSocket } from 'ws';
import type { TlsDialOptions } from '@conclave/raft';
import { FrameDecoder, FrameTooLargeError, MAX_RPC_FRAME, encodeFrame } from './rpc-frames.js';

/** The first byte a plain RPC connection sends, and the server's answer once it took it (Consul's server port
 * reads one byte the same way to tell its protocols apart; 0 is its RPCConsul). An HTTP request, hence a
 * WebSocket upgrade, never starts with it. */
export const RPC_PROTOCOL_BYTE = 0x00;

export const RPC_PATH = '/rpc';

/** How long a new connection may take to be ready (ws's handshakeTimeout before). */
export const RPC_CONNECT_TIMEOUT_MS = 2000;

export interface ChannelEvents {
  /** One frame's payload. */
  message(payload: Buffer): void;
  /** The connection ended (either side, or an error); called once. */
  closed(why: string): void;
}

export interface RpcChannel {
  /** Resolves when calls may be sent; rejects with a ConnectError. */
  readonly ready: Promise<void>;
  send(payload: Uint8Array): void;
  /** Bytes this process holds for the connection that the kernel has not taken yet. */
  readonly buffered: number;
  close(): void;
}

export class ConnectError extends Error {
  override name = 'ConnectError';
  constructor(
    message: string,
    /** The server answered the protocol byte with HTTP: it only speaks WebSocket RPC. */
    readonly wsOnly = false,
  ) {
    super(message);
  }
}

/** host:port or [v6]:port. */
function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(i + 1)) };
}

export class FramedChannel implements RpcChannel {
  readonly ready: Promise<void>;
  private readonly socket: Socket;
  private readonly decoder = new FrameDecoder(MAX_RPC_FRAME);
  private open = false;
  private ended = false;

  constructor(address: string, private readonly events: ChannelEvents) {
    const { host, port } = splitAddress(address);
    const socket = connect({ host, port, noDelay: true });
    this.socket = socket;
    let settle: { resolve: () => void; reject: (e: Error) => void };
    this.ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    this.ready.catch(() => undefined);
    socket.setTimeout(RPC_CONNECT_TIMEOUT_MS, () => {
      settle.reject(new ConnectError(`failed to reach ${address}: no answer within ${RPC_CONNECT_TIMEOUT_MS} ms`));
      this.end('timed out');
    });
    socket.once('connect', () => socket.write(Buffer.of(RPC_PROTOCOL_BYTE)));
    socket.on('data', (chunk: Buffer) => {
      if (!this.open) {
        // The server's first byte: its acknowledgement, or the start of an HTTP answer from a server that
        // predates this protocol.
        if (chunk[0] !== RPC_PROTOCOL_BYTE) {
          const http = chunk.subarray(0, 5).toString('latin1') === 'HTTP/';
          settle.reject(new ConnectError(http ? `${address} speaks only WebSocket RPC` : `${address} answered with an unknown protocol`, http));
          this.end('protocol refused');
          return;
        }
        this.open = true;
        socket.setTimeout(0);
        settle.resolve();
        chunk = chunk.subarray(1);
      }
      let frames: Buffer[];
      try {
        frames = this.decoder.push(chunk);
      } catch (err) {
        this.end(err instanceof FrameTooLargeError ? `bad frame from ${address}: ${err.message}` : `bad frame from ${address}`);
        return;
      }
      for (const f of frames) {
        if (this.ended) return;
        this.events.message(f);
      }
    });
    socket.on('error', (err) => {
      settle.reject(new ConnectError(`failed to reach ${address}: ${err.message}`));
      this.end(`connection to ${address} failed`);
    });
    socket.on('close', () => {
      settle.reject(new ConnectError(`failed to reach ${address}: connection closed`));
      this.end(`connection to ${address} closed`);
    });
  }

  get buffered(): number {
    return this.socket.writableLength;
  }

  send(payload: Uint8Array): void {
    if (this.ended) throw new Error('connection closed');
    this.socket.write(encodeFrame(payload));
  }

  close(): void {
    this.end('closed');
  }

  private end(why: string): void {
    if (this.ended) return;
    this.ended = true;
    this.socket.destroy();
    this.events.closed(why);
  }
}

// ws is CommonJS: an ESM `import` makes Node scan its sources for export names (cjs-module-lexer), hot enough
// to start the optimizing compiler. It is required on the first WebSocket dial only: it loads http, https, tls,
// crypto and zlib, which a client agent of a plain cluster never needs.
let wsModule: typeof import('ws') | undefined;
function ws(): typeof import('ws') {
  return (wsModule ??= createRequire(import.meta.url)('ws') as typeof import('ws'));
}

export class WsChannel implements RpcChannel {
  readonly ready: Promise<void>;
  private readonly socket: WsSocket;
  private ended = false;

  constructor(address: string, tls: TlsDialOptions | undefined, private readonly events: ChannelEvents) {
    const { WebSocket } = ws();
    const opts = { perMessageDeflate: false, handshakeTimeout: RPC_CONNECT_TIMEOUT_MS, maxPayload: MAX_RPC_FRAME };
    // ws types checkServerIdentity as its own legacy hook; at run time the options reach tls.connect as they are.
    const socket = tls ? new WebSocket(`wss://${address}${RPC_PATH}`, { ...tls, ...opts } as ClientOptions) : new WebSocket(`ws://${address}${RPC_PATH}`, opts);
    this.socket = socket;
    this.ready = new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', (err) => reject(new ConnectError(`failed to reach ${address}: ${err.message}`)));
    });
    this.ready.catch(() => undefined);
    socket.on('message', (raw: RawData) => {
      if (!this.ended) this.events.message(raw as Buffer);
    });
    socket.on('close', () => this.end(`connection to ${address} closed`));
    socket.on('error', () => this.end(`connection to ${address} failed`));
  }

  get buffered(): number {
    return this.socket.bufferedAmount;
  }

  send(payload: Uint8Array): void {
    this.socket.send(payload);
  }

  close(): void {
    this.end('closed');
  }

  private end(why: string): void {
    if (this.ended) return;
    this.ended = true;
    this.socket.removeAllListeners('message');
    this.socket.on('error', () => undefined);
    const { WebSocket } = ws();
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
    this.events.closed(why);
  }
}
