// A server's port: Raft traffic (`/raft`), agent RPC (plain frames, or `/rpc` over WebSocket: `apply` to the
// Raft log, `http` answered by this server's own HTTP API) and streamed snapshots (`/v1/snapshot`) on one
// listener. Loaded only by server agents.
import type { Duplex } from 'node:stream';
import type { Logger } from '@conclave/toolkit';
import type { Command } from '@conclave/state';
import { LoopbackHttp } from './forwarding.js';
import { RAFT_PATH, type RaftServer } from './raft-server.js';
import { RpcServer, RPC_PATH } from './rpc.js';
import { serverRpcHandler } from './server-rpc.js';
import { ServerPort } from './server-port.js';
import type { ClusterTls } from './cluster-tls.js';
import type { CoordinateBatcher } from './coordinate-batcher.js';

const SNAPSHOT_PATH = '/v1/snapshot';

export class ServerListener {
  private readonly loopback: LoopbackHttp;
  private readonly rpcServer: RpcServer;
  private readonly port: ServerPort;

  constructor(
    raftServer: Pick<RaftServer, 'log' | 'transport'>,
    /** This agent's HTTP listener, as this process reaches it; undefined while HTTP is off. */
    http: () => { host: string; port: number } | undefined,
    private readonly tls: ClusterTls,
    logger: Logger,
    /** limits.rpc_max_conns_per_client: RPC connections from one IP (0: unlimited). */
    rpcMaxConnsPerClient = 0,
    /** Told of every RPC request served (consul.rpc.request). */
    onRequest?: () => void,
    /** `acl.resolve` for client agents; undefined with ACLs off. */
    aclResolve?: (secret: string) => unknown,
    /** Checks an `apply` RPC's token against its command; undefined with ACLs off. */
    authorizeApply?: (token: string, command: Command) => void | Promise<void>,
    /** What else the RPC handler answers with (server-rpc.ts). */
    extra: Pick<Parameters<typeof serverRpcHandler>[0], 'coordinates' | 'keyring'> = {},
  ) {
    this.port = new ServerPort(tls.serverOptions());
    this.loopback = new LoopbackHttp(http);
    const handler = serverRpcHandler({ log: raftServer.log, http: this.loopback, aclResolve, authorizeApply, ...extra });
    this.rpcServer = new RpcServer(
      onRequest
        ? (method, args) => {
            onRequest();
            return handler(method, args);
          }
        : handler,
    );
    this.port.route(RAFT_PATH, (req, socket, head) => {
      const refused = tls.refuseRaft(req);
      if (refused) {
        logger.warn('Refused Raft connection', { from: req.socket.remoteAddress, reason: refused });
        socket.destroy();
        return;
      }
      raftServer.transport.handleUpgrade(req, socket, head);
    });
    // limits.rpc_max_conns_per_client counts RPC connections from one IP, plain and WebSocket alike.
    const open = new Map<string, number>();
    const admit = (ip: string, socket: Duplex): boolean => {
      const n = open.get(ip) ?? 0;
      if (rpcMaxConnsPerClient > 0 && n >= rpcMaxConnsPerClient) {
        logger.warn('Refused RPC connection: too many from one client', { from: ip, limit: rpcMaxConnsPerClient });
        socket.destroy();
        return false;
      }
      open.set(ip, n + 1);
      socket.once('close', () => {
        const left = (open.get(ip) ?? 1) - 1;
        if (left <= 0) open.delete(ip);
        else open.set(ip, left);
      });
      return true;
    };
    this.port.route(RPC_PATH, (req, socket, head) => {
      if (admit(req.socket.remoteAddress ?? '', socket)) this.rpcServer.handleUpgrade(req, socket, head);
    });
    // Snapshots stream through their own exchange (a save or restore may be gigabytes, over one RPC frame).
    this.port.request(SNAPSHOT_PATH, (req, res) => {
      if (admit(req.socket.remoteAddress ?? '', req.socket)) this.loopback.stream(req, res);
    });
    this.port.onFramed((socket) => {
      if (admit(socket.remoteAddress ?? '', socket)) this.rpcServer.acceptFramed(socket);
    });
  }

  async listen(port: number, bindAddr: string, logger: Logger): Promise<void> {
    await this.port.listen(port, bindAddr);
    logger.info('Started server RPC', { address: `${bindAddr}:${port}` });
  }

  /** Reload: the port takes the TLS material as ClusterTls now holds it. */
  reloadTls(): void {
    const opts = this.tls.serverOptions();
    if (opts) this.port.setSecureContext(opts);
  }

  async close(): Promise<void> {
    this.rpcServer.close();
    this.loopback.close();
    await this.port.close();
  }
}
