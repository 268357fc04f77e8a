// What the HTTP API needs from the agent it runs in: read access to the state machine, the log that commands
// are proposed through (local in -dev, Raft on a server, a server's over RPC on a client), leadership facts
// for the query headers, and the agent-local endpoints. The HTTP layer never imports the agent; the agent
// implements this.

import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { CommandLog, Session, StateReader } from '@conclave/state';
import type { AgentEndpoints } from './agent-endpoints.js';
import type { AclBackend } from './acl-resolver.js';
import type { RaftConfigurationFacts } from './agent-json.js';
import type { FireEventParams, UserEvent } from './user-event-params.js';
import type { AutopilotFacts } from './autopilot-endpoints.js';
import type { AclReplicationStatus } from './acl-replication-status.js';

export interface Leadership {
  /** X-Consul-KnownLeader. */
  knownLeader: boolean;
  /** X-Consul-LastContact: ms since the leader was last heard from (0 on the leader). */
  lastContactMs: number;
  /** GET /v1/status/leader: the leader's server RPC address ("127.0.0.1:8300"), '' when none. */
  leaderAddress: string;
}

export interface ApiLimits {
  /** limits.kv_max_value_size; default 512 KiB. */
  kvMaxValueSize?: number;
  /** Largest JSON request body accepted elsewhere; default 4 MiB. */
  maxJsonBodySize?: number;
  /** A request body that stops arriving for this long is refused with 408; default 30 s (BODY_IDLE_MS). */
  bodyIdleMs?: number;
}

/** This agent's user events: fired here, kept in its 256-entry buffer (gossip carries them in a cluster). */
export interface EventBackend {
  /** Fires a validated event (the endpoint ran validateFireParams). */
  fire(params: FireEventParams): Promise<UserEvent>;
  /** Oldest first; only those named `name` when given. */
  list(name?: string): UserEvent[];
  /** Calls `fire` once at the next event received; returns a cancel function. */
  subscribe(fire: () => void): () => void;
}

/** The leader's session TTL timers (a renew is not a log write). */
export interface SessionTimerBackend {
  /** Resets the session's timer; answers the session, or undefined when it does not exist. */
  renew(id: string): Session | undefined;
}

export interface ApiBackend {
  /** The local state machine, read-only; reads are served from it. */
  readonly state: StateReader;
  /**
   * The log: propose() resolves with the index and what StateMachine.apply returned once the command is
   * applied; it rejects with a typed LogError (NoLeaderError, ...), which api-error.ts answers as Consul does.
   * barrier() serves ?consistent reads.
   */
  readonly log: CommandLog;
  /** Leadership facts, read on every query response (keep it cheap). */
  leadership(): Leadership;
  /** GET /v1/status/peers: the Raft voters' server RPC addresses. */
  peers(): string[];
  readonly agent: AgentEndpoints;
  /** This agent's datacenter (the only one `?dc=` may name). */
  readonly datacenter: string;
  /** Known datacenters for /v1/catalog/datacenters; defaults to [datacenter]. */
  datacenters?(): string[];
  /** /v1/coordinate/datacenters: the WAN coordinates of every datacenter's servers (absent without a WAN pool). */
  wanCoordinates?(): Array<{ Datacenter: string; AreaID: string; Coordinates: Array<{ Node: string; Coord: unknown }> }>;
  readonly nodeName: string;
  readonly limits?: ApiLimits;
  /** Raft operations of a server (/v1/operator/raft/*); absent on agents without Raft. */
  readonly operator?: OperatorEndpoints;
  /** The gossip keyring across the cluster (/v1/operator/keyring); absent without gossip. */
  readonly keyring?: KeyringEndpoints;
  /** Set on agents that answer some requests through a server (agent endpoints are always local). */
  readonly forwarder?: RequestForwarder;
  /** Answers the requests whose `?dc=` names another datacenter (a server: over the WAN to that datacenter;
   * a client: through its servers). Without it such requests answer `No path to datacenter`. */
  readonly datacenterForwarder?: RequestForwarder;
  /** Session TTL timers; without them a renew only confirms that the session exists. */
  readonly sessionTimers?: SessionTimerBackend;
  /** session_ttl_min in ns (default 10 s). */
  readonly sessionTtlMinNs?: number;
  /** User events; without them /v1/event/* answers 500. */
  readonly events?: EventBackend;
  /** ACL enforcement (docs/acl.md); absent: ACLs are off and every token is ignored. */
  readonly acl?: AclBackend;
  /** primary_datacenter when it names another datacenter: global ACL writes go there (acl-primary-forward.ts). */
  readonly primaryDatacenter?: string;
  /**
   * false on a server of a secondary datacenter that does not replicate tokens (acl.enable_token_replication off),
   * Consul's LocalTokensEnabled(): its token reads, lists, updates, clones and deletes are the primary's, a local
   * token cannot be made here, and auth methods, binding rules, login and logout are refused. Absent: true.
   */
  readonly localTokensEnabled?: boolean;
  /** GET /v1/acl/replication: this datacenter's ACL replication (absent: not replicating, reported disabled). */
  aclReplication?(): AclReplicationStatus;
  /** The clock stamped on commands that need time (lock-delay, session destroy); default Date.now. */
  now?(): number;
}

export interface OperatorEndpoints {
  /** GET /v1/operator/raft/configuration: the servers, shaped by agent-json.ts into {Servers: [...], Index}. */
  raftConfiguration(): Promise<RaftConfigurationFacts>;
  /** DELETE /v1/operator/raft/peer?id=|address=; throws when no such server (answered 500 with its message). */
  removeRaftPeer(peer: { id: string; address: string }): Promise<void>;
  /** GET /v1/operator/autopilot/health and /state: the leader's view of its servers. */
  autopilot?(): Promise<AutopilotFacts>;
  /** POST /v1/operator/raft/transfer-leader[?id=]: hands leadership to that server (any up-to-date voter when
   * ''); resolves once another server leads, rejects with the reason otherwise. */
  transferLeader?(id: string): Promise<void>;
}

export interface KeyringEndpoints {
  /** Runs list / install / use / remove on every member; resolves with Consul's KeyringResponse list, rejects
   * (RefusedError, Consul's text) unless every member applied a change. */
  operation(op: 'list' | 'install' | 'use' | 'remove', key?: string, opts?: { localOnly?: boolean; token?: string }): Promise<unknown[]>;
}

/** A request answered by another agent: what the HTTP layer read of it. */
export interface ForwardedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  /** The headers worth carrying (content type, tokens, cache control), lower-case names. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** The other agent's answer, written back as it is (status, Consul headers, body). */
export interface ForwardedReply {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface RequestForwarder {
  /** True when this request must be answered elsewhere: always on a client agent; on a follower server for
   * the writes it does not propose itself and for reads without `?stale`. `path` is percent-decoded, `query` the
   * raw query string. */
  shouldForward(path: string, query: string, method: string): boolean;
  /** Answers the request through another agent. Rejects when none could (e.g. NoLeaderError, NoServersError
   * after the hold timeout, or the last server's transport error); api-error.ts maps the error. */
  forward(request: ForwardedRequest): Promise<ForwardedReply>;
  /**
   * Answers a request whose body or answer may be too large to hold (`/v1/snapshot`, up to gigabytes) through
   * another agent, streaming both ways: `body` is sent as it arrives and the answer comes back as a stream.
   * Absent: such requests go through forward() whole, within its size limit.
   */
  forwardStream?(request: Omit<ForwardedRequest, 'body'>, body: Readable): Promise<IncomingMessage>;
}

/** Which consistency mode a read ran in (X-Consul-Effective-Consistency). */
export type ConsistencyMode = 'leader' | 'stale' | 'consistent';
