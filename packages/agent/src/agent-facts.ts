// The facts the HTTP layer shapes into Consul's JSON (http-api's agent-json.ts): GET /v1/agent/self, this
// agent's members entry, leadership for the query headers and the Raft configuration; plus removing a Raft
// peer by ID or address. Read from the parts the agent runs, never shaped here.
import { LogFailedError, type CommandLog } from '@conclave/state';
import type { AgentSelfFacts, Leadership, MemberFacts, RaftConfigurationFacts, RaftStatsFacts } from '@conclave/http-api';
import type { AgentConfig } from './config/agent-config.js';
import type { NodeIdentity } from './catalog-sync.js';
import type { ConsulMember, SerfStats } from './membership.js';
import type { RaftServer } from './cluster/raft-server.js';
import { serverAddress } from './cluster/server-address.js';
import { MemberStatusCode } from './membership.js';
import { memberTags } from './node-identity.js';
import { VERSION } from './version.js';
import { effectiveTls } from './config/tls-config.js';
import { certificateExpiry } from './tls-options.js';

export interface AgentFactsSources {
  config: () => AgentConfig;
  identity: NodeIdentity;
  /** -dev: the local log (always the leader). */
  dev: boolean;
  log: Pick<CommandLog, 'lastIndex'>;
  raftServer: Pick<RaftServer, 'isLeader' | 'leaderAddress' | 'lastContactMs' | 'configuration' | 'appliedIndex' | 'running' | 'removePeer' | 'peers' | 'stats'> | undefined;
  /** Gossip: this agent's entry and every member; undefined while gossip is off. */
  membership: () => { local(): ConsulMember; members(): ConsulMember[]; serfStats(): SerfStats } | undefined;
  localCounts: () => { checks: number; services: number };
  startedAt: number;
  /** A server's WAN pool (Stats.serf_wan); undefined elsewhere. */
  wan?: () => { serfStats(): SerfStats } | undefined;
}

export class AgentFacts {
  constructor(private readonly s: AgentFactsSources) {}

  get serverAddress(): string {
    return `${this.s.identity.address}:${this.s.config().ports.server}`;
  }

  isLeader(): boolean {
    return this.s.dev || (this.s.raftServer?.isLeader() ?? false);
  }

  leadership(): Leadership {
    const raft = this.s.raftServer;
    if (raft) {
      const leaderAddress = raft.leaderAddress();
      return { knownLeader: leaderAddress !== '', lastContactMs: raft.lastContactMs(), leaderAddress };
    }
    return { knownLeader: true, lastContactMs: 0, leaderAddress: this.serverAddress };
  }

  /** GET /v1/status/peers. */
  peers(): string[] {
    return this.s.raftServer ? this.s.raftServer.peers() : [this.serverAddress];
  }

  /** This agent's /v1/agent/members entry. */
  member(): MemberFacts {
    const membership = this.s.membership();
    if (membership) return { gossip: membership.local() };
    const id = this.s.identity;
    return { name: id.node, address: id.address, serfPort: this.s.config().ports.serfLan, tags: memberTags(this.s.config(), id.id) };
  }

  /** /v1/agent/members (LAN). */
  members(): MemberFacts[] {
    const membership = this.s.membership();
    return membership ? membership.members().map((m) => ({ gossip: m })) : [this.member()];
  }

  self(): AgentSelfFacts {
    const cfg = this.s.config();
    const counts = this.s.localCounts();
    return {
      datacenter: cfg.datacenter,
      nodeName: this.s.identity.node,
      nodeId: this.s.identity.id,
      version: VERSION,
      server: cfg.server,
      dev: cfg.dev,
      bootstrap: cfg.bootstrap,
      sessionTtlMinNs: cfg.sessionTtlMinNs,
      clientAddr: cfg.clientAddr,
      bindAddr: cfg.bindAddr,
      domain: cfg.domain,
      recursors: cfg.recursors,
      httpPort: cfg.ports.http,
      dnsPort: cfg.ports.dns,
      enableScriptChecks: cfg.enableScriptChecks,
      enableLocalScriptChecks: cfg.enableLocalScriptChecks,
      member: this.member(),
      checks: counts.checks,
      services: counts.services,
      leader: this.isLeader(),
      leaderAddress: this.leadership().leaderAddress,
      raft: this.raftStats(),
      uptimeSeconds: Math.floor((Date.now() - this.s.startedAt) / 1000),
      meta: this.s.identity.meta,
      serfLan: this.s.membership()?.serfStats(),
      serfWan: this.s.wan?.()?.serfStats(),
      knownServers: cfg.server ? undefined : this.knownServers(),
      tlsExpiry: tlsExpiry(cfg),
      acl: {
        enabled: cfg.acl.enabled,
        defaultPolicy: cfg.acl.defaultPolicy,
        downPolicy: cfg.acl.downPolicy,
        tokenTtlMs: cfg.acl.tokenTtlMs,
        policyTtlMs: cfg.acl.policyTtlMs,
        roleTtlMs: cfg.acl.roleTtlMs,
        enableTokenPersistence: cfg.acl.enableTokenPersistence,
        dataDir: cfg.dataDir,
      },
    };
  }

  /** Alive servers of this datacenter that gossip knows (a client's Stats.consul.known_servers). */
  private knownServers(): number {
    const dc = this.s.config().datacenter;
    return (this.s.membership()?.members() ?? []).filter((m) => m.Tags.role === 'consul' && m.Tags.dc === dc && m.Status === MemberStatusCode.alive).length;
  }

  /** GET /v1/operator/raft/configuration's servers. */
  raftConfiguration(): RaftConfigurationFacts {
    const raft = this.s.raftServer;
    const id = this.s.identity;
    if (!raft) return { servers: [{ id: id.id, node: id.node, address: this.serverAddress, leader: true, voter: true }], index: 1 };
    const conf = raft.configuration();
    const members = this.s.membership()?.members() ?? [];
    const leader = raft.leaderAddress();
    const servers = [...conf.voters.map((n) => [n, true] as const), ...conf.learners.map((n) => [n, false] as const)]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, voter]) => {
        const m = members.find((x) => x.Name === name);
        const address = m ? (serverAddress(m) ?? '') : '';
        return { id: m?.Tags.id ?? name, node: name, address, leader: address !== '' && address === leader, voter };
      });
    return { servers, index: raft.appliedIndex() };
  }

  /** DELETE /v1/operator/raft/peer: by server ID (or node name) or by address. */
  async removeRaftPeer(peer: { id: string; address: string }): Promise<void> {
    const raft = this.s.raftServer;
    if (!raft) throw new LogFailedError('Cannot remove the only server of a -dev agent');
    const conf = raft.configuration();
    const members = this.s.membership()?.members() ?? [];
    const name = [...conf.voters, ...conf.learners].find((n) => {
      const m = members.find((x) => x.Name === n);
      return peer.id ? n === peer.id || m?.Tags.id === peer.id : m !== undefined && serverAddress(m) === peer.address;
    });
    if (!name) throw new LogFailedError(`id "${peer.id || peer.address}" was not found in the Raft configuration`);
    await raft.removePeer(name);
  }

  private raftStats(): RaftStatsFacts {
    if (this.s.dev) return { kind: 'local', index: this.s.log.lastIndex() };
    const r = this.s.raftServer;
    if (!r) return { kind: 'none' };
    return { kind: 'raft', appliedIndex: r.appliedIndex(), state: r.isLeader() ? 'Leader' : r.running ? 'Follower' : 'Candidate', configuration: r.configuration(), stats: r.stats() };
  }
}

/** The configured certificates' expiry (HTTPS when served, internal RPC when a certificate is set), or undefined. */
function tlsExpiry(cfg: AgentConfig): { https?: string; internalRpc?: string } | undefined {
  const at = (file: string | undefined) => {
    if (!file) return undefined;
    try {
      return certificateExpiry(file).toISOString();
    } catch {
      return undefined; // unreadable now: the start or the last reload said so
    }
  };
  const https = cfg.ports.https >= 0 ? at(effectiveTls(cfg.tls, 'https').certFile) : undefined;
  const internalRpc = at(effectiveTls(cfg.tls, 'internalRpc').certFile);
  return https || internalRpc ? { https, internalRpc } : undefined;
}
