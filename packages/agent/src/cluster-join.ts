// Joining the gossip cluster: -join at start, -retry-join until one address works (or retry_max), rejoining
// the members known before a restart unless the agent left gracefully (Serf's snapshot; -rejoin overrides),
// and a graceful leave that the data dir remembers.
import { PlainValue, formatGoDuration, type Logger } from '@conclave/toolkit';
import type { KnownPeersSnapshot } from './cluster/known-peers.js';

/** What joining needs of gossip (Membership has it). */
export interface Joinable {
  readonly address: string;
  join(addresses: string[]): Promise<{ joined: number; errors: string[] }>;
  leave(): Promise<void>;
}

export interface ClusterJoinOptions {
  /** Gossip, or undefined when it is off (ports.serf_lan = -1). */
  membership: () => Joinable | undefined;
  knownPeers: { load(): KnownPeersSnapshot; recordLeave(): void };
  startJoin: string[];
  retryJoin: string[];
  /** retry_max: 0 retries for ever. */
  retryMax: number;
  retryIntervalMs: number;
  rejoinAfterLeave: boolean;
  logger: Logger;
  /** Which gossip pool this joins, as Consul names it in its logs (default LAN). */
  pool?: 'LAN' | 'WAN';
}

export class ClusterJoin {
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: ClusterJoinOptions) {}

  /** Joins the cluster through any of the addresses (Consul's `-join`, `conclave join`). */
  async join(addresses: string[]): Promise<{ joined: number; errors: string[] }> {
    const membership = this.o.membership();
    const pool = this.o.pool ?? 'LAN';
    if (!membership) return { joined: 0, errors: [pool === 'LAN' ? 'gossip is disabled (ports.serf_lan = -1)' : 'WAN gossip is not running on this agent (servers only; ports.serf_wan = -1 turns it off)'] };
    // Consul's words (agent.go JoinLAN / JoinWAN).
    this.o.logger.info(`(${pool}) joining`, { [`${pool.toLowerCase()}_addresses`]: new PlainValue(`[${addresses.join(' ')}]`) });
    const res = await membership.join(addresses);
    if (res.joined > 0) this.o.logger.info(`(${pool}) joined`, { number_of_nodes: res.joined });
    else this.o.logger.warn(`(${pool}) couldn't join`, { number_of_nodes: 0, error: res.errors.join('; ') });
    return res;
  }

  /** At start: rejoin the members known before (unless we left), then -join (must work), then -retry-join. */
  async atStart(): Promise<void> {
    const o = this.o;
    const membership = o.membership();
    // Like Serf's snapshot: an agent that was in a cluster before a restart rejoins the members it knew, unless
    // it left gracefully (then only -rejoin / rejoin_after_leave bring it back; -join and -retry-join always apply).
    const snapshot = o.knownPeers.load();
    const known = snapshot.peers.filter((a) => a !== membership?.address);
    if (snapshot.left && known.length > 0 && !o.rejoinAfterLeave) {
      o.logger.info('Left the cluster gracefully before: not rejoining previously known members (-rejoin does)', { known: known.length });
    } else if (known.length > 0 && membership) {
      if (snapshot.left) o.logger.info('Ignoring the previous leave: rejoining previously known members', { known: known.length });
      const res = await this.join(known);
      if (res.joined === 0) o.logger.warn('Could not rejoin any previously known member', { tried: known.length });
    }
    if (o.startJoin.length > 0) {
      const res = await this.join(o.startJoin);
      if (res.joined === 0) throw new Error(`Error joining address(es) ${o.startJoin.join(', ')}: ${res.errors.join('; ')}`);
    }
    if (o.retryJoin.length > 0) this.retry(1);
  }

  /** Leaves gracefully (others record `left`); the data dir remembers it, so the next start does not rejoin
   * the old members unless -rejoin says so. */
  async leave(): Promise<void> {
    this.o.knownPeers.recordLeave();
    await this.o.membership()?.leave();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  /** Consul's -retry-join: keep trying every retry_interval until one address works or retry_max is reached. */
  private retry(attempt: number): void {
    const o = this.o;
    const cluster = o.pool ?? 'LAN';
    if (attempt === 1) o.logger.info('Joining cluster...', { cluster });
    void this.join(o.retryJoin).then((res) => {
      if (this.stopped) return;
      if (res.joined > 0) {
        o.logger.info('Join cluster completed. Synced with initial agents', { cluster, num_agents: res.joined });
        return;
      }
      if (o.retryMax > 0 && attempt >= o.retryMax) {
        o.logger.error('Max join retry exhausted, giving up', { attempts: attempt, errors: res.errors.join('; ') });
        return;
      }
      o.logger.warn('Join cluster failed, will retry', { cluster, retry_interval: formatGoDuration(o.retryIntervalMs * 1e6), error: res.errors.join('; ') });
      this.retryTimer = setTimeout(() => this.retry(attempt + 1), o.retryIntervalMs);
      this.retryTimer.unref();
    });
  }
}
