// A server's port: Raft traffic (`/raft`) and agent RPC (`/rpc`: `apply` to the Raft log, `http` answered by
// this server's own HTTP API) on one listener. Loaded only by server agents.
import type { Logger } from '@conclave/toolkit';
import { LoopbackHttp } from './forwarding.js';
import { RAFT_PATH, type RaftServer } from './raft-server.js';
import { RpcServer, RPC_PATH } from './rpc.js';
import { serverRpcHandler } from './server-rpc.js';
import { ServerPort } from './server-port.js';

export class ServerListener {
  private readonly loopback: LoopbackHttp;
  private readonly rpcServer: RpcServer;
  private readonly port = new ServerPort();

  constructor(
    raftServer: Pick<RaftServer, 'log' | 'transport'>,
    /** This agent's HTTP listener, as this process reaches it; undefined while HTTP is off. */
    http: () => { host: string; port: number } | undefined,
    /** Told of every RPC request served (consul.rpc.request). */
    onRequest?: () => void,
  ) {
    this.loopback = new LoopbackHttp(http);
    const handler = serverRpcHandler({ log: raftServer.log, http: this.loopback });
    this.rpcServer = new RpcServer(
      onRequest
        ? (method, args) => {
            onRequest();
            return handler(method, args);
          }
        : handler,
    );
    this.port.route(RAFT_PATH, (req, socket, head) => raftServer.transport.handleUpgrade(req, socket, head));
    this.port.route(RPC_PATH, (req, socket, head) => this.rpcServer.handleUpgrade(req, socket, head));
  }

  async listen(port: number, bindAddr: string, logger: Logger): Promise<void> {
    await this.port.listen(port, bindAddr);
    logger.info('Started server RPC', { address: `${bindAddr}:${port}` });
  }

  async close(): Promise<void> {
    this.rpcServer.close();
    this.loopback.close();
    await this.port.close();
  }
}
