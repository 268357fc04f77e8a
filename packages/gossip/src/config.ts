/**
 * Timing and size settings, the presets with the reason for each number, the
 * formulas that scale them with the cluster size, and their validation.
 */
import { GossipConfigError } from './errors.js';

export interface GossipConfig {
  /** Time between failure probes of one member. */
  probeIntervalMs: number;
  /** Wait for a direct ack before asking others to probe indirectly. */
  probeTimeoutMs: number;
  /** Members asked to ping-req a member that missed its direct ack. */
  indirectChecks: number;
  /** Retransmits of one broadcast = retransmitMult × ceil(log10(N+1)). */
  retransmitMult: number;
  /** Suspicion minimum = suspicionMult × max(1, log10(N)) × probe interval. */
  suspicionMult: number;
  /** Suspicion maximum = minimum × this; Lifeguard shrinks from max toward min with confirmations. */
  suspicionMaxTimeoutMult: number;
  /** Full state exchange over TCP with one random member (scaled up above 32 members). */
  pushPullIntervalMs: number;
  /** Deadline for a TCP exchange (push/pull, fallback ping, join). */
  tcpTimeoutMs: number;
  /** Time between gossip rounds of piggybacked broadcasts. */
  gossipIntervalMs: number;
  /** Members gossiped to per round. */
  gossipNodes: number;
  /** Keep gossiping to a failed/left member this long so it learns it and can refute. */
  gossipToTheDeadMs: number;
  /** Lifeguard's local health ceiling (probe interval/timeout scale up to ×this). */
  awarenessMaxMultiplier: number;
  /** Lifeguard on: awareness, nacks, dogpile suspicion and the buddy system. */
  lifeguard: boolean;
  /** Largest UDP payload, encryption overhead included. */
  udpPacketSize: number;
  /** Time between push/pull attempts to a random failed member (heals partitions, rejoins). */
  reconnectIntervalMs: number;
  /** A failed member is forgotten after this long. */
  reconnectTimeoutMs: number;
  /** A left member is forgotten after this long. */
  tombstoneTimeoutMs: number;
  /** How often failed/left members are checked for reaping. */
  reapIntervalMs: number;
  /** Time a leaving node gives its leave intent (and then its leave) to spread. */
  leavePropagateDelayMs: number;
  /** Largest user event, name + payload bytes. */
  userEventSizeLimit: number;
  /** Lamport times remembered to de-duplicate user events. */
  eventBufferSize: number;
  /** Bound on queued broadcasts; the most retransmitted are dropped first. */
  maxQueuedBroadcasts: number;
  /** Bound on one TCP message (push/pull state). */
  maxStreamBytes: number;
}

/** A LAN: memberlist's DefaultLANConfig, with Serf's reaping of failed and left members. */
export function lanProfile(): GossipConfig {
  return {
    probeIntervalMs: 1000, // one probe per second per member: load independent of N
    probeTimeoutMs: 500, // well above a LAN round trip, below the interval so ping-req still fits
    indirectChecks: 3,
    retransmitMult: 4,
    suspicionMult: 4, // timeout = 4 * log10(N) * 1 s, enough for a suspect to hear and refute
    suspicionMaxTimeoutMult: 6,
    pushPullIntervalMs: 30_000,
    tcpTimeoutMs: 10_000,
    gossipIntervalMs: 200,
    gossipNodes: 3,
    gossipToTheDeadMs: 30_000,
    awarenessMaxMultiplier: 8,
    lifeguard: true,
    udpPacketSize: 1400, // below a 1500-byte Ethernet MTU with IP/UDP headers
    reconnectIntervalMs: 30_000,
    reconnectTimeoutMs: 72 * 3600_000, // Serf's 24h raised (as Consul does) so an outage of a day or two does not drop members
    tombstoneTimeoutMs: 24 * 3600_000,
    reapIntervalMs: 15_000,
    leavePropagateDelayMs: 1000,
    userEventSizeLimit: 512,
    eventBufferSize: 512,
    maxQueuedBroadcasts: 4096,
    maxStreamBytes: 32 * 1024 * 1024,
  };
}

/** memberlist DefaultLocalConfig: loopback or one rack, used to compare with memberlist. */
export function localProfile(): GossipConfig {
  return {
    ...lanProfile(),
    probeTimeoutMs: 200,
    indirectChecks: 1,
    retransmitMult: 2,
    suspicionMult: 3,
    pushPullIntervalMs: 15_000,
    tcpTimeoutMs: 1000,
    gossipIntervalMs: 100,
    gossipToTheDeadMs: 15_000,
  };
}

/** A WAN (servers of every datacenter): memberlist's DefaultWANConfig, slower probes and longer timeouts for
 * links that cross the Internet, with the LAN's reaping. */
export function wanProfile(): GossipConfig {
  return {
    ...lanProfile(),
    probeIntervalMs: 5000,
    probeTimeoutMs: 3000,
    suspicionMult: 6,
    pushPullIntervalMs: 60_000,
    tcpTimeoutMs: 30_000,
    gossipIntervalMs: 500,
    gossipNodes: 4,
    gossipToTheDeadMs: 60_000,
  };
}

/** Fast profile for tests: everything about 10× quicker than LAN. */
export function testProfile(): GossipConfig {
  return {
    ...lanProfile(),
    probeIntervalMs: 100,
    probeTimeoutMs: 50,
    suspicionMult: 3,
    pushPullIntervalMs: 2000,
    tcpTimeoutMs: 1000,
    gossipIntervalMs: 50,
    gossipToTheDeadMs: 3000,
    reconnectIntervalMs: 1000,
    reconnectTimeoutMs: 60_000,
    tombstoneTimeoutMs: 60_000,
    reapIntervalMs: 1000,
    leavePropagateDelayMs: 200,
  };
}

export type ProfileName = 'lan' | 'wan' | 'local' | 'test';

export function profile(name: ProfileName): GossipConfig {
  switch (name) {
    case 'lan':
      return lanProfile();
    case 'wan':
      return wanProfile();
    case 'local':
      return localProfile();
    case 'test':
      return testProfile();
  }
}

/** Minimum suspicion timeout: mult × max(1, log10(N)) × interval. */
export function suspicionMinTimeout(mult: number, n: number, intervalMs: number): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, n)));
  return Math.floor(mult * nodeScale * intervalMs);
}

/** How many times one broadcast is piggybacked: mult × ceil(log10(N+1)). */
export function retransmitLimit(mult: number, n: number): number {
  return mult * Math.ceil(Math.log10(n + 1));
}

/** Push/pull slows down above 32 members so TCP load per member stays flat. */
export function pushPullScale(intervalMs: number, n: number): number {
  const threshold = 32;
  if (n <= threshold) return intervalMs;
  const mult = Math.ceil(Math.log2(n) - Math.log2(threshold)) + 1;
  return intervalMs * mult;
}

const POSITIVE: (keyof GossipConfig)[] = [
  'probeIntervalMs',
  'probeTimeoutMs',
  'gossipIntervalMs',
  'pushPullIntervalMs',
  'tcpTimeoutMs',
  'reconnectIntervalMs',
  'reapIntervalMs',
  'suspicionMult',
  'suspicionMaxTimeoutMult',
  'retransmitMult',
  'awarenessMaxMultiplier',
  'eventBufferSize',
  'maxQueuedBroadcasts',
  'userEventSizeLimit',
  'maxStreamBytes',
];

/** Throws GossipConfigError for a setting no member could run with. */
export function validateConfig(c: GossipConfig): void {
  for (const [k, v] of Object.entries(c)) {
    if (k === 'lifeguard') {
      if (typeof v !== 'boolean') throw new GossipConfigError('config lifeguard must be true or false');
    } else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new GossipConfigError(`config ${k} must be a non-negative number, got ${String(v)}`);
    }
  }
  for (const k of POSITIVE) if (!(c[k] as number > 0)) throw new GossipConfigError(`config ${k} must be greater than 0`);
  if (c.udpPacketSize < 576 || c.udpPacketSize > 65_000) throw new GossipConfigError(`config udpPacketSize must be 576 to 65000 bytes, got ${c.udpPacketSize}`);
  if (c.probeTimeoutMs >= c.probeIntervalMs) {
    throw new GossipConfigError(`probeTimeoutMs (${c.probeTimeoutMs}) must be below probeIntervalMs (${c.probeIntervalMs})`);
  }
}
