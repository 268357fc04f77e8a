// The agent's view of the cluster's members, from gossip (packages/gossip), in Consul's vocabulary: the member
// objects of /v1/agent/members, join with several addresses, graceful leave, force-leave. Gossip itself is a
// generic SWIM library; everything Consul means by a member (status numbers, the Serf LAN port) is here.
import { createGossipNode, type GossipConfig, type GossipNode, type Member, type MemberStatus, type ProfileName } from '@conclave/gossip';
import { withDefaultPort, type Logger } from '@conclave/toolkit';

/** Consul's default Serf LAN port; a join address given without a port means this one. */
export const SERF_LAN_PORT = 8301;
/** Consul's default Serf WAN port (servers' federation pool); a WAN join address without a port means this one. */
export const SERF_WAN_PORT = 8302;

/** Serf's member status numbers, the `Status` of /v1/agent/members (none 0 is never shown for a known member). */
export const MemberStatusCode = { none: 0, alive: 1, leaving: 2, left: 3, failed: 4 } as const;

/** A suspect member is still `alive` to Consul: suspicion is the failure detector's business, not the catalog's. */
export function memberStatusCode(status: MemberStatus): number {
  return MemberStatusCode[status === 'suspect' ? 'alive' : status];
}

/** Consul's /v1/agent/members entry. */
export interface ConsulMember {
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string>;
  Status: number;
  ProtocolMin: number;
  ProtocolMax: number;
  ProtocolCur: number;
  DelegateMin: number;
  DelegateMax: number;
  DelegateCur: number;
}

export interface SerfStats {
  members: number;
  failed: number;
  left: number;
  healthScore: number;
  eventTime: number;
  encrypted: boolean;
}

export interface MembershipOptions {
  name: string;
  bindAddr: string;
  port: number;
  advertiseAddr?: string;
  tags: Record<string, string>;
  /** Gossip keys, primary first (gossip-keyring.ts startupKeys); undefined: no encryption. */
  keys?: string[];
  profile: ProfileName;
  /** Timings over the profile's (gossip_lan / gossip_wan). */
  tuning?: Partial<GossipConfig>;
  logger: Logger;
  /** Vivaldi coordinates on probes (Consul's default; disable_coordinates turns them off). */
  coordinates?: boolean;
  /** memberlist's probeNode and gossip timings, in ms. */
  onTiming?: (what: 'probeNode' | 'gossip', ms: number) => void;
}

export class Membership {
  private constructor(readonly node: GossipNode) {}

  static async start(opts: MembershipOptions): Promise<Membership> {
    const node = await createGossipNode({
      name: opts.name,
      bindAddr: opts.bindAddr,
      port: opts.port,
      advertiseAddr: opts.advertiseAddr || undefined,
      tags: opts.tags,
      keyring: opts.keys,
      profile: opts.profile,
      config: opts.tuning,
      logger: opts.logger,
      onTiming: opts.onTiming,
      coordinates: opts.coordinates,
    });
    return new Membership(node);
  }

  get address(): string {
    return this.node.addr;
  }

  members(): ConsulMember[] {
    return this.node.members().map(consulMember);
  }

  local(): ConsulMember {
    return consulMember(this.node.localMember());
  }

  /** Serf's Stats() keys this gossip layer can answer (`conclave info`'s serf_lan). */
  serfStats(): SerfStats {
    const all = this.node.members();
    return {
      members: all.length,
      failed: all.filter((m) => m.status === 'failed').length,
      left: all.filter((m) => m.status === 'left').length,
      healthScore: this.node.healthScore(),
      eventTime: this.node.eventClock(),
      encrypted: this.node.listKeys().length > 0,
    };
  }

  /** Joins through any of the addresses (`host` or `host:port`, default port 8301); returns how many worked. */
  async join(addresses: string[], defaultPort = SERF_LAN_PORT): Promise<{ joined: number; errors: string[] }> {
    const seeds = addresses.map((a) => withDefaultPort(a, defaultPort));
    const res = await this.node.join(seeds);
    return { joined: res.joined.length, errors: res.failed.map((f) => `${f.addr}: ${f.error}`) };
  }

  leave(): Promise<void> {
    return this.node.leave();
  }

  /** Marks a failed member left (`prune`: forgets it at once); false when the node is unknown. */
  forceLeave(name: string, prune: boolean): boolean {
    return this.node.forceLeave(name, { prune });
  }

  shutdown(): Promise<void> {
    return this.node.shutdown();
  }
}

function consulMember(m: Member): ConsulMember {
  return {
    Name: m.name,
    Addr: m.host,
    Port: m.port,
    Tags: m.tags,
    Status: memberStatusCode(m.status),
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}
