// Autopilot's view of the servers, as Consul's leader computes it for /v1/operator/autopilot/health and /state,
// plus the leader's first write of the autopilot configuration. A server is healthy when gossip says it is alive,
// the leader heard from it within LastContactThreshold, it is in the leader's term and at most MaxTrailingLogs
// entries behind the leader's log: the thresholds come from the replicated configuration, so a PUT changes them.
import type { AutopilotFacts, AutopilotServerFacts } from '@conclave/http-api';
import { DEFAULT_AUTOPILOT_CONFIG, LogFailedError, type AutopilotConfig, type Command, type CommandLog, type StateReader } from '@conclave/state';
import type { Logger } from '@conclave/toolkit';
import type { ConsulMember } from './membership.js';
import type { RaftServer } from './cluster/raft-server.js';
import { serverAddress } from './cluster/server-address.js';

const STATUS_NAME = ['none', 'alive', 'leaving', 'left', 'failed'];

export interface AutopilotViewOptions {
  node: string;
  /** This server's ID and RPC address, for the -dev agent (which has no Raft). */
  nodeId: string;
  selfAddress: string;
  version: string;
  state: StateReader;
  raft: Pick<RaftServer, 'serverStats' | 'transferLeadership'> | undefined;
  members: () => ConsulMember[];
  /** -dev: one server that always leads at its local log's last index. */
  devLastIndex?: () => number;
}

export class AutopilotView {
  /** Per server: its health and since when (StableSince). */
  private readonly stable = new Map<string, { healthy: boolean; since: Date }>();

  constructor(private readonly o: AutopilotViewOptions) {}

  facts(): AutopilotFacts {
    const ap = this.o.state.autopilot.get() ?? DEFAULT_AUTOPILOT_CONFIG;
    const members = new Map(this.o.members().map((m) => [m.Name, m] as const));
    const stats = this.o.raft
      ? this.o.raft.serverStats()
      : { term: 1, lastIndex: this.o.devLastIndex?.() ?? 0, servers: [{ name: this.o.node, voter: true, leader: true, lastIndex: this.o.devLastIndex?.() ?? 0, heardAgoMs: 0 }] };
    const servers: AutopilotServerFacts[] = stats.servers.map((s) => {
      const m = members.get(s.name);
      const self = s.name === this.o.node;
      // The leader itself is alive by definition (a -dev agent may run without gossip).
      const serfStatus = self ? 'alive' : m ? (STATUS_NAME[m.Status] ?? 'none') : 'none';
      const contactMs = s.heardAgoMs;
      const inContact = contactMs !== undefined && contactMs * 1e6 <= ap.LastContactThreshold;
      // A follower heard from in this leader's term has this term (a higher one would have deposed the leader).
      const lastTerm = s.leader || inContact ? stats.term : 0;
      const healthy =
        serfStatus === 'alive' &&
        (s.leader || inContact) &&
        lastTerm === stats.term &&
        stats.lastIndex - s.lastIndex <= ap.MaxTrailingLogs;
      return {
        id: m?.Tags.id ?? (self ? this.o.nodeId : s.name),
        name: s.name,
        address: m ? (serverAddress(m) ?? '') : self ? this.o.selfAddress : '',
        serfStatus,
        version: m ? ((m.Tags.build ?? '').split(':')[0] ?? '') : this.o.version,
        leader: s.leader,
        voter: s.voter,
        lastContactNs: s.leader || contactMs === undefined ? 0 : Math.round(contactMs * 1e6),
        lastTerm,
        lastIndex: s.lastIndex,
        healthy,
        stableSince: this.stableSince(s.name, healthy),
        meta: { 'consul-network-segment': '' },
      };
    });
    for (const name of [...this.stable.keys()]) if (!servers.some((s) => s.name === name)) this.stable.delete(name);
    const voters = servers.filter((s) => s.voter);
    const quorum = Math.floor(voters.length / 2) + 1;
    const healthyVoters = voters.filter((s) => s.healthy).length;
    return {
      healthy: servers.every((s) => s.healthy),
      failureTolerance: Math.max(0, healthyVoters - quorum),
      optimisticFailureTolerance: Math.max(0, servers.filter((s) => s.healthy).length - quorum),
      servers,
    };
  }

  /** POST /v1/operator/raft/transfer-leader[?id=]: `id` is a server ID or node name; '' lets Raft pick. */
  async transferLeader(id: string): Promise<void> {
    if (!this.o.raft) throw new LogFailedError('cannot find peer');
    let target: string | undefined;
    if (id !== '') {
      const m = this.o.members().find((x) => x.Tags.id === id || x.Name === id);
      // hashicorp/raft's answer for an ID not in the configuration.
      if (!m) throw new LogFailedError(`cannot find replica with ID ${id}`);
      target = m.Name;
    }
    await this.o.raft.transferLeadership(target);
  }

  private stableSince(name: string, healthy: boolean): string {
    const prev = this.stable.get(name);
    if (!prev || prev.healthy !== healthy) this.stable.set(name, { healthy, since: new Date() });
    return this.stable.get(name)!.since.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

/** The leader's first act for autopilot: store the agent's `autopilot {}` settings when no configuration is
 * replicated yet (InitOnly, so a racing leader's write is kept). */
export async function initAutopilotConfig(state: StateReader, log: CommandLog<Command>, config: AutopilotConfig, logger: Logger): Promise<void> {
  if (state.autopilot.get()) return;
  try {
    await log.propose({ type: 'autopilot.set', Config: { ...config }, InitOnly: true });
  } catch (err) {
    logger.warn('Failed to initialize the autopilot configuration; retrying when leadership is next gained', { error: err });
  }
}

