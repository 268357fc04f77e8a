import { EventEmitter } from 'node:events';
import { systemClock, type Clock } from './clock.js';
import type { ConfChange } from './conf-change.js';
import { ConfigError, NotLeaderError, ProposalDroppedError, ProposalLostError, StoppedError, TimeoutError } from './errors.js';
import { Raft, type ReadOnlyOption } from './raft.js';
import { silentLogger, type RaftLogger } from './logger.js';
import { cryptoSeed, seededRandom, type RandomSource } from './random.js';
import type { PreparedInstall, RaftStorage } from './storage.js';
import type { RaftTransport } from './transport.js';
import { EntryType, MessageType, NONE, StateType, type ConfState, type Entry, type HardState, type Message, type NodeId, type Ready, type Snapshot, type SnapshotMeta, type SnapshotSource } from './types.js';
import { cloneConf } from './conf-change.js';

/** A follower that lost its leader's connection campaigns after 10-160 ms (see peerUnreachable), and
 * again, up to 4 times in all, after 50 ms plus a random spread growing by 150 ms a time while no leader is known. */
const HINT_CAMPAIGN_MIN_MS = 10;
const HINT_RETRY_MIN_MS = 50;
const HINT_CAMPAIGN_SPREAD_MS = 150;
const HINT_CAMPAIGN_ATTEMPTS = 4;

/** The replicated application. apply() runs once per committed entry, in log order, on every node. */
export interface StateMachine {
  apply(entry: { index: number; term: number; data: Uint8Array }): unknown;
  /**
   * A point-in-time copy of the whole state (taken between applies). An AsyncIterable must capture the
   * state when snapshot() is called and produce its bytes lazily while later entries apply (a
   * copy-on-write view): the node then writes it to storage in the background, so a large state neither
   * blocks the event loop nor holds up replication while it streams to disk.
   */
  snapshot(): Uint8Array | Promise<Uint8Array> | AsyncIterable<Uint8Array>;
  /**
   * Replaces the whole state with a snapshot's bytes. A state machine with prepareRestore may be handed them
   * as a stream (read from a file, for a large state); one without gets them whole. `meta` is the Raft
   * snapshot's: its index is the state's applied index from then on.
   */
  restore(data: Uint8Array | AsyncIterable<Uint8Array>, meta?: SnapshotMeta): void | Promise<void>;
  /**
   * Optional: a restore in two steps, which RaftNode.restoreSnapshot needs. The promise reads and checks the
   * whole snapshot without changing anything (entries go on applying, readers see the old state); the
   * function it answers swaps the new state in, at once, at `meta.index`.
   */
  prepareRestore?(data: AsyncIterable<Uint8Array>): Promise<(meta: SnapshotMeta) => void>;
}

export interface RaftNodeOptions {
  id: NodeId;
  storage: RaftStorage;
  transport: RaftTransport;
  fsm: StateMachine;
  /** When storage is empty, start a new cluster with these voters (every bootstrapping server passes the same list). */
  bootstrap?: NodeId[];
  /** Milliseconds per tick. Default 50 (Consul raft_multiplier m corresponds to tickMs = 100 * m). */
  tickMs?: number;
  /** Election timeout in ticks, randomized in [n, 2n). Default 10. */
  electionTicks?: number;
  /** Heartbeat interval in ticks. Default 1. */
  heartbeatTicks?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  readOnly?: ReadOnlyOption;
  /** Take a snapshot after this many applied entries. Default 16384 (Consul's snapshot_threshold is 16384 too). */
  snapshotThreshold?: number;
  /** Entries kept behind a snapshot for slow followers. Default 10240 (Consul raft_trailing_logs). */
  trailingLogs?: number;
  /** How long propose() and readBarrier() wait. Defaults 10 s and 5 s. */
  proposeTimeoutMs?: number;
  readTimeoutMs?: number;
  maxInflightMsgs?: number;
  maxSizePerMsg?: number;
  /** Core batching limits (see RaftConfig); the simulator varies them. */
  maxEntriesPerMsg?: number;
  maxCommittedPerReady?: number;
  /** Election timeouts and the dead-leader hint's delays draw from this. Default: seeded from the OS CSPRNG. */
  random?: RandomSource;
  /** Ticks, deadlines, lastContact and the dead-leader hint run on this. Default: the system clock. */
  clock?: Clock;
  /** Default: silent. */
  logger?: RaftLogger;
}

export interface ProposeResult {
  index: number;
  term: number;
  /** What StateMachine.apply returned for this entry on this node. */
  result: unknown;
}

interface PendingProposal {
  term: number;
  resolve: (r: ProposeResult) => void;
  reject: (e: Error) => void;
  /** clock.now() after which the caller gets a TimeoutError (swept on every tick: one timer, not one per call). */
  deadline: number;
}

interface PendingRead {
  index?: number;
  resolve: () => void;
  reject: (e: Error) => void;
  deadline: number;
}

type Job = () => void;

/** RaftNode.restoreSnapshot in progress: waiting for a quiet log, reading the snapshot, or ready to swap in. */
interface PendingRestore {
  source: SnapshotSource;
  resolve: (r: { index: number }) => void;
  reject: (e: Error) => void;
  stage: 'waiting' | 'preparing' | 'ready';
  meta?: SnapshotMeta;
  prepared?: { install: PreparedInstall; swap: (meta: SnapshotMeta) => void };
}

const MAX_INBOX = 100_000;
const MAX_QUEUED_PROPOSALS = 65_536;

/**
 * The driver: wires the pure Raft core to a clock, storage, a transport and the application's state
 * machine. One loop owns the core: inputs are queued, then each Ready is persisted, sent, applied and
 * advanced. Everything outside the process comes in through options (clock, random, storage,
 * transport), so this same code is what the deterministic simulator runs, on virtual time, a simulated
 * network and a simulated disk (test/sim/cluster.ts): there is no second copy of the loop to keep in step.
 *
 * Events: 'state' (StateType), 'leader' (NodeId | undefined), 'commit' (index), 'applied' (index),
 * 'configuration' (ConfState), 'error' (Error from storage or the state machine; the node stops).
 */
export class RaftNode extends EventEmitter {
  readonly id: NodeId;
  /** Protected, not private: the simulator's subclass reads the core to check invariants after every step. */
  protected raft: Raft | undefined;
  private readonly o: RaftNodeOptions;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly logger: RaftLogger;
  private inbox: Job[] = [];
  private proposals: { data: Uint8Array; p: Omit<PendingProposal, 'term'> }[] = [];
  private pending = new Map<number, PendingProposal>();
  private reads = new Map<string, PendingRead>();
  private readBatch: string[] = [];
  private readGroups = new Map<string, string[]>();
  private readSeq = 0;
  private running = false;
  private loopActive = false;
  private wakeup: (() => void) | undefined;
  private cancelTick: (() => void) | undefined;
  private applied = 0;
  private lastSnapIndex = 0;
  /** A streamed snapshot is being written (saveInBackground). */
  private snapshotting = false;
  /** A streamed snapshot written to storage whose log compaction is still to do. */
  private savedInBackground: SnapshotMeta | undefined;
  private lastLeaderContact = 0;
  private cancelHint: (() => void) | undefined;
  private cur: { state: StateType; lead: NodeId; term: number; commit: number } = { state: StateType.Follower, lead: NONE, term: 0, commit: 0 };
  private loopDone: Promise<void> | undefined;
  /** Term and vote known to be on disk. */
  private persisted = { term: 0, vote: NONE };
  private settleAfterAdvance: Entry[] = [];
  private restoring: PendingRestore | undefined;
  /** The empty entry proposed after a restore: the restore is acknowledged once it applies (a quorum has the snapshot). */
  private restoreWait: { index: number; term: number; resolve: (r: { index: number }) => void; reject: (e: Error) => void; snapIndex: number } | undefined;
  /** The newest hard state not written yet: only its commit index differs from the one on disk (handleReady). */
  private unwrittenHard: HardState | undefined;

  constructor(opts: RaftNodeOptions) {
    super();
    if (!opts.id) throw new ConfigError('RaftNode needs an id');
    if (!opts.storage || !opts.transport || !opts.fsm) throw new ConfigError('RaftNode needs storage, transport and fsm');
    if (opts.bootstrap && !opts.bootstrap.length) throw new ConfigError('bootstrap must list at least one voter');
    this.id = opts.id;
    this.o = opts;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? seededRandom(cryptoSeed());
    this.logger = opts.logger ?? silentLogger;
    this.on('error', () => undefined); // an unobserved 'error' must not crash the process
  }

  // ---- lifecycle ----

  async start(): Promise<void> {
    if (this.running) return;
    await this.loadCore(true);
    const tickMs = this.o.tickMs ?? 50;
    if (!(tickMs > 0)) throw new ConfigError('tickMs must be > 0');
    this.running = true;
    try {
      await this.o.transport.start({
        onMessage: (m) => this.enqueue(() => this.onMessage(m)),
        onUnreachable: (peer) => this.enqueue(() => this.peerUnreachable(peer)),
      });
    } catch (e) {
      this.running = false;
      this.inbox = [];
      throw e;
    }
    const tick = (): void => {
      if (!this.running) return; // stopped (or failed) while this call was due: do not re-arm
      this.enqueue(() => {
        this.raft?.tick();
        this.expire();
      });
      this.cancelTick = this.clock.after(tickMs, tick);
    };
    this.cancelTick = this.clock.after(tickMs, tick);
    this.loopDone = this.loop();
  }

  /**
   * Builds the core from what storage holds: at start, and again after a write to disk failed (see recover()).
   * The state machine keeps what it applied: a snapshot on disk is restored only if it is newer than that, and
   * committed entries it already has are skipped by applyEntry.
   */
  private async loadCore(starting: boolean): Promise<void> {
    const { storage, fsm } = this.o;
    let st = await storage.load();
    if (starting && !st.hardState && !st.entries.length && !st.snapshot && this.o.bootstrap) {
      const b = Raft.bootstrap(this.o.bootstrap);
      await storage.append(b.entries, b.hardState, true);
      st = { hardState: b.hardState, entries: b.entries };
    }
    if ((st.snapshot?.data || st.snapshot?.source) && st.snapshot.meta.index > this.applied) {
      // A large stored snapshot comes as a source: restored as a stream, not read whole first.
      await fsm.restore(await this.installedBytes(st.snapshot), st.snapshot.meta);
      this.applied = this.lastSnapIndex = st.snapshot.meta.index;
    }
    this.raft = new Raft({
      id: this.id,
      random: this.random,
      electionTick: this.o.electionTicks ?? 10,
      heartbeatTick: this.o.heartbeatTicks ?? 1,
      preVote: this.o.preVote,
      checkQuorum: this.o.checkQuorum,
      readOnly: this.o.readOnly,
      maxInflightMsgs: this.o.maxInflightMsgs,
      maxSizePerMsg: this.o.maxSizePerMsg,
      maxEntriesPerMsg: this.o.maxEntriesPerMsg,
      maxCommittedPerReady: this.o.maxCommittedPerReady,
      hardState: st.hardState,
      snapshot: st.snapshot?.meta,
      entries: st.entries,
    });
    if (starting) this.cur = { state: this.raft.state, lead: NONE, term: this.raft.term, commit: this.raft.log.committed };
    this.persisted = { term: st.hardState?.term ?? 0, vote: st.hardState?.vote ?? NONE };
    this.unwrittenHard = undefined;
  }

  /**
   * A write to disk failed (a full disk, an I/O error). Stopping for good would leave a server that answers
   * but never takes part in Raft again, even once the disk has room (found by tools/faults' disk-full
   * nemesis). Instead: what was in flight fails with an unknown outcome, and the node restarts from what is on
   * disk, as after a crash (a torn record at the log's tail is cut off on load), retrying with backoff while
   * the disk still fails. It comes back as a follower, so a leader whose disk filled steps down.
   */
  private async recover(err: Error): Promise<void> {
    this.logger.error('a write to disk failed; restarting from what is on disk', { node: this.id, error: err.message });
    // No longer anyone's leader: writes are refused (NotLeaderError) at once, not after the restart.
    const prev = this.cur;
    this.cur = { ...prev, state: StateType.Follower, lead: NONE };
    if (prev.state !== StateType.Follower) this.emit('state', StateType.Follower);
    if (prev.lead !== NONE) this.emit('leader', undefined);
    this.failAll(new ProposalLostError(`a write to disk failed (${err.message}); the outcome is unknown`, true));
    for (let wait = 250; this.running; wait = Math.min(wait * 2, 8000)) {
      await new Promise<void>((r) => this.clock.after(wait, r));
      if (!this.running) return;
      try {
        await this.o.storage.close();
        await this.loadCore(false);
        // What queued up meanwhile (ticks, messages) was for the old core: a burst of stale ticks would only
        // start an election at once. Raft tolerates the lost messages.
        this.inbox = [];
        this.updateStatus();
        this.logger.info('restarted from disk after a failed write', { node: this.id, applied: this.applied });
        return;
      } catch (e) {
        this.logger.warn('restart from disk failed; retrying', { node: this.id, error: (e as Error).message, retryMs: wait * 2 });
      }
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.cancelTick?.();
    this.cancelHint?.();
    this.wakeup?.();
    await this.loopDone;
    this.failAll(new StoppedError(`raft node ${this.id} stopped`));
    await this.o.transport.close();
    await this.o.storage.close();
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) {
      p.reject(err);
    }
    this.pending.clear();
    for (const { p } of this.proposals) {
      p.reject(err);
    }
    this.proposals = [];
    for (const r of this.reads.values()) {
      r.reject(err);
    }
    this.reads.clear();
    this.readBatch = [];
    this.readGroups.clear();
    this.abortRestore(err);
    this.restoreWait?.reject(err);
    this.restoreWait = undefined;
  }

  // ---- public API ----

  /** Replicates data; resolves after it is committed and applied here, with apply()'s return value. */
  propose(data: Uint8Array): Promise<ProposeResult> {
    if (!this.running) return Promise.reject(new StoppedError(`raft node ${this.id} is not running`));
    if (!(data instanceof Uint8Array)) return Promise.reject(new ConfigError('propose needs a Uint8Array (encode your command first)'));
    if (this.cur.state !== StateType.Leader) return Promise.reject(new NotLeaderError(this.cur.lead));
    if (this.proposals.length + this.pending.size >= MAX_QUEUED_PROPOSALS) {
      return Promise.reject(new ProposalDroppedError(`more than ${MAX_QUEUED_PROPOSALS} proposals are in flight; wait for some to complete`));
    }
    return new Promise((resolve, reject) => {
      this.proposals.push({ data, p: { resolve, reject, deadline: this.clock.now() + this.proposeTimeoutMs() } });
      this.kick();
    });
  }

  /**
   * Linearizable read barrier (ReadIndex): resolves once this node's state machine reflects every write
   * acknowledged before the call. Works on followers too (the leader confirms the read index).
   */
  readBarrier(): Promise<void> {
    if (!this.running) return Promise.reject(new StoppedError(`raft node ${this.id} is not running`));
    const ctx = `${this.id}:${++this.readSeq}`;
    return new Promise((resolve, reject) => {
      this.reads.set(ctx, { resolve, reject, deadline: this.clock.now() + (this.o.readTimeoutMs ?? 5000) });
      this.readBatch.push(ctx);
      this.kick();
    });
  }

  /**
   * Replaces the whole replicated state with a snapshot (PUT /v1/snapshot; hashicorp/raft's Restore). Leader
   * only. Once every entry is committed and applied, the state machine reads the snapshot from `source` and the
   * storage copies it to a side file, both in the background while this node goes on leading (heartbeats,
   * reads; new proposals wait); then, in one step of the loop, the state is swapped in and the snapshot
   * becomes this node's Raft snapshot at the next index, the log restarting after it. The followers, whose
   * next entries are now behind the compaction point, receive it by InstallSnapshot, streamed from disk: the
   * state never travels as a log entry, so no message limit bounds it and no process holds it twice. Resolves
   * once an empty entry after it has committed, i.e. a quorum holds the snapshot.
   */
  restoreSnapshot(source: SnapshotSource): Promise<{ index: number }> {
    if (!this.running) return Promise.reject(new StoppedError(`raft node ${this.id} is not running`));
    if (!this.o.fsm.prepareRestore || !this.o.storage.prepareInstall) return Promise.reject(new ConfigError('restoreSnapshot needs fsm.prepareRestore and storage.prepareInstall'));
    if (this.cur.state !== StateType.Leader) return Promise.reject(new NotLeaderError(this.cur.lead));
    if (this.restoring || this.restoreWait) return Promise.reject(new ProposalDroppedError('a restore is already in progress; wait for it to finish'));
    return new Promise((resolve, reject) => {
      this.restoring = { source, resolve, reject, stage: 'waiting' };
      this.kick();
    });
  }

  private abortRestore(err: Error): void {
    const r = this.restoring;
    if (!r) return;
    this.restoring = undefined;
    void r.prepared?.install.abort().catch(() => undefined);
    r.reject(err);
    // Proposals held back meanwhile go ahead (or fail, off the leader).
    this.kick();
  }

  /** The background half of a restore: read the snapshot into a detached state and a side file. */
  private async prepareRestore(r: PendingRestore): Promise<void> {
    const meta = r.meta!;
    let install: PreparedInstall | undefined;
    try {
      const [swap, inst] = await Promise.all([
        this.o.fsm.prepareRestore!(r.source.open()),
        this.o.storage.prepareInstall!(meta, r.source.open()).then((i) => (install = i)),
      ]);
      if (this.restoring !== r) {
        await inst.abort();
        return;
      }
      r.prepared = { install: inst, swap };
      r.stage = 'ready';
      this.kick();
    } catch (e) {
      await install?.abort().catch(() => undefined);
      if (this.restoring === r) this.abortRestore(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** In the loop, nothing else running: swaps a prepared restore in if the log has not moved since it began. */
  private async finishRestore(raft: Raft, r: PendingRestore): Promise<void> {
    const meta = r.meta!;
    const log = raft.log;
    if (raft.state !== StateType.Leader || raft.term !== meta.term) {
      this.abortRestore(new NotLeaderError(raft.lead));
      return;
    }
    if (log.lastIndex() !== meta.index - 1 || this.applied !== meta.index - 1) {
      // A configuration change was appended meanwhile: the snapshot's index is taken.
      this.abortRestore(new ProposalDroppedError('the log moved while the snapshot was read (a configuration change?); retry the restore'));
      return;
    }
    this.restoring = undefined;
    try {
      await r.prepared!.install.commit();
    } catch (e) {
      r.reject(e as Error);
      throw e; // a disk error: the loop recovers from what is on disk
    }
    r.prepared!.swap(meta);
    raft.restoreLocal(meta);
    this.applied = this.lastSnapIndex = meta.index;
    this.savedInBackground = undefined; // an older snapshot still being written is superseded (compactTo skips it)
    // An empty entry of this term: it commits once a quorum holds the snapshot.
    const [noop] = raft.proposeBatch([new Uint8Array(0)]);
    this.restoreWait = { ...noop, resolve: r.resolve, reject: r.reject, snapIndex: meta.index };
    this.emit('applied', this.applied);
    this.emit('configuration', raft.conf());
  }

  /** All reads requested during one loop turn share one ReadIndex round (one heartbeat broadcast). */
  private flushReads(): void {
    const batch = this.readBatch;
    this.readBatch = [];
    if (this.cur.lead === NONE) {
      for (const ctx of batch) {
        const r = this.reads.get(ctx);
        this.reads.delete(ctx);
        r?.reject(new NotLeaderError(NONE));
      }
      return;
    }
    const group = `${this.id}:g${++this.readSeq}`;
    this.readGroups.set(group, batch);
    this.raft!.readIndex(group);
  }

  addVoter(id: NodeId): Promise<ProposeResult> {
    return this.confChange({ type: 'addVoter', node: id });
  }

  addLearner(id: NodeId): Promise<ProposeResult> {
    return this.confChange({ type: 'addLearner', node: id });
  }

  /**
   * Adds a server safely: as a learner first, promoted to voter once its log is within maxLag entries
   * of the leader's (so a slow newcomer never stalls commits). Leader only.
   */
  async addServer(id: NodeId, opts: { maxLag?: number; timeoutMs?: number } = {}): Promise<ProposeResult> {
    const maxLag = opts.maxLag ?? 64;
    const deadline = this.clock.now() + (opts.timeoutMs ?? 60_000);
    if (!this.configuration().learners.includes(id)) await this.addLearner(id);
    for (;;) {
      if (!this.isLeader()) throw new NotLeaderError(this.cur.lead);
      const pr = this.progress().find((p) => p.id === id);
      if (pr && pr.match + maxLag >= this.lastIndex()) return this.addVoter(id);
      if (this.clock.now() > deadline) throw new TimeoutError(`${id} did not catch up within ${opts.timeoutMs ?? 60_000} ms; it stays a learner`);
      await new Promise<void>((r) => this.clock.after(this.o.tickMs ?? 50, r));
    }
  }

  removeServer(id: NodeId): Promise<ProposeResult> {
    return this.confChange({ type: 'removeNode', node: id });
  }

  private confChange(cc: ConfChange): Promise<ProposeResult> {
    if (!this.running) return Promise.reject(new StoppedError(`raft node ${this.id} is not running`));
    return new Promise((resolve, reject) => {
      this.enqueue(() => {
        try {
          const r = this.raft!.proposeConfChange(cc);
          this.track(r.index, { term: r.term, resolve, reject, deadline: this.clock.now() + this.proposeTimeoutMs() });
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  /** Asks the leader to hand over to `id` (must be a caught-up voter). Resolves when the request is queued. */
  transferLeadership(id: NodeId): void {
    this.enqueue(() => this.raft?.transferLeadership(id));
  }

  leader(): NodeId | undefined {
    return this.cur.lead || undefined;
  }

  isLeader(): boolean {
    return this.cur.state === StateType.Leader;
  }

  state(): StateType {
    return this.cur.state;
  }

  term(): number {
    return this.cur.term;
  }

  commitIndex(): number {
    return Math.max(this.cur.commit, this.applied);
  }

  appliedIndex(): number {
    return this.applied;
  }

  lastIndex(): number {
    return this.raft?.log.lastIndex() ?? 0;
  }

  configuration(): ConfState {
    return this.raft?.conf() ?? { voters: [], learners: [] };
  }

  /** Milliseconds since this node last heard from the leader (0 on the leader): X-Consul-LastContact. */
  lastContact(): number {
    if (this.cur.state === StateType.Leader) return 0;
    if (!this.lastLeaderContact) return Infinity;
    return this.clock.now() - this.lastLeaderContact;
  }

  /**
   * Counters under the key names of hashicorp/raft's Stats() (what Consul shows as Stats.raft in
   * /v1/agent/self), all as strings like there.
   */
  stats(): Record<string, string> {
    const raft = this.raft;
    const log = raft?.log;
    const conf = this.configuration();
    const lc = this.lastContact();
    const snap = raft?.lastSnapshot;
    return {
      state: { follower: 'Follower', 'pre-candidate': 'Candidate', candidate: 'Candidate', leader: 'Leader' }[this.cur.state],
      term: String(this.cur.term),
      last_log_index: String(log?.lastIndex() ?? 0),
      last_log_term: String(log?.lastTerm() ?? 0),
      commit_index: String(this.commitIndex()),
      applied_index: String(this.applied),
      fsm_pending: '0',
      last_snapshot_index: String(snap?.index ?? 0),
      last_snapshot_term: String(snap?.term ?? 0),
      last_contact: this.cur.state === StateType.Leader ? '0' : Number.isFinite(lc) ? `${lc}ms` : 'never',
      num_peers: String(Math.max(0, conf.voters.filter((v) => v !== this.id).length)),
      latest_configuration: JSON.stringify(conf),
      protocol_version: '3',
    };
  }

  /** Leader-only replication state of every member. */
  progress(): ReturnType<Raft['progress']> {
    return this.raft?.progress() ?? [];
  }

  // ---- the loop ----

  /** Times out calls past their deadline. Maps iterate in insertion (= deadline) order: stop at the first live one. */
  private expire(): void {
    const now = this.clock.now();
    for (const [idx, p] of this.pending) {
      if (p.deadline > now) break;
      this.pending.delete(idx);
      p.reject(new TimeoutError(`proposal at index ${idx} not applied within ${this.proposeTimeoutMs()} ms; it may still commit`));
    }
    while (this.proposals.length && this.proposals[0].p.deadline <= now) {
      this.proposals.shift()!.p.reject(new TimeoutError(`proposal not appended within ${this.proposeTimeoutMs()} ms`));
    }
    // Groups never answered (leader lost the request) are forgotten once all their reads timed out.
    for (const [g, ctxs] of this.readGroups) {
      if (ctxs.some((c) => this.reads.has(c) && this.reads.get(c)!.deadline > now)) break;
      this.readGroups.delete(g);
    }
    for (const [ctx, r] of this.reads) {
      if (r.deadline > now) break;
      this.reads.delete(ctx);
      r.reject(new TimeoutError(`read barrier not confirmed within ${this.o.readTimeoutMs ?? 5000} ms (no leader or no quorum)`));
    }
  }

  private proposeTimeoutMs(): number {
    return this.o.proposeTimeoutMs ?? 10_000;
  }

  /**
   * The transport lost the leader's connection. The core campaigns within a few ticks; with a large tick
   * (raft_multiplier 5 is 500 ms) that is still seconds, so campaign after a short random delay instead:
   * a reset socket is evidence enough, the randomness only keeps two followers from splitting the vote,
   * and pre-vote keeps a leader that is in fact alive in place.
   */
  private peerUnreachable(peer: NodeId): void {
    const r = this.raft;
    if (!r) return;
    const followedIt = r.state === StateType.Follower && r.lead === peer;
    r.reportUnreachable(peer);
    if (!followedIt || r.lead !== NONE) return;
    this.hintCampaign(r, 0);
  }

  /** Campaigns while no leader is known, a few times with growing random delays: two followers that both
   * lost the leader can split the vote, and their election timeout may be long. The delays come from the
   * injected clock and random source, so the simulator runs (and replays) this path too. */
  private hintCampaign(r: Raft, attempt: number): void {
    this.cancelHint?.();
    const wait = attempt === 0 ? HINT_CAMPAIGN_MIN_MS : HINT_RETRY_MIN_MS;
    this.cancelHint = this.clock.after(wait + this.random() * HINT_CAMPAIGN_SPREAD_MS * (attempt + 1), () =>
      this.enqueue(() => {
        if (this.raft !== r || r.lead !== NONE) return;
        this.logger.debug('campaigning: the connection to the leader dropped and no leader is known', { node: this.id, attempt: attempt + 1 });
        r.campaign();
        if (attempt + 1 < HINT_CAMPAIGN_ATTEMPTS) this.hintCampaign(r, attempt + 1);
      }),
    );
  }

  private enqueue(job: Job): void {
    if (!this.running) return;
    if (this.inbox.length >= MAX_INBOX) return; // overload: Raft tolerates lost messages and ticks
    this.inbox.push(job);
    this.kick();
  }

  private kick(): void {
    const w = this.wakeup;
    this.wakeup = undefined;
    w?.();
  }

  private onMessage(m: Message): void {
    const raft = this.raft!;
    if ((m.type === MessageType.App || m.type === MessageType.Heartbeat || m.type === MessageType.Snap) && m.term >= raft.term) {
      this.lastLeaderContact = this.clock.now();
    }
    if (m.type !== MessageType.Snap || !m.snapshot?.source) {
      raft.step(m);
      return;
    }
    // A snapshot received into a file: the file goes once it is installed, or now if the core refused it
    // (stale) or it replaced one not yet installed.
    const before = raft.log.pendingSnapshot;
    try {
      raft.step(m);
    } finally {
      const after = raft.log.pendingSnapshot;
      if (after !== m.snapshot) discardSource(m.snapshot);
      if (before && before !== after) discardSource(before);
    }
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const raft = this.raft!; // replaced by recover()
      const jobs = this.inbox;
      this.inbox = [];
      for (const j of jobs) {
        try {
          j();
        } catch (e) {
          // A message the core cannot accept (it would break an invariant) is dropped, not fatal.
          this.logger.debug('dropped an input', { node: this.id, error: (e as Error).message });
        }
      }
      // Held back while a restore is under way: they apply on the restored state.
      if (this.proposals.length && !this.restoring) this.flushProposals();
      if (this.readBatch.length) this.flushReads();
      if (raft.hasReady()) {
        try {
          await this.handleReady(raft.ready());
        } catch (e) {
          if (isDiskError(e)) {
            await this.recover(e);
            continue;
          }
          this.running = false;
          this.cancelTick?.();
          this.cancelHint?.();
          const err = e instanceof Error ? e : new Error(String(e));
          this.logger.error('stopping after an error', { node: this.id, error: err.message });
          this.failAll(err);
          this.emit('error', err);
          return;
        }
        continue;
      }
      const r = this.restoring;
      if (r && r.stage === 'waiting') {
        const log = raft.log;
        if (raft.state !== StateType.Leader) this.abortRestore(new NotLeaderError(raft.lead));
        else if (log.committed === log.lastIndex() && this.applied === log.lastIndex() && !log.pendingSnapshot) {
          r.stage = 'preparing';
          r.meta = { index: log.lastIndex() + 1, term: raft.term, conf: cloneConf(raft.conf()) };
          void this.prepareRestore(r);
        }
      } else if (r && r.stage === 'ready') {
        try {
          await this.finishRestore(raft, r);
        } catch (e) {
          // The restore was refused (its caller told); the state machine was not touched.
          if (isDiskError(e)) await this.recover(e);
          else this.logger.error('restoring a snapshot failed', { node: this.id, error: (e as Error).message });
        }
        continue;
      }
      if (this.inbox.length || (this.proposals.length && !this.restoring) || this.readBatch.length) continue;
      await new Promise<void>((r) => (this.wakeup = r));
    }
  }

  private flushProposals(): void {
    const batch = this.proposals;
    this.proposals = [];
    let res: { index: number; term: number }[];
    try {
      // One append, one fsync for everything that queued up during the last write: group commit.
      res = this.raft!.proposeBatch(batch.map((b) => b.data));
    } catch (e) {
      for (const b of batch) {
        b.p.reject(e as Error);
      }
      return;
    }
    res.forEach((r, i) => this.track(r.index, { term: r.term, ...batch[i].p }));
  }

  private async handleReady(rd: Ready): Promise<void> {
    const raft = this.raft!;
    const { storage, transport, fsm } = this.o;
    // A leader whose term and vote are already on disk may send its appends while it writes the same
    // entries locally (Raft thesis 10.2.1): with two or more voters the commit index they carry needs
    // another voter's ack, and acks are handled only after this Ready is persisted, so it never counts
    // the leader's own unsynced entries. A single voter commits on its own append: no early send then
    // (the simulator found learners being told an unsynced entry was committed).
    const early =
      raft.state === StateType.Leader &&
      raft.conf().voters.length > 1 &&
      !rd.snapshot &&
      (!rd.hardState || (rd.hardState.term === this.persisted.term && rd.hardState.vote === this.persisted.vote));
    let rest = rd.messages;
    if (early) {
      rest = [];
      for (const m of rd.messages) {
        if (m.type === MessageType.App) transport.send(m);
        else rest.push(m);
      }
      // Out now, not at the end of the event-loop turn: the followers' fsyncs start while ours runs.
      transport.flush?.();
    }
    // 1. persist
    if (rd.snapshot) await storage.installSnapshot(rd.snapshot);
    // A hard state whose only change is the commit index is not written on its own: safety does not need it on
    // disk (a restarted node takes max(snapshot, stored commit) and learns the rest from the leader, as
    // hashicorp/raft, which never stores it), and under load every acknowledgement moves it: one more write,
    // and one more wait for the disk in the loop, per round. It goes to disk with the next write.
    let writing: Promise<void> | undefined;
    if (rd.entries.length || rd.mustSync) {
      writing = storage.append(rd.entries, rd.hardState ?? this.unwrittenHard, rd.mustSync);
      this.unwrittenHard = undefined;
    } else if (rd.hardState) this.unwrittenHard = rd.hardState;
    // Committed entries that were already on disk before this Ready apply while the write is in flight
    // (pipelining: a commit does not wait for the next batch's fsync). Entries written by this Ready
    // wait for it.
    writing?.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
    const ce = rd.committedEntries;
    let applied = 0;
    if (!rd.snapshot && writing) {
      const firstNew = rd.entries.length ? rd.entries[0].index : Infinity;
      while (applied < ce.length && ce[applied].index < firstNew) await this.applyEntry(ce[applied++]);
    }
    if (writing) await writing;
    if (rd.hardState) this.persisted = { term: rd.hardState.term, vote: rd.hardState.vote };
    // 2. send
    for (const m of rest) {
      if (m.type === MessageType.Snap) void this.sendSnapshot(m);
      else transport.send(m);
    }
    // A follower's acknowledgement is on the leader's commit path: it leaves before this node applies entries and
    // takes its next Ready (with a coalescing transport it would otherwise wait for the next await that yields).
    if (rest.length) transport.flush?.();
    // 3. apply
    if (rd.snapshot) {
      await fsm.restore(await this.installedBytes(rd.snapshot), rd.snapshot.meta);
      discardSource(rd.snapshot);
      this.applied = this.lastSnapIndex = rd.snapshot.meta.index;
      for (const [idx, p] of this.pending) {
        if (idx <= this.applied) {
          this.pending.delete(idx);
          p.reject(new ProposalLostError(`entry ${idx} was superseded by a snapshot from the leader; its outcome is unknown`, true));
        }
      }
    }
    while (applied < ce.length) await this.applyEntry(ce[applied++]);
    const confChanged = ce.some((e) => e.type === EntryType.ConfChange);
    for (const rs of rd.readStates) {
      const ctxs = this.readGroups.get(rs.context);
      this.readGroups.delete(rs.context);
      for (const ctx of ctxs ?? []) {
        const r = this.reads.get(ctx);
        if (r) r.index = rs.index;
      }
    }
    raft.advance();
    for (const e of this.settleAfterAdvance.splice(0)) this.settle(e, undefined);
    // 4. events (after advance so conf changes are visible)
    if (rd.softState || rd.hardState) this.updateStatus();
    if (rd.committedEntries.length || rd.snapshot) this.emit('applied', this.applied);
    if (confChanged || rd.snapshot) this.emit('configuration', raft.conf());
    this.serveReads();
    await this.maybeSnapshot();
  }

  private async applyEntry(e: Entry): Promise<void> {
    // Already in the state machine: the core was rebuilt from disk after a failed write (recover()).
    if (e.index <= this.applied) return;
    let result: unknown;
    if (e.type === EntryType.Normal && e.data.length) {
      result = this.o.fsm.apply({ index: e.index, term: e.term, data: e.data });
      if (result instanceof Promise) result = await result;
    }
    this.applied = e.index;
    const w = this.restoreWait;
    if (w && e.index >= w.index) {
      this.restoreWait = undefined;
      if (e.index === w.index && e.term === w.term) w.resolve({ index: w.snapIndex });
      else w.reject(new ProposalLostError(`the restore at index ${w.snapIndex} was replaced after a leader change; it did not happen, retry it`));
    }
    // A configuration change settles after advance(), when configuration() already shows it.
    if (e.type === EntryType.ConfChange) this.settleAfterAdvance.push(e);
    else this.settle(e, result);
  }

  private track(index: number, p: PendingProposal): void {
    const old = this.pending.get(index);
    if (old) {
      // Our own older entry at this index was truncated away: it will never apply.
      this.pending.delete(index);
      old.reject(new ProposalLostError(`entry ${index} was replaced after a leader change; it did not happen, retry it`));
    }
    this.pending.set(index, p);
  }

  private settle(e: Entry, result: unknown): void {
    const p = this.pending.get(e.index);
    if (!p) return;
    this.pending.delete(e.index);
    if (p.term === e.term) p.resolve({ index: e.index, term: e.term, result });
    else p.reject(new ProposalLostError(`entry ${e.index} was replaced after a leader change; it did not happen, retry it`));
  }

  private serveReads(): void {
    for (const [ctx, r] of this.reads) {
      if (r.index !== undefined && this.applied >= r.index) {
        this.reads.delete(ctx);
        r.resolve();
      }
    }
  }

  private updateStatus(): void {
    const raft = this.raft!;
    const prev = this.cur;
    this.cur = { state: raft.state, lead: raft.lead, term: raft.term, commit: raft.log.committed };
    if (prev.state !== this.cur.state) {
      this.emit('state', this.cur.state);
      if (this.cur.state !== StateType.Leader) {
        // Queued proposals cannot be appended any more; appended ones settle when their index applies.
        for (const { p } of this.proposals) {
          p.reject(new NotLeaderError(this.cur.lead));
        }
        this.proposals = [];
      }
    }
    if (prev.lead !== this.cur.lead) this.emit('leader', this.cur.lead || undefined);
    if (prev.commit !== this.cur.commit) this.emit('commit', this.cur.commit);
  }

  /** A snapshot just installed, to restore from: its bytes, else streamed from storage (checksummed), else from
   * its file; gathered whole for a state machine that does not stream (no prepareRestore). */
  private async installedBytes(s: Snapshot): Promise<Uint8Array | AsyncIterable<Uint8Array>> {
    if (s.data) return s.data;
    if (!this.o.fsm.prepareRestore) {
      const parts: Uint8Array[] = [];
      for await (const c of await this.streamedBytes(s)) parts.push(c);
      return Buffer.concat(parts);
    }
    return this.streamedBytes(s);
  }

  private async streamedBytes(s: Snapshot): Promise<AsyncIterable<Uint8Array>> {
    const stored = await this.o.storage.openSnapshot?.();
    if (stored && stored.meta.index === s.meta.index) return stored.chunks;
    await stored?.close();
    if (!s.source) throw new ConfigError(`snapshot ${s.meta.index} has neither bytes nor a source`);
    return s.source.open();
  }

  private async sendSnapshot(m: Message): Promise<void> {
    const { storage, transport } = this.o;
    let ok = false;
    if (storage.openSnapshot && transport.sendSnapshotStream) {
      // Streamed from the file: a leader sending a large snapshot does not hold a second copy of the state.
      const snap = await storage.openSnapshot().catch(() => undefined);
      if (snap && snap.meta.index === m.snapshot?.meta.index) ok = await transport.sendSnapshotStream(m, snap);
      await snap?.close().catch(() => undefined);
      this.enqueue(() => this.raft?.reportSnapshot(m.to, ok));
      return;
    }
    const snap = await storage.readSnapshot();
    if (snap && snap.meta.index === m.snapshot?.meta.index) ok = await transport.sendSnapshot(m, snap);
    this.enqueue(() => this.raft?.reportSnapshot(m.to, ok));
  }

  private async maybeSnapshot(): Promise<void> {
    const done = this.savedInBackground;
    if (done) {
      this.savedInBackground = undefined;
      await this.compactTo(done);
    }
    const threshold = this.o.snapshotThreshold ?? 16384;
    if (this.snapshotting || this.applied - this.lastSnapIndex < threshold) return;
    const raft = this.raft!;
    const meta = raft.snapshotMeta();
    // After recover() the core re-learns entries the state machine already has: a snapshot now would carry
    // more state than its index says.
    if (meta.index !== this.applied) return;
    const taken = this.o.fsm.snapshot();
    if (isAsyncIterable(taken)) {
      // Captured now, at meta.index; written while the loop goes on. One at a time.
      this.snapshotting = true;
      void this.saveInBackground(meta, taken).finally(() => (this.snapshotting = false));
      return;
    }
    const data = await taken;
    await this.o.storage.saveSnapshot({ meta, data });
    await this.compactTo(meta);
  }

  private async compactTo(meta: SnapshotMeta): Promise<void> {
    // A snapshot installed from the leader while ours was written supersedes it.
    if (meta.index <= this.lastSnapIndex) return;
    const compactTo = Math.max(0, meta.index - (this.o.trailingLogs ?? 10240));
    this.raft!.compact(meta, compactTo);
    await this.o.storage.compact(compactTo);
    this.lastSnapIndex = meta.index;
  }

  private async saveInBackground(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const { storage } = this.o;
    let saved: boolean;
    try {
      if (storage.saveSnapshotStream) saved = await storage.saveSnapshotStream(meta, chunks);
      else {
        const parts: Uint8Array[] = [];
        for await (const c of chunks) parts.push(c);
        await storage.saveSnapshot({ meta, data: Buffer.concat(parts) });
        saved = true;
      }
    } catch (e) {
      // The log is intact without it; the next threshold tries again.
      this.logger.error('snapshot failed', { node: this.id, error: (e as Error).message });
      return;
    }
    // Compaction changes the core's log and the storage's segments: it happens in the loop, at the end of
    // the next Ready (maybeSnapshot), never concurrently with an append.
    if (saved) this.savedInBackground = meta;
  }
}

function discardSource(s: Snapshot): void {
  void s.source?.discard?.().catch(() => undefined);
}

function isAsyncIterable(x: unknown): x is AsyncIterable<Uint8Array> {
  return typeof x === 'object' && x !== null && !(x instanceof Uint8Array) && typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** An operating-system error from a storage write (ENOSPC, EIO, EDQUOT...): the disk, not the log, failed. */
function isDiskError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string' && typeof (e as NodeJS.ErrnoException).code === 'string';
}
