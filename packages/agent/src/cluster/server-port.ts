// The server port (8300) carries Raft and agent RPC, like Consul's multiplexed server port. Without TLS the port
// reads the first byte of each connection, as Consul's does: the RPC protocol byte hands the connection to plain
// RPC (length-prefixed msgpack frames, rpc.ts), anything else is HTTP, where Raft (`/raft`) and WebSocket RPC
// (`/rpc`) are upgrades by path, and `/v1/snapshot` a plain request that streams (stream-dial.ts). With TLS the port speaks only TLS, and Raft and RPC are both WebSocket (wss://).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Server as TlsHttpServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { lazyNode, nodeHttp } from '@conclave/toolkit';
import type { Duplex } from 'node:stream';
import type { SecureContextOptions } from 'node:tls';
import type { ServerTlsOptions } from '../tls-options.js';
import { RPC_PROTOCOL_BYTE } from './rpc-channel.js';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** A connection must say which protocol it speaks (its first byte) within this time, else it is closed. */
export const SNIFF_TIMEOUT_MS = 10_000;
/** A connection handed to HTTP must complete its upgrade within this time (Node's own headers timeout is run by
 * a listening HTTP server; the port's HTTP server does not listen itself). */
export const UPGRADE_TIMEOUT_MS = 60_000;

export class ServerPort {
  /** What listens: the TLS server, or the plain socket server that sniffs. */
  private readonly server: NetServer | TlsHttpServer;
  /** Parses the HTTP connections (the TLS server itself, or one fed by the sniffer). */
  private readonly http: Server | TlsHttpServer;
  private readonly secure: boolean;
  private readonly routes = new Map<string, UpgradeHandler>();
  private readonly requests = new Map<string, RequestHandler>();
  private framed: ((socket: Socket) => void) | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly upgradeDeadline = new WeakMap<object, NodeJS.Timeout>();

  /** With `tls`, the port speaks only TLS (wss://). */
  constructor(tls?: ServerTlsOptions) {
    const request = (req: IncomingMessage, res: ServerResponse) => {
      const handler = this.requests.get((req.url ?? '').split('?')[0]!);
      if (handler) {
        // A streamed exchange may take long (a restore of gigabytes): the upgrade deadline does not apply, the
        // handler's own idle limits do. One exchange per connection.
        clearTimeout(this.upgradeDeadline.get(req.socket));
        res.shouldKeepAlive = false;
        handler(req, res);
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('server port: WebSocket upgrades only\n');
    };
    this.secure = tls !== undefined;
    this.http = tls ? lazyNode.https().createServer(tls, request) : nodeHttp.createServer(request);
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      clearTimeout(this.upgradeDeadline.get(socket));
      const route = this.routes.get((req.url ?? '').split('?')[0]!);
      if (route) route(req, socket, head);
      else socket.destroy();
    });
    if (tls) this.server = this.http as TlsHttpServer;
    else this.server = createNetServer((socket) => this.sniff(socket));
  }

  /** New certificate, key and CAs for new connections (reload). */
  setSecureContext(options: SecureContextOptions): void {
    if (this.secure) (this.http as TlsHttpServer).setSecureContext(options);
  }

  route(path: string, handler: UpgradeHandler): void {
    this.routes.set(path, handler);
  }

  /** Plain HTTP requests (not upgrades) to `path`: streamed exchanges too large for one RPC frame. */
  request(path: string, handler: RequestHandler): void {
    this.requests.set(path, handler);
  }

  /** Who takes plain RPC connections (their protocol byte already read). Without TLS only. */
  onFramed(handler: (socket: Socket) => void): void {
    this.framed = handler;
  }

  private sniff(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const fail = () => socket.destroy();
    socket.on('error', fail);
    socket.setTimeout(SNIFF_TIMEOUT_MS, fail);
    const readable = () => {
      const first = socket.read(1) as Buffer | null;
      if (first === null) return;
      socket.off('readable', readable);
      socket.off('error', fail);
      socket.setTimeout(0);
      socket.off('timeout', fail);
      if (first[0] === RPC_PROTOCOL_BYTE && this.framed) {
        socket.on('error', fail);
        this.framed(socket);
        return;
      }
      // HTTP (a WebSocket upgrade): the byte goes back, and the connection to the HTTP parser as if it had
      // accepted it itself.
      socket.unshift(first);
      const deadline = setTimeout(fail, UPGRADE_TIMEOUT_MS).unref();
      this.upgradeDeadline.set(socket, deadline);
      socket.once('close', () => clearTimeout(deadline));
      this.http.emit('connection', socket);
    };
    socket.on('readable', readable);
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      if (this.secure) (this.http as TlsHttpServer).closeAllConnections();
      for (const s of this.sockets) s.destroy();
      this.sockets.clear();
    });
  }
}
