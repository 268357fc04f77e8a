// Consul's flood join: a server puts the other servers of its own datacenter into the WAN pool by itself, so a
// datacenter federates once any one of its servers has joined another datacenter's (router.FloodJoins). Each LAN
// member that is an alive server of this datacenter and is missing from the WAN pool is joined at its address and
// its `wan_join_port` tag, whenever a LAN member joins and once a minute.
import type { Logger } from '@conclave/toolkit';
import { MemberStatusCode, type ConsulMember } from '../membership.js';

/** How often the WAN pool is checked against the LAN's servers besides on LAN joins (Consul floods every 60 s). */
export const FLOOD_INTERVAL_MS = 60_000;

export interface FloodJoinParts {
  datacenter: string;
  lanMembers: () => ConsulMember[];
  onLanJoin: (listener: () => void) => void;
  wanMembers: () => ConsulMember[];
  wanJoin: (addresses: string[]) => Promise<{ joined: number; errors: string[] }>;
  logger: Logger;
}

/** Starts flooding; the returned function stops it. */
export function startWanFloodJoin(p: FloodJoinParts): () => void {
  let running = false;
  const flood = async () => {
    if (running) return;
    running = true;
    try {
      const inWan = new Set(p.wanMembers().filter((m) => m.Status !== MemberStatusCode.left).map((m) => m.Name));
      const missing = p
        .lanMembers()
        .filter((m) => m.Status === MemberStatusCode.alive && m.Tags.role === 'consul' && m.Tags.dc === p.datacenter && Number(m.Tags.wan_join_port) > 0)
        .filter((m) => !inWan.has(`${m.Name}.${p.datacenter}`))
        .map((m) => `${m.Addr.includes(':') ? `[${m.Addr}]` : m.Addr}:${m.Tags.wan_join_port}`);
      if (missing.length === 0) return;
      const res = await p.wanJoin(missing);
      if (res.joined > 0) p.logger.info('Flood joined servers of this datacenter to the WAN pool', { number_of_nodes: res.joined });
      else p.logger.debug('Flood join to the WAN pool failed', { error: res.errors.join('; ') });
    } finally {
      running = false;
    }
  };
  let stopped = false;
  p.onLanJoin(() => {
    if (!stopped) void flood();
  });
  const timer = setInterval(() => void flood(), FLOOD_INTERVAL_MS);
  timer.unref();
  setImmediate(() => void flood());
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
