// The agent's mode, decided once at start: which log every write goes through, and what else the mode runs.
//   dev     a LocalLog on the agent's own state machine; always the leader
//   server  Raft (RaftServer and its RaftLog), the server listener (Raft + RPC), a forwarder to the leader
//   client  a RemoteLog to the servers and a forwarder that answers (almost) every request through a server
import { NoServersError, type Command, type CommandLog, type CommandResult, type RestoreSource, type StateMachine } from '@conclave/state';
import type { Logger } from '@conclave/toolkit';
import { ApiError } from '@conclave/http-api';
import type { AgentConfig } from './config/agent-config.js';
import type { AgentMetrics } from './agent-metrics.js';
import type { ConsulMember } from './membership.js';
import { LocalLog } from './local-log.js';
import type { RaftServer } from './cluster/raft-server.js';
import type { ServerListener } from './cluster/server-listener.js';
import { RemoteLog } from './cluster/remote-log.js';
import { RPC_HOLD_TIMEOUT_MS, RpcError, type RpcClient } from './cluster/rpc.js';
import type { ClusterTls } from './cluster/cluster-tls.js';
import { RpcForwarder, followerForwards } from './cluster/forwarding.js';
import { serverTargets } from './cluster/servers.js';
import { CoordinateBatcher } from './cluster/coordinate-batcher.js';

export type AgentMode = 'dev' | 'server' | 'client';

/** Server-only modules, loaded by Agent.start so a client agent never loads them. */
export type ServerCode = [typeof import('./cluster/raft-server.js'), typeof import('./cluster/server-listener.js')];

export interface AgentRole {
  mode: AgentMode;
  log: CommandLog<Command, CommandResult>;
  /** Client agents and follower servers answer some requests through a server. */
  forwarder?: RpcForwarder;
  raftServer?: RaftServer;
  serverListener?: ServerListener;
  /** Servers: agents' coordinate updates, applied in batches (cluster/coordinate-batcher.ts). */
  coordinates?: CoordinateBatcher;
  /** Client agents: asks a server what a token grants (the `acl.resolve` RPC), the next one on a transport error. */
  aclFetch?: (secret: string) => Promise<unknown>;
}

export interface RoleInputs {
  config: AgentConfig;
  node: string;
  state: StateMachine;
  members: () => ConsulMember[];
  rpc: RpcClient;
  tls: ClusterTls;
  logger: Logger;
  /** This agent's HTTP listener as this process reaches it (forwarded requests are answered through it). */
  httpLoopback: () => { host: string; port: number } | undefined;
  onLeadership: (leader: boolean) => void;
  metrics: AgentMetrics;
  /** A server's answer to a client agent's `acl.resolve` RPC; undefined with ACLs off. */
  aclResolve?: (secret: string) => unknown;
  /** A server's check of an `apply` RPC's token; undefined with ACLs off. */
  authorizeApply?: (token: string, command: Command) => void | Promise<void>;
  /** A server's answer to the `keyring` RPC (this datacenter's LAN pool; gossip-keyring.ts). */
  keyringLan?: (op: 'list' | 'install' | 'use' | 'remove', key: string | undefined, token: string) => Promise<unknown>;
  /** The token this agent's own writes carry to a server (acl.tokens.agent, else acl.tokens.default). */
  agentToken?: () => string;
}

export function agentRole(i: RoleInputs, serverCode: ServerCode | undefined): AgentRole {
  const cfg = i.config;
  if (cfg.dev) {
    const restoreAt = async (source: RestoreSource, index: number): Promise<CommandResult> => {
      try {
        await i.state.restoreStream(source.open(), index);
        return true;
      } catch (err) {
        return { error: (err as Error).message };
      }
    };
    return { mode: 'dev', log: i.metrics.measuredLog(new LocalLog((cmd: Command, index) => i.state.apply(cmd, index), 0, restoreAt)) };
  }
  if (!cfg.server || !serverCode) {
    const servers = () => serverTargets(i.members(), cfg.datacenter);
    return {
      mode: 'client',
      log: new RemoteLog(servers, i.rpc, i.agentToken),
      forwarder: new RpcForwarder(() => true, servers, i.rpc, 'no-servers', i.logger.named('client')),
      aclFetch: async (secret) => {
        let last: unknown = new NoServersError();
        for (const target of servers()) {
          try {
            return await i.rpc.call(target, 'acl.resolve', { secret }, RPC_HOLD_TIMEOUT_MS);
          } catch (err) {
            // A refusal the server states (another datacenter's local token) is an answer, not an outage.
            if (err instanceof RpcError && !err.transport && err.status !== undefined) throw new ApiError(err.status, err.message);
            last = err;
            if (!(err instanceof RpcError && err.transport)) break;
          }
        }
        throw last;
      },
    };
  }
  const [{ RaftServer }, { ServerListener }] = serverCode;
  const raftServer = new RaftServer({
    node: i.node,
    datacenter: cfg.datacenter,
    dataDir: cfg.dataDir,
    bootstrap: cfg.bootstrap,
    bootstrapExpect: cfg.bootstrapExpect,
    raftMultiplier: cfg.raftMultiplier,
    snapshotThreshold: cfg.raftSnapshotThreshold,
    trailingLogs: cfg.raftTrailingLogs,
    state: i.state,
    members: i.members,
    rpc: i.rpc,
    tls: () => i.tls.dialOptions(),
    logger: i.logger.named('server'),
    onLeadership: i.onLeadership,
    metrics: i.metrics,
    token: i.agentToken,
  });
  const leader = () => raftServer.leaderAddress();
  const coordinates = new CoordinateBatcher({
    periodMs: cfg.coordinateUpdatePeriodNs / 1e6,
    batchSize: cfg.coordinateUpdateBatchSize,
    maxBatches: cfg.coordinateUpdateMaxBatches,
    propose: (cmd) => raftServer.log.propose(cmd),
    logger: i.logger.named('server').named('coordinate'),
  });
  return {
    mode: 'server',
    log: raftServer.log,
    raftServer,
    coordinates,
    serverListener: new ServerListener(raftServer, i.httpLoopback, i.tls, i.logger.named('server'), cfg.rpcMaxConnsPerClient, () => i.metrics.rpcRequest.incr(), i.aclResolve, i.authorizeApply, {
      coordinates,
      keyring: i.keyringLan,
    }),
    forwarder: new RpcForwarder(
      // With ACLs on, KV writes go to the leader as HTTP too: proposed here they would carry this server's token,
      // not the caller's.
      (path, query, method) => !raftServer.isLeader() && (followerForwards(path, query, method) || (!!i.authorizeApply && method !== 'GET')),
      () => (leader() ? [leader()] : []),
      i.rpc,
      'no-leader',
      i.logger.named('server').named('rpc'),
    ),
  };
}
