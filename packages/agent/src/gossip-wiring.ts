// Gossip for this agent: Membership started with Consul's tags, membership changes logged and remembered
// (known-peers.ts, for rejoining after a restart) and handed on, gossip user events delivered.
import { splitHostOptionalPort, type Logger } from '@conclave/toolkit';
import type { AgentConfig } from './config/agent-config.js';
import type { NodeIdentity } from './catalog-sync.js';
import { Membership, MemberStatusCode } from './membership.js';
import { memberTags } from './node-identity.js';
import { answerKeyringQueries, startupKeys } from './gossip-keyring.js';
import type { AgentMetrics } from './agent-metrics.js';

export type MemberEvent = 'join' | 'leave' | 'fail' | 'update' | 'reap';

export interface GossipWiring {
  config: AgentConfig;
  identity: NodeIdentity;
  logger: Logger;
  knownPeers: { save(peers: string[]): void };
  onMemberEvent(ev: MemberEvent, member: { name: string; tags: Record<string, string> }): void;
  onUserEvent(name: string, payload: Uint8Array, ltime: number): void;
  /** consul.memberlist.* timings and consul.serf.member.* counters. */
  metrics?: AgentMetrics;
}

// Serf's event names, as it logs them (`serf: EventMemberJoin: node1 127.0.0.1`).
const SERF_EVENTS = { join: 'EventMemberJoin', leave: 'EventMemberLeave', fail: 'EventMemberFailed', update: 'EventMemberUpdate', reap: 'EventMemberReap' } as const;

/** Starts gossip, or answers undefined when it is off (ports.serf_lan = -1). */
export async function startGossip(w: GossipWiring): Promise<Membership | undefined> {
  const cfg = w.config;
  if (cfg.ports.serfLan < 0) return undefined;
  // Consul's module names: agent.server.serf.lan / agent.client.serf.lan for Serf's lines, memberlist.lan for the
  // protocol's own (our gossip package is both).
  const role = w.logger.named(cfg.server ? 'server' : 'client');
  const serf = role.named('serf.lan');
  const members = await Membership.start({
    name: w.identity.node,
    bindAddr: cfg.bindAddr,
    port: cfg.ports.serfLan,
    advertiseAddr: cfg.advertiseAddr,
    tags: memberTags(cfg, w.identity.id),
    keys: startupKeys(cfg.encrypt, cfg.dataDir, cfg.dev, serf),
    // -dev uses Consul's dev timings (about 100 ms), a real LAN Consul's defaults.
    profile: cfg.dev ? 'local' : 'lan',
    tuning: cfg.gossipLan,
    coordinates: !cfg.disableCoordinates,
    logger: role.named('memberlist.lan'),
    onTiming: w.metrics && ((what, ms) => (what === 'gossip' ? w.metrics!.memberlistGossip : w.metrics!.memberlistProbeNode).add(ms)),
  });
  const mx = w.metrics;
  const counters = mx && { join: mx.serfMemberJoin, leave: mx.serfMemberLeft, fail: mx.serfMemberFailed, update: mx.serfMemberUpdate, reap: undefined };
  w.logger.info('Started gossip', { address: members.address });
  // Serf reports the local member's join like any other.
  serf.info(`serf: EventMemberJoin: ${w.identity.node} ${hostOf(members.address)}`);
  for (const ev of ['join', 'leave', 'fail', 'update', 'reap'] as const) {
    members.node.on(ev, (m) => {
      const self = members.address;
      w.knownPeers.save(members.members().filter((x) => x.Status === MemberStatusCode.alive).map((x) => `${x.Addr}:${x.Port}`).filter((a) => a !== self));
      serf.info(`serf: ${SERF_EVENTS[ev]}: ${m.name} ${hostOf(m.addr)}`);
      counters?.[ev]?.incr();
      w.onMemberEvent(ev, m);
    });
  }
  members.node.on('user-event', (ev) => w.onUserEvent(ev.name, ev.payload, ev.ltime));
  answerKeyringQueries(members.node, cfg.dev ? undefined : cfg.dataDir, serf);
  return members;
}

function hostOf(addr: string): string {
  try {
    return splitHostOptionalPort(addr).host;
  } catch {
    return addr;
  }
}
