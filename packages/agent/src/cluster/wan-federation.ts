// WAN federation: the servers of every datacenter in one more gossip pool (Consul's Serf WAN), run with
// memberlist's WAN timings on the Serf WAN port (8302). Member names are `node.dc`; the tags are the LAN tags,
// so every member says which datacenter it serves and on which port it answers RPC. The pool is what a server
// knows of other datacenters: which exist (/v1/catalog/datacenters, DNS) and whose servers take a request
// forwarded there (wan-forwarder.ts).
import type { Logger } from '@conclave/toolkit';
import { coordinateDistance, type Coordinate } from '@conclave/gossip';
import { Membership, MemberStatusCode, SERF_WAN_PORT, type ConsulMember, type SerfStats } from '../membership.js';
import { serverAddress } from './server-address.js';
import type { GossipTuning } from '../config/agent-config.js';

export interface WanFederationOptions {
  node: string;
  datacenter: string;
  bindAddr: string;
  advertiseAddr?: string;
  port: number;
  tags: Record<string, string>;
  /** The gossip keys (Consul encrypts the WAN pool with the same key as the LAN). */
  keys?: string[];
  /** -dev runs memberlist's local timings here too. */
  dev: boolean;
  /** gossip_wan: timings over the WAN profile's. */
  tuning?: GossipTuning;
  /** Vivaldi coordinates on WAN probes (off with disable_coordinates). */
  coordinates?: boolean;
  /** Agent's logger; the pool logs as agent.server.serf.wan / memberlist.wan. */
  logger: Logger;
  /** Where the WAN members last seen alive are kept, so a restarted server rejoins the federation by itself
   * (Consul's serf/remote.snapshot); undefined keeps nothing. */
  knownPeers?: { save(peers: string[]): void };
}

export class WanFederation {
  private constructor(
    private readonly pool: Membership,
    private readonly datacenter: string,
  ) {}

  /** Starts the WAN pool; a port that cannot be bound is an error, as in Consul. */
  static async start(o: WanFederationOptions): Promise<WanFederation> {
    const server = o.logger.named('server');
    const serf = server.named('serf.wan');
    const pool = await Membership.start({
      name: `${o.node}.${o.datacenter}`,
      bindAddr: o.bindAddr,
      port: o.port,
      advertiseAddr: o.advertiseAddr,
      tags: o.tags,
      keys: o.keys,
      profile: o.dev ? 'local' : 'wan',
      tuning: o.tuning,
      logger: server.named('memberlist.wan'),
      coordinates: o.coordinates ?? true,
    });
    serf.info(`serf: EventMemberJoin: ${o.node}.${o.datacenter} ${pool.local().Addr}`);
    for (const ev of ['join', 'leave', 'fail'] as const) {
      const word = { join: 'EventMemberJoin', leave: 'EventMemberLeave', fail: 'EventMemberFailed' }[ev];
      pool.node.on(ev, (m) => serf.info(`serf: ${word}: ${m.name} ${m.host}`));
    }
    const peers = o.knownPeers;
    if (peers) {
      for (const ev of ['join', 'leave', 'fail', 'update', 'reap'] as const) {
        pool.node.on(ev, () =>
          peers.save(pool.members().filter((m) => m.Status === MemberStatusCode.alive).map((m) => `${m.Addr}:${m.Port}`).filter((a) => a !== pool.address)),
        );
      }
    }
    return new WanFederation(pool, o.datacenter);
  }

  get address(): string {
    return this.pool.address;
  }

  /** The pool's gossip node (keyring queries run on it). */
  get gossip() {
    return this.pool.node;
  }

  members(): ConsulMember[] {
    return this.pool.members();
  }

  serfStats(): SerfStats {
    return this.pool.serfStats();
  }

  /** Every datacenter the pool knows of (a member in any state but left counts), by estimated round trip as
   * Consul's GetDatacentersByDistance sorts them: the median distance from this server's WAN coordinate to the
   * datacenter's servers (this one is 0, so first), datacenters without coordinates last, ties by name. */
  datacenters(): string[] {
    const servers = new Map<string, string[]>();
    for (const m of this.pool.members()) {
      const dc = m.Tags.dc;
      if (!dc || m.Tags.role !== 'consul' || m.Status === MemberStatusCode.left) continue;
      servers.set(dc, [...(servers.get(dc) ?? []), m.Name]);
    }
    const mine = this.pool.node.coordinate();
    const rtt = new Map<string, number>([[this.datacenter, 0]]);
    for (const [dc, names] of servers) {
      if (dc === this.datacenter) continue;
      const d = names
        .map((n) => this.pool.node.cachedCoordinate(n))
        .filter((c): c is Coordinate => c !== undefined && mine !== undefined)
        .map((c) => coordinateDistance(mine!, c))
        .sort((a, b) => a - b);
      rtt.set(dc, d.length === 0 ? Infinity : d[Math.floor(d.length / 2)]!);
    }
    return [...new Set([this.datacenter, ...servers.keys()])].sort((a, b) => rtt.get(a)! - rtt.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
  }

  /** /v1/coordinate/datacenters: every datacenter's servers with the WAN coordinate last seen for each. */
  wanCoordinates(): Array<{ Datacenter: string; AreaID: string; Coordinates: Array<{ Node: string; Coord: Coordinate }> }> {
    const byDc = new Map<string, Array<{ Node: string; Coord: Coordinate }>>();
    for (const m of this.pool.members()) {
      const dc = m.Tags.dc;
      if (!dc || m.Tags.role !== 'consul' || m.Status === MemberStatusCode.left) continue;
      const list = byDc.get(dc) ?? [];
      byDc.set(dc, list);
      const coord = this.pool.node.cachedCoordinate(m.Name);
      if (coord) list.push({ Node: m.Name, Coord: coord });
    }
    return [...byDc.keys()].sort().map((dc) => ({ Datacenter: dc, AreaID: 'wan', Coordinates: byDc.get(dc)!.sort((a, b) => (a.Node < b.Node ? -1 : 1)) }));
  }

  /** RPC addresses of the alive servers of a datacenter, in random order (spreads the load; a dead one costs
   * a retry). */
  serversOf(dc: string, random: () => number = Math.random): string[] {
    const out = this.pool
      .members()
      .filter((m) => m.Status === MemberStatusCode.alive && m.Tags.role === 'consul' && m.Tags.dc === dc)
      .map(serverAddress)
      .filter((a): a is string => a !== undefined);
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** -join-wan / PUT /v1/agent/join/:addr?wan=1: an address without a port means 8302. */
  join(addresses: string[]): Promise<{ joined: number; errors: string[] }> {
    return this.pool.join(addresses, SERF_WAN_PORT);
  }

  leave(): Promise<void> {
    return this.pool.leave();
  }

  /** force-leave -wan: the name is the WAN member's, `node.dc`. */
  forceLeave(name: string, prune: boolean): boolean {
    return this.pool.forceLeave(name, prune);
  }

  shutdown(): Promise<void> {
    return this.pool.shutdown();
  }
}
