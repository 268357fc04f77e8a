// A server agent's half of the cluster: the Raft node that replicates the state machine, bootstrapping as
// Consul does (-bootstrap alone, or -bootstrap-expect N once N servers have met by gossip) and, on the leader,
// Raft membership kept in step with gossip (new servers join as learners and are promoted once caught up;
// servers that left are removed). Writes and read barriers go through its RaftLog (raft-log.ts).
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DiskStorage, RaftNode, StateType, WsTransport, type NodeId, type TlsDialOptions } from '@conclave/raft';
import { DEFAULT_AUTOPILOT_CONFIG, TOPIC_AUTOPILOT, LogFailedError, NotLeaderError, type StateMachine } from '@conclave/state';
import { PlainValue, WatchSet, type Logger } from '@conclave/toolkit';
import { MemberStatusCode, type ConsulMember } from '../membership.js';
import type { AgentMetrics } from '../agent-metrics.js';
import { RaftContact } from './raft-contact.js';
import { RaftFsm } from './raft-fsm.js';
import { RaftLog } from './raft-log.js';
import type { RpcClient } from './rpc.js';
import { serverAddress } from './server-address.js';

export const RAFT_PATH = '/raft';

/** A learner within this many entries of the leader's commit index is promoted to voter. */
const PROMOTE_LAG = 64;
/** While a learner is catching up, membership is looked at again this often. */
const PROMOTE_RECHECK_MS = 1000;

export interface RaftServerOptions {
  node: string;
  datacenter: string;
  dataDir: string;
  bootstrap: boolean;
  bootstrapExpect: number;
  raftMultiplier: number;
  /** Entries between snapshots and entries kept behind one (raft_snapshot_threshold, raft_trailing_logs). */
  snapshotThreshold?: number;
  trailingLogs?: number;
  state: StateMachine;
  members: () => ConsulMember[];
  rpc: RpcClient;
  /** TLS for dials to other servers' Raft port; undefined or returning undefined: plain. */
  tls?: () => TlsDialOptions | undefined;
  logger: Logger;
  /** Called when this server becomes leader or stops being it. */
  onLeadership: (leader: boolean) => void;
  /** consul.raft.* and the endpoint timings of the commands this server takes. */
  metrics?: AgentMetrics;
  /** The token this server's own writes carry when forwarded to the leader. */
  token?: () => string;
}

export class RaftServer {
  readonly transport: WsTransport;
  /** The log every write and ?consistent read of this server goes through. */
  readonly log: RaftLog;
  private raft: RaftNode | undefined;
  private readonly raftDir: string;
  private starting: Promise<void> | undefined;
  private managing = false;
  private readonly failedSince = new Map<string, number>();
  private cleanupTimer: NodeJS.Timeout | undefined;
  private promoteTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly contact = new RaftContact();
  private stopAutopilotWatch: (() => void) | undefined;

  constructor(private readonly o: RaftServerOptions) {
    this.raftDir = join(o.dataDir, 'raft');
    // Snapshots from the leader are received into files beside the log, not into memory.
    this.transport = new WsTransport({ id: o.node, noServer: true, path: RAFT_PATH, tls: o.tls, snapshotDir: this.raftDir });
    const m = o.metrics;
    this.log = new RaftLog({
      raft: () => this.raft,
      addressOf: (id) => this.addressOf(id),
      rpc: o.rpc,
      token: o.token,
      onApply: m && ((command, ms) => m.commandSample(command)?.add(ms)),
      onCommit:
        m &&
        ((ms) => {
          m.raftApply.incr();
          m.raftCommitTime.add(ms);
        }),
    });
  }

  /** Starts Raft now when it has state or bootstraps alone; otherwise waits for `maybeBootstrap`. */
  async start(): Promise<void> {
    mkdirSync(this.raftDir, { recursive: true });
    this.watchAutopilot();
    this.refreshPeers();
    if (readdirSync(this.raftDir).length > 0) {
      this.o.logger.info('Raft data found, restoring state', { dir: this.raftDir });
      await this.startRaft(undefined);
    } else if (this.o.bootstrap) {
      this.o.logger.info('Bootstrapping a single-server cluster (-bootstrap)');
      await this.startRaft([this.o.node]);
    } else if (this.o.bootstrapExpect === 0) {
      // A server joining an existing cluster: the leader adds it once gossip tells it about us.
      await this.startRaft(undefined);
    } else {
      this.o.logger.info('Waiting for servers to bootstrap the cluster', { expect: this.o.bootstrapExpect });
      this.maybeBootstrap();
    }
  }

  /** A changed autopilot configuration (CleanupDeadServers turned on, a shorter stabilization time) is acted on
   * at once by the leader, not at the next membership event. */
  private watchAutopilot(): void {
    const ws = new WatchSet();
    ws.addTopic(TOPIC_AUTOPILOT);
    this.stopAutopilotWatch = this.o.state.watches.subscribe(ws, () => {
      if (this.raft?.isLeader()) void this.manageMembership();
      this.watchAutopilot();
    });
  }

  /** Called on every membership change: refreshes peer addresses, bootstraps when enough servers met. */
  onMembership(): void {
    this.refreshPeers();
    if (!this.raft && !this.starting && this.o.bootstrapExpect > 0) this.maybeBootstrap();
    if (this.raft?.isLeader()) void this.manageMembership();
  }

  get running(): boolean {
    return this.raft !== undefined;
  }

  isLeader(): boolean {
    return this.raft?.isLeader() ?? false;
  }

  leaderAddress(): string {
    const lead = this.raft?.leader();
    return lead ? this.addressOf(lead) ?? '' : '';
  }

  lastContactMs(): number {
    const c = this.raft?.lastContact() ?? Infinity;
    return Number.isFinite(c) ? Math.round(c) : 0;
  }

  /** Voters' server RPC addresses (/v1/status/peers). */
  peers(): string[] {
    return (this.raft?.configuration().voters ?? []).map((id) => this.addressOf(id) ?? '').filter(Boolean).sort();
  }

  configuration(): { voters: NodeId[]; learners: NodeId[] } {
    return this.raft?.configuration() ?? { voters: [], learners: [] };
  }

  appliedIndex(): number {
    return this.raft?.appliedIndex() ?? 0;
  }

  /** hashicorp/raft's Stats() of the running node (Stats.raft of /v1/agent/self); undefined before it starts. */
  stats(): Record<string, string> | undefined {
    return this.raft?.stats();
  }

  /** Removes a server from the Raft configuration (operator raft remove-peer); leader only. */
  async removePeer(id: NodeId): Promise<void> {
    if (!this.raft?.isLeader()) throw new NotLeaderError();
    try {
      await this.raft.removeServer(id);
    } catch (err) {
      throw new LogFailedError((err as Error).message);
    }
  }

  /** What the leader's autopilot knows of each server (autopilot-health.ts turns it into health); leader only. */
  serverStats(): { term: number; lastIndex: number; servers: Array<{ name: string; voter: boolean; leader: boolean; lastIndex: number; heardAgoMs: number | undefined }> } {
    const raft = this.raft;
    if (!raft?.isLeader()) throw new NotLeaderError();
    const conf = raft.configuration();
    const match = new Map(raft.progress().map((p) => [p.id, p.match] as const));
    const lastIndex = raft.lastIndex();
    const entry = (name: NodeId, voter: boolean) => {
      const self = name === this.o.node;
      return {
        name,
        voter,
        leader: self,
        lastIndex: self ? lastIndex : (match.get(name) ?? 0),
        heardAgoMs: self ? 0 : this.contact.heardAgoMs(name),
      };
    };
    return { term: raft.term(), lastIndex, servers: [...conf.voters.map((n) => entry(n, true)), ...conf.learners.map((n) => entry(n, false))] };
  }

  /**
   * operator raft transfer-leader: Raft's leadership transfer (the leader brings the target up to date, then
   * sends it TimeoutNow so it campaigns at once). `to` is a server's node name; undefined picks the most
   * up-to-date other voter. Resolves once another server leads; rejects when none took over in time.
   */
  async transferLeadership(to: NodeId | undefined): Promise<NodeId> {
    const raft = this.raft;
    if (!raft?.isLeader()) throw new NotLeaderError();
    const conf = raft.configuration();
    let target = to;
    if (target === undefined) {
      const others = raft.progress().filter((p) => p.id !== this.o.node && conf.voters.includes(p.id));
      others.sort((a, b) => b.match - a.match);
      target = others[0]?.id;
    }
    // hashicorp/raft's words when no voter can take over.
    if (target === undefined || target === this.o.node || !conf.voters.includes(target)) throw new LogFailedError('cannot find peer');
    const waitMs = 2 * 10 * 100 * this.o.raftMultiplier + 1000;
    // hashicorp/raft gives a transfer one election timeout; ours is 10 ticks of 100 ms × raft_multiplier, twice
    // here so that the target's election (which may need a second round) can finish.
    const took = new Promise<NodeId>((resolve, reject) => {
      const onLeader = (lead: NodeId | undefined) => {
        if (lead === undefined || lead === this.o.node) return;
        clearTimeout(timer);
        raft.off('leader', onLeader);
        resolve(lead);
      };
      const timer = setTimeout(() => {
        raft.off('leader', onLeader);
        reject(new LogFailedError('leadership transfer timeout'));
      }, waitMs);
      raft.on('leader', onLeader);
    });
    raft.transferLeadership(target);
    return took;
  }

  async stop(): Promise<void> {
    this.stopAutopilotWatch?.();
    this.log.stop();
    this.contact.stop();
    clearTimeout(this.cleanupTimer);
    this.stopped = true;
    clearTimeout(this.promoteTimer);
    await this.starting;
    await this.raft?.stop();
  }

  private maybeBootstrap(): void {
    const servers = this.o
      .members()
      .filter((m) => m.Status === MemberStatusCode.alive && m.Tags.role === 'consul' && m.Tags.dc === this.o.datacenter)
      .map((m) => m.Name)
      .sort();
    if (servers.length < this.o.bootstrapExpect) return;
    this.o.logger.info('Found expected servers, bootstrapping the cluster', { servers: servers.join(',') });
    void this.startRaft(servers);
  }

  private startRaft(bootstrap: NodeId[] | undefined): Promise<void> {
    if (this.starting) return this.starting;
    const log = this.o.logger.named('raft');
    const tickMs = 100 * this.o.raftMultiplier;
    const raft = new RaftNode({
      id: this.o.node,
      storage: new DiskStorage({ dir: this.raftDir, logger: log }),
      // Every inbound message is stamped: the leader lease metric and autopilot's LastContact read it.
      transport: this.contact.wrap(this.transport),
      fsm: new RaftFsm(this.o.state),
      bootstrap,
      tickMs,
      snapshotThreshold: this.o.snapshotThreshold,
      trailingLogs: this.o.trailingLogs,
      preVote: true,
      checkQuorum: true,
      logger: log,
    });
    raft.on('leader', (lead: NodeId | undefined) => {
      if (lead) this.o.logger.info('New leader elected', { payload: lead });
    });
    let prev: string = raft.state();
    this.logRaftState(log, raft, prev, undefined);
    let lastLeader: NodeId | undefined;
    raft.on('leader', (lead: NodeId | undefined) => {
      if (lead) lastLeader = lead;
    });
    raft.on('state', (state: string) => {
      this.logRaftState(log, raft, state, prev, lastLeader);
      prev = state;
      const leader = raft.isLeader();
      const m = this.o.metrics;
      if (m) {
        if (state === StateType.Candidate) m.raftStateCandidate.incr();
        if (state === StateType.Leader) m.raftStateLeader.incr();
        const conf = () => raft.configuration();
        this.contact.leading(leader, 500 * this.o.raftMultiplier, () => [...conf().voters, ...conf().learners].filter((id) => id !== this.o.node), (ms) =>
          m.raftLeaderLastContact.add(ms),
        );
      }
      this.o.onLeadership(leader);
      if (leader) void this.manageMembership();
    });
    raft.on('error', (err: Error) => log.error('Raft stopped on an error', { error: err }));
    this.starting = raft.start().then(() => {
      this.raft = raft;
    });
    return this.starting;
  }

  // hashicorp/raft's words for the transitions operators grep for (our Raft is etcd's design; its pre-candidate
  // state is reported as hashicorp's candidate, which also runs a pre-vote first).
  private logRaftState(log: Logger, raft: RaftNode, state: string, prev: string | undefined, lastLeader?: NodeId): void {
    const self = this.addressOf(this.o.node) ?? this.o.node;
    const lead = raft.leader();
    switch (state) {
      case 'follower':
        log.info('entering follower state', {
          follower: `Node at ${self} [Follower]`,
          'leader-address': new PlainValue(lead ? (this.addressOf(lead) ?? '') : ''),
          'leader-id': new PlainValue(lead ?? ''),
        });
        return;
      case 'pre-candidate':
      case 'candidate':
        if (prev === 'pre-candidate' || prev === 'candidate') {
          log.info('pre-vote successful, starting election', { term: raft.term() });
          return;
        }
        this.logCampaign(log, raft, self, prev, lastLeader);
        return;
      case 'leader':
        // A lone voter wins within one step, so no candidate state was seen: say what hashicorp/raft says.
        if (prev !== 'pre-candidate' && prev !== 'candidate') this.logCampaign(log, raft, self, prev, lastLeader);
        log.info('election won', raft.configuration().voters.length === 1 ? { term: raft.term(), tally: 1 } : { term: raft.term() });
        log.info('entering leader state', { leader: `Node at ${self} [Leader]` });
        return;
    }
  }

  private logCampaign(log: Logger, raft: RaftNode, self: string, prev: string | undefined, lastLeader: NodeId | undefined): void {
    if (prev === 'follower')
      log.warn('heartbeat timeout reached, starting election', {
        'last-leader-addr': new PlainValue(lastLeader ? (this.addressOf(lastLeader) ?? '') : ''),
        'last-leader-id': new PlainValue(lastLeader ?? ''),
      });
    log.info('entering candidate state', { node: `Node at ${self} [Candidate]`, term: raft.term() });
  }

  private refreshPeers(): void {
    for (const m of this.o.members()) {
      if (m.Tags.role !== 'consul' || m.Name === this.o.node) continue;
      const addr = serverAddress(m);
      if (addr) this.transport.setPeer(m.Name, addr);
    }
  }

  /** Leader: add alive servers Raft does not know as learners, promote caught-up learners, drop left servers. */
  private async manageMembership(): Promise<void> {
    const raft = this.raft;
    if (!raft || this.managing) return;
    this.managing = true;
    try {
      const conf = raft.configuration();
      const known = new Set([...conf.voters, ...conf.learners]);
      for (const m of this.o.members()) {
        if (m.Tags.role !== 'consul' || m.Tags.dc !== this.o.datacenter || m.Name === this.o.node) continue;
        if (m.Status === MemberStatusCode.alive && !known.has(m.Name)) {
          this.o.logger.info('Adding server as a non-voter to catch up', { server: m.Name });
          await raft.addLearner(m.Name);
        } else if (m.Status === MemberStatusCode.left && known.has(m.Name)) {
          this.o.logger.info('Removing server that left', { server: m.Name });
          await raft.removeServer(m.Name);
        }
      }
      await this.cleanupDeadServers(raft);
      const commit = raft.commitIndex();
      let behind = false;
      for (const p of raft.progress()) {
        if (p.learner && p.match + PROMOTE_LAG >= commit) {
          this.o.logger.info('Promoting caught-up server to voter', { server: p.id });
          await raft.addVoter(p.id);
        } else if (p.learner) behind = true;
      }
      // A learner still catching up is looked at again soon: rounds otherwise run only on gossip events, and
      // once the join's events are over none may come, leaving a joined server a non-voter for good (found by
      // tools/faults' membership nemesis with a log longer than a few hundred entries).
      if (behind) this.recheckSoon();
    } catch (err) {
      this.o.logger.warn('Raft membership change failed; retrying on the next round', { error: err });
    } finally {
      this.managing = false;
    }
  }

  private recheckSoon(): void {
    if (this.stopped) return;
    clearTimeout(this.promoteTimer);
    this.promoteTimer = setTimeout(() => {
      if (this.raft?.isLeader()) void this.manageMembership();
    }, PROMOTE_RECHECK_MS);
    this.promoteTimer.unref();
  }

  /** Autopilot: remove voters that have been failed for a while, when the rest keep a quorum without them. */
  private async cleanupDeadServers(raft: RaftNode): Promise<void> {
    // The replicated autopilot configuration decides: CleanupDeadServers, ServerStabilizationTime, MinQuorum.
    const ap = this.o.state.autopilot.get() ?? DEFAULT_AUTOPILOT_CONFIG;
    if (!ap.CleanupDeadServers) {
      this.failedSince.clear();
      return;
    }
    const graceMs = ap.ServerStabilizationTime / 1e6;
    const now = Date.now();
    const byName = new Map(this.o.members().map((m) => [m.Name, m] as const));
    const voters = raft.configuration().voters;
    const failed = voters.filter((id) => byName.get(id)?.Status === MemberStatusCode.failed);
    for (const id of [...this.failedSince.keys()]) if (!failed.includes(id)) this.failedSince.delete(id);
    for (const id of failed) if (!this.failedSince.has(id)) this.failedSince.set(id, now);
    const due = failed.filter((id) => now - this.failedSince.get(id)! >= graceMs);
    if (failed.length > due.length) {
      clearTimeout(this.cleanupTimer);
      this.cleanupTimer = setTimeout(() => void this.manageMembership(), Math.max(graceMs, 100));
      this.cleanupTimer.unref();
    }
    // Consul's rule: never remove so many that the remaining servers could not form a quorum.
    const healthy = voters.length - failed.length;
    for (const id of due) {
      const after = raft.configuration().voters.length - 1;
      if (healthy < Math.floor(after / 2) + 1) break;
      // min_quorum: never shrink the voters below it.
      if (ap.MinQuorum > 0 && after < ap.MinQuorum) break;
      this.o.logger.named('autopilot').info('Removing dead server', { server: id });
      await raft.removeServer(id);
      this.failedSince.delete(id);
    }
  }

  addressOf(id: NodeId): string | undefined {
    const m = this.o.members().find((x) => x.Name === id);
    return m ? serverAddress(m) : undefined;
  }
}
