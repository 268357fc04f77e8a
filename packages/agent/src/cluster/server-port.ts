// The server port (8300) carries Raft and agent RPC, each on its own WebSocket path, like Consul's multiplexed
// server port.
import type { IncomingMessage, Server } from 'node:http';
import { nodeHttp } from '@conclave/toolkit';
import type { Duplex } from 'node:stream';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export class ServerPort {
  private readonly server: Server;
  private readonly routes = new Map<string, UpgradeHandler>();

  constructor() {
    this.server = nodeHttp.createServer((_req, res) => {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('server port: WebSocket upgrades only\n');
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const route = this.routes.get((req.url ?? '').split('?')[0]!);
      if (route) route(req, socket, head);
      else socket.destroy();
    });
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
