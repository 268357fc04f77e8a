// Consul's JSON for the agent's own facts: GET /v1/agent/self (exactly Config, DebugConfig, Coord, Member,
// Stats, Meta), /v1/agent/members entries and GET /v1/operator/raft/configuration. The agent hands over plain
// data (AgentSelfFacts, MemberFacts, RaftConfigurationFacts); the key order here is Consul's and the answer's.
import { availableParallelism, cpus } from 'node:os';
import { formatGoDuration } from '@conclave/toolkit';

/** A member as gossip reports it (already in Consul's member shape), or this agent alone when gossip is off. */
export type MemberFacts =
  | { gossip: object }
  | { name: string; address: string; serfPort: number; tags: Record<string, string> };

/** This agent's Raft facts for Stats.raft: the local log of -dev, a server's Raft node, nothing on a client. */
export type RaftStatsFacts =
  | { kind: 'local'; index: number }
  | {
      kind: 'raft';
      appliedIndex: number;
      state: 'Leader' | 'Follower' | 'Candidate';
      configuration: { voters: string[]; learners: string[] };
      /** hashicorp/raft's Stats() keys from the running Raft node; shown as they are when present. */
      stats?: Record<string, string>;
    }
  | { kind: 'none' };

export interface AgentSelfFacts {
  datacenter: string;
  nodeName: string;
  nodeId: string;
  version: string;
  server: boolean;
  dev: boolean;
  bootstrap: boolean;
  sessionTtlMinNs: number;
  clientAddr: string;
  bindAddr: string;
  domain: string;
  recursors: string[];
  httpPort: number;
  dnsPort: number;
  enableScriptChecks: boolean;
  enableLocalScriptChecks: boolean;
  member: MemberFacts;
  checks: number;
  services: number;
  leader: boolean;
  leaderAddress: string;
  raft: RaftStatsFacts;
  uptimeSeconds: number;
  meta: Record<string, string>;
  /** Serf's Stats() for serf_lan; absent while gossip is off. */
  serfLan?: { members: number; failed: number; left: number; healthScore: number; eventTime: number; encrypted: boolean };
  /** The same for the WAN pool (serf_wan), on a federated server. */
  serfWan?: { members: number; failed: number; left: number; healthScore: number; eventTime: number; encrypted: boolean };
  /** A client's count of the servers of its datacenter it knows (Stats.consul.known_servers). */
  knownServers?: number;
  /** When the configured certificates stop being valid (Stats.tls, shown by `conclave info`); absent without TLS. */
  tlsExpiry?: { https?: string; internalRpc?: string };
  /** The acl { } settings (never the tokens: DebugConfig shows each as "hidden", as Consul's sanitized config). */
  acl?: AclFacts;
}

export interface AclFacts {
  enabled: boolean;
  defaultPolicy: string;
  downPolicy: string;
  tokenTtlMs: number;
  policyTtlMs: number;
  roleTtlMs: number;
  enableTokenPersistence: boolean;
  dataDir: string;
}

export interface RaftServerFacts {
  id: string;
  node: string;
  address: string;
  leader: boolean;
  voter: boolean;
}

export interface RaftConfigurationFacts {
  servers: RaftServerFacts[];
  index: number;
}

/** A /v1/agent/members entry. */
export function memberJson(m: MemberFacts): Record<string, unknown> {
  if ('gossip' in m) return { ...(m.gossip as Record<string, unknown>) };
  return {
    Name: m.name,
    Addr: m.address,
    Port: m.serfPort,
    Tags: m.tags,
    Status: 1,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

/** GET /v1/agent/self. */
export function selfJson(f: AgentSelfFacts): Record<string, unknown> {
  return {
    Config: {
      Datacenter: f.datacenter,
      PrimaryDatacenter: f.datacenter,
      NodeName: f.nodeName,
      NodeID: f.nodeId,
      Revision: 'conclave',
      Server: f.server,
      Version: f.version,
      SessionTTLMin: f.sessionTtlMinNs,
    },
    DebugConfig: {
      Datacenter: f.datacenter,
      NodeName: f.nodeName,
      DevMode: f.dev,
      ServerMode: f.server,
      ClientAddrs: [f.clientAddr],
      BindAddr: f.bindAddr,
      DNSDomain: f.domain,
      DNSRecursors: f.recursors,
      HTTPPort: f.httpPort,
      DNSPort: f.dnsPort,
      EnableScriptChecks: f.enableScriptChecks,
      EnableLocalScriptChecks: f.enableLocalScriptChecks,
      ...aclDebugJson(f),
    },
    Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 },
    Member: memberJson(f.member),
    Stats: {
      agent: { check_monitors: '0', check_ttls: '0', checks: String(f.checks), services: String(f.services) },
      build: { prerelease: '', revision: 'conclave', version: f.version },
      consul: consulStatsJson(f),
      ...(f.server ? { raft: raftStatsJson(f.raft) } : {}),
      runtime: {
        arch: process.arch,
        cpu_count: String(cpus().length),
        goroutines: '0',
        max_procs: String(availableParallelism()),
        os: process.platform,
        version: process.version,
        uptime_seconds: String(f.uptimeSeconds),
      },
      ...(f.serfLan ? { serf_lan: serfStatsJson(f.serfLan) } : {}),
      ...(f.serfWan ? { serf_wan: serfStatsJson(f.serfWan) } : {}),
      ...(f.tlsExpiry ? { tls: tlsStatsJson(f.tlsExpiry) } : {}),
    },
    Meta: f.meta,
  };
}

/** Consul's RuntimeConfig ACL fields as its sanitized DebugConfig shows them: settings as they are, every token
 * "hidden" whether set or not (so the answer says nothing about which are set). */
function aclDebugJson(f: AgentSelfFacts): Record<string, unknown> {
  const a: AclFacts = f.acl ?? { enabled: false, defaultPolicy: 'allow', downPolicy: 'extend-cache', tokenTtlMs: 30_000, policyTtlMs: 30_000, roleTtlMs: 30_000, enableTokenPersistence: false, dataDir: '' };
  const ttl = (ms: number) => formatGoDuration(ms * 1e6);
  return {
    ACLEnableKeyListPolicy: false,
    ACLInitialManagementToken: 'hidden',
    ACLResolverSettings: {
      ACLDefaultPolicy: a.defaultPolicy,
      ACLDownPolicy: a.downPolicy,
      ACLPolicyTTL: ttl(a.policyTtlMs),
      ACLRoleTTL: ttl(a.roleTtlMs),
      ACLTokenTTL: ttl(a.tokenTtlMs),
      ACLsEnabled: a.enabled,
      Datacenter: f.datacenter,
      EnterpriseMeta: {},
      NodeName: f.nodeName,
    },
    ACLTokenReplication: false,
    ACLTokens: {
      ACLAgentRecoveryToken: 'hidden',
      ACLAgentToken: 'hidden',
      ACLDefaultToken: 'hidden',
      ACLReplicationToken: 'hidden',
      DataDir: a.dataDir,
      EnablePersistence: a.enableTokenPersistence,
      EnterpriseConfig: {},
    },
    ACLsEnabled: a.enabled,
  };
}

/** Certificate expiry per listener, and the days left (an operator's `conclave info` shows it before it bites). */
function tlsStatsJson(e: NonNullable<AgentSelfFacts['tlsExpiry']>): Record<string, string> {
  const out: Record<string, string> = {};
  const days = (iso: string) => String(Math.floor((Date.parse(iso) - Date.now()) / 86_400_000));
  if (e.https) Object.assign(out, { https_cert_expiry: e.https, https_cert_days_left: days(e.https) });
  if (e.internalRpc) Object.assign(out, { internal_rpc_cert_expiry: e.internalRpc, internal_rpc_cert_days_left: days(e.internalRpc) });
  return out;
}

/** Consul's server and client report different `consul` sections (agent/consul/server.go and client.go Stats). */
function consulStatsJson(f: AgentSelfFacts): Record<string, string> {
  const acl = f.acl?.enabled ? 'enabled' : 'disabled';
  if (!f.server) return { acl, known_servers: String(f.knownServers ?? 0), server: 'false' };
  return {
    acl,
    bootstrap: String(f.bootstrap),
    known_datacenters: '1',
    leader: String(f.leader),
    leader_addr: f.leaderAddress,
    server: 'true',
  };
}

/** The serf.Stats() keys gossip has values for. */
function serfStatsJson(s: NonNullable<AgentSelfFacts['serfLan']>): Record<string, string> {
  return {
    encrypted: String(s.encrypted),
    event_time: String(s.eventTime),
    failed: String(s.failed),
    health_score: String(s.healthScore),
    left: String(s.left),
    members: String(s.members),
  };
}

function raftStatsJson(r: RaftStatsFacts): Record<string, string> {
  switch (r.kind) {
    case 'local': {
      const i = String(r.index);
      return { applied_index: i, commit_index: i, state: 'Leader', num_peers: '0' };
    }
    case 'raft':
      if (r.stats) return { ...r.stats };
      return {
        applied_index: String(r.appliedIndex),
        state: r.state,
        num_peers: String(Math.max(0, r.configuration.voters.length - 1)),
        latest_configuration: JSON.stringify(r.configuration),
      };
    case 'none':
      return {};
  }
}

/** GET /v1/operator/raft/configuration. */
export function raftConfigurationJson(c: RaftConfigurationFacts): { Servers: unknown[]; Index: number } {
  return {
    Servers: c.servers.map((s) => ({ ID: s.id, Node: s.node, Address: s.address, Leader: s.leader, ProtocolVersion: '3', Voter: s.voter })),
    Index: c.index,
  };
}
