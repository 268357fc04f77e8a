// What the HTTP API serves on this agent (http-api's ApiBackend), assembled from the agent's parts: the state
// machine (read-only), the log, the agent's facts and /v1/agent/* endpoints, user events, session timers,
// and the forwarder of a client or follower.
import type { AclBackend, AclReplicationStatus, ApiBackend, RequestForwarder } from '@conclave/http-api';
import { RefusedError, type RootLogger } from '@conclave/toolkit';
import type { CommandLog, SessionTimers, StateMachine } from '@conclave/state';
import type { AgentConfig } from './config/agent-config.js';
import type { AgentFacts } from './agent-facts.js';
import { LocalAgentEndpoints } from './agent-endpoints-impl.js';
import type { LocalServices } from './local-services.js';
import type { LocalState } from './local-state.js';
import type { LocalUserEvents } from './user-events.js';
import type { GossipNode } from '@conclave/gossip';
import { keyringOperation } from './gossip-keyring.js';
import { federatedKeyringOperation } from './cluster/federated-keyring.js';
import type { Federation } from './federation-wiring.js';
import type { AgentMetrics } from './agent-metrics.js';
import type { AutopilotView } from './autopilot-view.js';
import type { ConsulMember } from './membership.js';

export interface ApiBackendParts {
  config: AgentConfig;
  node: string;
  /** Client agents keep no state: no session timers, no Raft operator endpoints. */
  client: boolean;
  state: StateMachine;
  log: CommandLog;
  facts: AgentFacts;
  local: LocalState;
  services: LocalServices;
  events: LocalUserEvents;
  sessionTimers: SessionTimers;
  forwarder: RequestForwarder | undefined;
  reload(): Promise<void>;
  join(addresses: string[]): Promise<{ joined: number; errors: string[] }>;
  leave(): Promise<void>;
  forceLeave(node: string, prune: boolean): boolean;
  /** WAN federation (servers); undefined where the WAN pool does not run. */
  wan?: {
    members(): ConsulMember[];
    join(addresses: string[]): Promise<{ joined: number; errors: string[] }>;
    forceLeave(node: string, prune: boolean): boolean;
    datacenters(): string[];
    wanCoordinates(): ReturnType<NonNullable<ApiBackend['wanCoordinates']>>;
  };
  /** Answers requests for other datacenters (?dc=): over the WAN on a server, through a server on a client. */
  datacenterForwarder?: RequestForwarder;
  /** The gossip node, for cluster-wide keyring operations; undefined while gossip is off. */
  gossip(): GossipNode | undefined;
  /** A federated server's WAN keyring and other datacenters' LANs. */
  keyringFederation?: Federation['keyring'];
  /** The agent's root logger: /v1/agent/monitor adds its sinks to it. */
  logger: RootLogger;
  metrics: AgentMetrics;
  /** Servers: autopilot's view and leadership transfer (/v1/operator/autopilot/*, raft/transfer-leader). */
  autopilot?: AutopilotView;
  /** ACL enforcement; undefined with ACLs off. */
  acl?: AclBackend;
  /** A secondary datacenter's ACL replication status (acl-replicator.ts). */
  aclReplication?: () => AclReplicationStatus;
}

export function agentApiBackend(p: ApiBackendParts): ApiBackend {
  const { config: cfg, facts } = p;
  const endpoints = new LocalAgentEndpoints(p.local, p.services, p.state, {
    node: p.node,
    datacenter: cfg.datacenter,
    self: () => facts.self(),
    members: () => facts.members(),
    wanMembers: () => (p.wan?.members() ?? []).map((m) => ({ gossip: m })),
    reload: () => p.reload(),
    join: async (address, wan) => {
      if (wan && !p.wan) throw new RefusedError('WAN gossip is not running on this agent: only servers join the WAN pool');
      const res = wan ? await p.wan!.join([address]) : await p.join([address]);
      if (res.joined === 0) throw new RefusedError(res.errors.join('; ') || `Failed to join ${address}`);
    },
    leave: () => p.leave(),
    forceLeave: async (node, prune, wan) => {
      if (wan && !p.wan) throw new RefusedError('WAN gossip is not running on this agent: only servers join the WAN pool');
      if (!(wan ? p.wan!.forceLeave(node, prune) : p.forceLeave(node, prune))) throw new RefusedError(`agent: No node found with name '${node}'`);
    },
    monitor: (sink) => {
      const remove = p.logger.addSink(sink);
      return {
        stop: (dropped) => {
          remove();
          if (dropped > 0) p.logger.warn('Dropped logs during monitor request', { dropped_count: dropped });
        },
      };
    },
    metrics: p.metrics,
  });
  return {
    state: p.state,
    log: p.log,
    leadership: () => facts.leadership(),
    peers: () => facts.peers(),
    agent: endpoints,
    datacenter: cfg.datacenter,
    datacenters: p.wan ? () => p.wan!.datacenters() : undefined,
    wanCoordinates: p.wan ? () => p.wan!.wanCoordinates() : undefined,
    datacenterForwarder: p.datacenterForwarder,
    nodeName: p.node,
    limits: { kvMaxValueSize: cfg.kvMaxValueSize },
    forwarder: p.forwarder,
    sessionTimers: p.client ? undefined : p.sessionTimers,
    sessionTtlMinNs: cfg.sessionTtlMinNs,
    events: p.events,
    keyring: {
      operation: (op, key, opts) => {
        const node = p.gossip();
        if (!node) throw new RefusedError('gossip is not running on this agent');
        const fed = p.keyringFederation;
        return federatedKeyringOperation(
          {
            datacenter: cfg.datacenter,
            lan: (o, k) => keyringOperation(node, cfg.datacenter, o, k),
            wan: fed?.wan,
            datacenters: () => p.wan?.datacenters() ?? [],
            remoteLan: (dc, o, k) => fed!.remoteLan(dc, o, k, opts?.token ?? ''),
          },
          op,
          key,
          opts?.localOnly,
        );
      },
    },
    acl: p.acl,
    aclReplication: p.aclReplication,
    primaryDatacenter: cfg.primaryDatacenter || undefined,
    // A client agent hands every ACL request to a server, which knows.
    localTokensEnabled: !p.client && cfg.primaryDatacenter && cfg.primaryDatacenter !== cfg.datacenter && !cfg.acl.enableTokenReplication ? false : undefined,
    operator: p.client
      ? undefined
      : {
          raftConfiguration: async () => facts.raftConfiguration(),
          removeRaftPeer: (peer) => facts.removeRaftPeer(peer),
          autopilot: p.autopilot && (async () => p.autopilot!.facts()),
          transferLeader: p.autopilot && ((id) => p.autopilot!.transferLeader(id)),
        },
  };
}
