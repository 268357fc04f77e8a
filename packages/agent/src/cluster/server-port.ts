// The server port (8300) carries Raft and agent RPC, each on its own WebSocket path, like Consul's multiplexed
// server port.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createTlsServer, Server as TlsHttpServer } from 'node:https';
import { nodeHttp } from '@conclave/toolkit';
import type { Duplex } from 'node:stream';
import type { SecureContextOptions } from 'node:tls';
import type { ServerTlsOptions } from '../tls-options.js';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export class ServerPort {
  private readonly server: Server | TlsHttpServer;
  private readonly routes = new Map<string, UpgradeHandler>();

  /** With `tls`, the port speaks only TLS (wss://). */
  constructor(tls?: ServerTlsOptions) {
    const notFound = (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('server port: WebSocket upgrades only\n');
    };
    this.server = tls ? createTlsServer(tls, notFound) : nodeHttp.createServer(notFound);
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const route = this.routes.get((req.url ?? '').split('?')[0]!);
      if (route) route(req, socket, head);
      else socket.destroy();
    });
  }

  /** New certificate, key and CAs for new connections (reload). */
  setSecureContext(options: SecureContextOptions): void {
    if (this.server instanceof TlsHttpServer) this.server.setSecureContext(options);
  }

  route(path: string, handler: UpgradeHandler): void {
    this.routes.set(path, handler);
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
      this.server.closeAllConnections();
    });
  }
}
