// Gossip for this agent: Membership started with Consul's tags, membership changes logged and remembered
// (known-peers.ts, for rejoining after a restart) and handed on, gossip user events delivered.
import type { Logger } from '@conclave/toolkit';
import type { AgentConfig } from './config/agent-config.js';
import type { NodeIdentity } from './catalog-sync.js';
import { Membership, MemberStatusCode } from './membership.js';
import { memberTags } from './node-identity.js';
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

const VERBS = { join: 'joined', leave: 'left', fail: 'failed', update: 'updated', reap: 'reaped' } as const;

/** Starts gossip, or answers undefined when it is off (ports.serf_lan = -1). */
export async function startGossip(w: GossipWiring): Promise<Membership | undefined> {
  const cfg = w.config;
  if (cfg.ports.serfLan < 0) return undefined;
  const members = await Membership.start({
    name: w.identity.node,
    bindAddr: cfg.bindAddr,
    port: cfg.ports.serfLan,
    advertiseAddr: cfg.advertiseAddr,
    tags: memberTags(cfg, w.identity.id),
    encrypt: cfg.encrypt,
    // -dev uses Consul's dev timings (about 100 ms), a real LAN Consul's defaults.
    profile: cfg.dev ? 'local' : 'lan',
    logger: w.logger.named('serf.lan'),
    onTiming: w.metrics && ((what, ms) => (what === 'gossip' ? w.metrics!.memberlistGossip : w.metrics!.memberlistProbeNode).add(ms)),
  });
  const mx = w.metrics;
  const counters = mx && { join: mx.serfMemberJoin, leave: mx.serfMemberLeft, fail: mx.serfMemberFailed, update: mx.serfMemberUpdate, reap: undefined };
  w.logger.info('Started gossip', { address: members.address });
  for (const ev of ['join', 'leave', 'fail', 'update', 'reap'] as const) {
    members.node.on(ev, (m) => {
      const self = members.address;
      w.knownPeers.save(members.members().filter((x) => x.Status === MemberStatusCode.alive).map((x) => `${x.Addr}:${x.Port}`).filter((a) => a !== self));
      w.logger.info(`Member ${VERBS[ev]}`, { member: m.name, address: m.addr });
      counters?.[ev]?.incr();
      w.onMemberEvent(ev, m);
    });
  }
  members.node.on('user-event', (ev) => w.onUserEvent(ev.name, ev.payload, ev.ltime));
  return members;
}
