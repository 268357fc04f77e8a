import { cloneConf, decodeConfChange, encodeConfChange, type ConfChange } from './conf-change.js';
import { ConfigError, NotLeaderError, ProposalDroppedError } from './errors.js';
import { Progress } from './progress.js';
import { RaftLog } from './raft-log.js';
import type { RandomSource } from './random.js';
import { ReadOnly } from './read-only.js';
import {
  EntryType,
  MessageType as MT,
  NONE,
  StateType,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type ReadState,
  type Ready,
  type Snapshot,
  type SnapshotMeta,
  type SoftState,
} from './types.js';

export type ReadOnlyOption = 'safe' | 'lease';

export interface RaftConfig {
  id: NodeId;
  /** Ticks without hearing from a leader before a follower campaigns (randomized in [n, 2n)). */
  electionTick?: number;
  /** Ticks between leader heartbeats. Must be well below electionTick. */
  heartbeatTick?: number;
  /** Injected randomness (seeded in the simulator). */
  random: RandomSource;
  /** Pre-vote round before a real election, so a rejoining node does not bump the term. Default true. */
  preVote?: boolean;
  /** Leader steps down after an election timeout without hearing from a quorum. Default true. */
  checkQuorum?: boolean;
  /** MsgApp messages in flight per follower in the replicate state. Default 256. */
  maxInflightMsgs?: number;
  /** Bytes of entry data per MsgApp (at least one entry is always sent). Default 1 MiB. */
  maxSizePerMsg?: number;
  maxEntriesPerMsg?: number;
  /** Committed entries handed out per Ready. Default 4096. */
  maxCommittedPerReady?: number;
  /** 'safe' confirms leadership with a heartbeat round per ReadIndex; 'lease' trusts check-quorum timing. */
  readOnly?: ReadOnlyOption;
  /** ReadIndex requests queued at once; more are dropped (callers time out and retry). Default 4096. */
  maxPendingReads?: number;
  /** State loaded from storage at restart. */
  hardState?: HardState;
  snapshot?: SnapshotMeta;
  /** Persisted entries after the snapshot, in order. */
  entries?: Entry[];
}

interface ReadyMark {
  lastEntry?: { index: number; term: number };
  snapIndex: number;
  lastCommitted: number;
  committedEntries: Entry[];
  hard?: HardState;
  soft?: SoftState;
}

/** A leader-only view of one follower, for monitoring. */
export interface ProgressView {
  id: NodeId;
  match: number;
  next: number;
  state: string;
  learner: boolean;
  recentActive: boolean;
}

const TRANSFER = 'transfer';

/**
 * The Raft state machine. No clock, socket, disk or randomness inside: feed it tick() and step(),
 * collect ready(), persist/send/apply, then advance(). Modeled on etcd-io/raft.
 */
export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  state: StateType = StateType.Follower;
  readonly log = new RaftLog();
  private prs = new Map<NodeId, Progress>();
  private voters = new Set<NodeId>();
  private learners = new Set<NodeId>();
  private votes = new Map<NodeId, boolean>();
  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private pendingConfIndex = 0;
  leadTransferee: NodeId = NONE;
  private readonly readOnlyQ: ReadOnly;
  private pendingReadIndex: Message[] = [];
  /** Leader's tick counter, stamped on heartbeats so acks prove when followers last reset their timers. */
  private leaderTicks = 0;
  /** Lease mode: a restarted node refuses votes for one election timeout (it may have acked a lease before). */
  private voteGuardTicks = 0;
  /** Lease reads stay off until this leader tick after a transfer attempt (a late TimeoutNow overrides leases). */
  private leaseBlockedUntil = 0;
  /** The latest snapshot known to storage: what the leader sends to followers behind the log. */
  lastSnapshot: SnapshotMeta | undefined;

  readonly electionTimeout: number;
  readonly heartbeatTimeout: number;
  private readonly random: RandomSource;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  private readonly maxInflight: number;
  private readonly maxSizePerMsg: number;
  private readonly maxEntriesPerMsg: number;
  private readonly maxCommittedPerReady: number;
  readonly readOnlyOption: ReadOnlyOption;
  private readonly maxPendingReads: number;

  private prevHard: HardState;
  private prevSoft: SoftState;
  private mark: ReadyMark | undefined;

  constructor(cfg: RaftConfig) {
    if (!cfg.id) throw new ConfigError('raft: id must be a non-empty string');
    this.id = cfg.id;
    this.electionTimeout = cfg.electionTick ?? 10;
    this.heartbeatTimeout = cfg.heartbeatTick ?? 1;
    if (!(this.heartbeatTimeout >= 1 && this.electionTimeout > this.heartbeatTimeout)) {
      throw new ConfigError(`raft: electionTick (${this.electionTimeout}) must be greater than heartbeatTick (${this.heartbeatTimeout}) >= 1`);
    }
    this.random = cfg.random;
    this.preVote = cfg.preVote ?? true;
    this.checkQuorum = cfg.checkQuorum ?? true;
    this.maxInflight = cfg.maxInflightMsgs ?? 256;
    this.maxSizePerMsg = cfg.maxSizePerMsg ?? 1 << 20;
    this.maxEntriesPerMsg = cfg.maxEntriesPerMsg ?? 4096;
    this.maxCommittedPerReady = cfg.maxCommittedPerReady ?? 4096;
    this.readOnlyOption = cfg.readOnly ?? 'safe';
    this.maxPendingReads = cfg.maxPendingReads ?? 4096;
    if (this.readOnlyOption === 'lease' && !this.checkQuorum) {
      throw new ConfigError('raft: readOnly "lease" needs checkQuorum: true, or a deposed leader could serve stale reads');
    }
    if (this.maxInflight < 1) throw new ConfigError('raft: maxInflightMsgs must be >= 1');
    this.readOnlyQ = new ReadOnly(this.maxPendingReads);
    this.voteGuardTicks = this.readOnlyOption === 'lease' ? this.electionTimeout : 0;

    const snap = cfg.snapshot;
    if (snap) {
      this.log.offset = snap.index;
      this.log.offsetTerm = snap.term;
      this.log.committed = this.log.applied = this.log.applying = this.log.stable = snap.index;
      this.lastSnapshot = snap;
      this.setConf(snap.conf);
    }
    for (const e of cfg.entries ?? []) {
      if (e.index <= this.log.offset) continue;
      if (e.index !== this.log.lastIndex() + 1) throw new ConfigError(`raft: entries from storage are not contiguous at index ${e.index}`);
      this.log.entries.push(e);
    }
    this.log.stable = this.log.lastIndex();
    const hs = cfg.hardState ?? { term: 0, vote: NONE, commit: 0 };
    this.term = hs.term;
    this.vote = hs.vote;
    this.log.committed = Math.max(this.log.committed, Math.min(hs.commit, this.log.lastIndex()));
    this.prevHard = { term: this.term, vote: this.vote, commit: this.log.committed };
    this.becomeFollower(this.term, NONE);
    this.prevSoft = this.softState();
  }

  /** The first log entry and hard state of a new cluster: write both to storage before the first start. */
  static bootstrap(voters: NodeId[]): { entries: Entry[]; hardState: HardState } {
    if (voters.length === 0 || voters.some((v) => !v)) throw new ConfigError('raft: bootstrap needs at least one non-empty voter id');
    if (new Set(voters).size !== voters.length) throw new ConfigError('raft: bootstrap voter ids must be unique');
    // Sorted, so servers given the same set in any order write byte-identical first entries.
    const sorted = [...voters].sort();
    const e: Entry = { term: 1, index: 1, type: EntryType.ConfChange, data: encodeConfChange({ type: 'bootstrap', voters: sorted }) };
    return { entries: [e], hardState: { term: 1, vote: NONE, commit: 1 } };
  }

  // ---- configuration ----

  conf(): ConfState {
    return { voters: [...this.voters].sort(), learners: [...this.learners].sort() };
  }

  isVoter(id: NodeId = this.id): boolean {
    return this.voters.has(id);
  }

  private setConf(c: ConfState): void {
    this.voters = new Set(c.voters);
    this.learners = new Set(c.learners.filter((l) => !this.voters.has(l)));
    this.syncProgress();
  }

  /** Returns the ids that gained a Progress. */
  private syncProgress(): NodeId[] {
    const added: NodeId[] = [];
    for (const id of [...this.prs.keys()]) {
      if (!this.voters.has(id) && !this.learners.has(id)) this.prs.delete(id);
    }
    for (const id of [...this.voters, ...this.learners]) {
      let pr = this.prs.get(id);
      if (!pr) {
        pr = new Progress(this.log.lastIndex() + 1, this.maxInflight, false);
        if (id === this.id) pr.match = this.log.lastIndex();
        this.prs.set(id, pr);
        added.push(id);
      }
      pr.isLearner = this.learners.has(id);
    }
    return added;
  }

  private applyConfChange(cc: ConfChange): void {
    switch (cc.type) {
      case 'bootstrap':
        this.voters = new Set(cc.voters);
        this.learners = new Set();
        break;
      case 'addVoter':
        this.learners.delete(cc.node);
        this.voters.add(cc.node);
        break;
      case 'addLearner':
        if (!this.voters.has(cc.node)) this.learners.add(cc.node);
        break;
      case 'removeNode':
        this.voters.delete(cc.node);
        this.learners.delete(cc.node);
        break;
    }
    const added = this.syncProgress();
    if (this.state !== StateType.Leader) return;
    if (!this.prs.has(this.id) || this.learners.has(this.id)) {
      // Removed (or demoted): hand over by stepping down; the remaining voters elect a leader.
      this.becomeFollower(this.term, NONE);
      return;
    }
    if (this.leadTransferee !== NONE && !this.voters.has(this.leadTransferee)) this.abortLeaderTransfer();
    if (this.maybeCommit()) this.bcastAppend();
    else for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id, false);
    // Probe new members now rather than at the next heartbeat.
    for (const id of added) if (id !== this.id) this.sendAppend(id);
  }

  private quorum(): number {
    return Math.floor(this.voters.size / 2) + 1;
  }

  // ---- public inputs ----

  tick(): void {
    if (this.voteGuardTicks > 0) this.voteGuardTicks--;
    if (this.state === StateType.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  private promotable(): boolean {
    return this.voters.has(this.id);
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickHeartbeat(): void {
    this.leaderTicks++;
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) {
        this.step({ type: MT.CheckQuorum, from: this.id, to: this.id, term: 0 });
      }
      if (this.state === StateType.Leader && this.leadTransferee !== NONE) this.abortLeaderTransfer();
    }
    if (this.state !== StateType.Leader) return;
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat(this.readOnlyQ.lastPendingContext());
    }
  }

  /** Starts an election now (tests, or an operator forcing one). */
  campaign(): void {
    this.step({ type: MT.Hup, from: this.id, to: this.id, term: 0 });
  }

  /** Appends data to the log as the leader. Throws NotLeaderError elsewhere. */
  propose(data: Uint8Array): { index: number; term: number } {
    if (!(data instanceof Uint8Array)) throw new ConfigError('propose needs a Uint8Array');
    return this.proposeEntry(EntryType.Normal, data);
  }

  /** Proposes a one-server membership change. Only one may be pending (appended but not applied) at a time. */
  proposeConfChange(cc: ConfChange): { index: number; term: number } {
    // Round-trip through the decoder: an entry every node would fail to apply must never be appended.
    cc = decodeConfChange(encodeConfChange(cc));
    if (this.state === StateType.Leader) {
      if (this.pendingConfIndex > this.log.applied) {
        throw new ProposalDroppedError('a configuration change is still being applied; retry once it has committed');
      }
      if (cc.type === 'bootstrap') throw new ConfigError('bootstrap is only valid as the first entry of a new cluster');
      if (cc.type === 'addVoter' && this.voters.has(cc.node)) throw new ConfigError(`${cc.node} is already a voter`);
      if (cc.type === 'addLearner' && (this.voters.has(cc.node) || this.learners.has(cc.node))) {
        throw new ConfigError(`${cc.node} is already a member; remove it first to demote it`);
      }
      if (cc.type === 'removeNode') {
        if (!this.voters.has(cc.node) && !this.learners.has(cc.node)) throw new ConfigError(`${cc.node} is not a member`);
        if (this.voters.has(cc.node) && this.voters.size === 1) throw new ConfigError('cannot remove the last voter');
      }
    }
    const r = this.proposeEntry(EntryType.ConfChange, encodeConfChange(cc));
    this.pendingConfIndex = r.index;
    return r;
  }

  private proposeEntry(type: EntryType, data: Uint8Array): { index: number; term: number } {
    if (this.state !== StateType.Leader) throw new NotLeaderError(this.lead);
    if (!this.prs.has(this.id) || this.learners.has(this.id)) throw new ProposalDroppedError('this leader is no longer a voter');
    if (this.leadTransferee !== NONE) {
      throw new ProposalDroppedError(`leadership is being transferred to ${this.leadTransferee}; retry on the new leader`);
    }
    const index = this.log.lastIndex() + 1;
    this.appendEntries([{ term: this.term, index, type, data }]);
    this.bcastAppend();
    return { index, term: this.term };
  }

  /** Proposes several commands in one append (group commit). */
  proposeBatch(datas: Uint8Array[]): { index: number; term: number }[] {
    if (!Array.isArray(datas) || !datas.every((d) => d instanceof Uint8Array)) throw new ConfigError('proposeBatch needs an array of Uint8Array');
    if (this.state !== StateType.Leader) throw new NotLeaderError(this.lead);
    if (!this.prs.has(this.id) || this.learners.has(this.id)) throw new ProposalDroppedError('this leader is no longer a voter');
    if (this.leadTransferee !== NONE) {
      throw new ProposalDroppedError(`leadership is being transferred to ${this.leadTransferee}; retry on the new leader`);
    }
    let index = this.log.lastIndex();
    const ents = datas.map((data) => ({ term: this.term, index: ++index, type: EntryType.Normal, data }) as Entry);
    this.appendEntries(ents);
    this.bcastAppend();
    return ents.map((e) => ({ index: e.index, term: e.term }));
  }

  /**
   * Requests a linearizable read point. The answer arrives as a ReadState with this context in a later
   * Ready (or never, if leadership cannot be confirmed: callers time out).
   */
  readIndex(context: string): void {
    this.step({ type: MT.ReadIndex, from: this.id, to: this.id, term: 0, context });
  }

  transferLeadership(to: NodeId): void {
    this.step({ type: MT.TransferLeader, from: to, to: this.id, term: 0 });
  }

  /** The transport could not reach a peer or lost its connection: a leader probes it instead of streaming;
   * a follower whose leader it is campaigns within a few ticks (with pre-vote on). */
  reportUnreachable(id: NodeId): void {
    this.step({ type: MT.Unreachable, from: id, to: this.id, term: 0 });
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    this.step({ type: MT.SnapStatus, from: id, to: this.id, term: 0, reject: !ok });
  }

  // ---- state transitions ----

  private resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.electionTimeout + Math.floor(this.random() * this.electionTimeout);
  }

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.votes.clear();
    const last = this.log.lastIndex();
    for (const [id, pr] of this.prs) {
      const np = new Progress(last + 1, this.maxInflight, pr.isLearner);
      if (id === this.id) np.match = last;
      this.prs.set(id, np);
    }
    this.pendingConfIndex = 0;
    this.readOnlyQ.reset();
    this.pendingReadIndex = [];
  }

  private becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.state = StateType.Follower;
  }

  private becomePreCandidate(): void {
    this.votes.clear();
    this.lead = NONE;
    this.state = StateType.PreCandidate;
  }

  private becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = StateType.Candidate;
  }

  private becomeLeader(): void {
    this.reset(this.term);
    this.lead = this.id;
    this.state = StateType.Leader;
    this.leaderTicks = 0;
    this.leaseBlockedUntil = 0;
    this.prs.get(this.id)?.becomeReplicate();
    // No conf change until an entry of this term commits (the single-server change fix from the thesis).
    this.pendingConfIndex = this.log.lastIndex();
    this.appendEntries([{ term: this.term, index: this.log.lastIndex() + 1, type: EntryType.Normal, data: new Uint8Array(0) }]);
  }

  private hasUnappliedConfChange(): boolean {
    if (this.log.committed <= this.log.applied) return false;
    for (let i = Math.max(this.log.applied, this.log.offset) + 1; i <= this.log.committed; i++) {
      if (this.log.entries[i - this.log.offset - 1].type === EntryType.ConfChange) return true;
    }
    return false;
  }

  private hup(transfer: boolean): void {
    if (this.state === StateType.Leader) return;
    if (!this.promotable()) return;
    if (this.hasUnappliedConfChange()) return;
    if (this.preVote && !transfer) this.runCampaign(true, false);
    else this.runCampaign(false, transfer);
  }

  private runCampaign(pre: boolean, transfer: boolean): void {
    let term: number;
    let type: MT;
    if (pre) {
      this.becomePreCandidate();
      type = MT.PreVote;
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      type = MT.Vote;
      term = this.term;
    }
    if (this.poll(this.id, true) === 'won') {
      if (pre) this.runCampaign(false, false);
      else this.becomeLeader();
      return;
    }
    for (const id of this.voters) {
      if (id === this.id) continue;
      this.send({
        type,
        to: id,
        term,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        context: transfer ? TRANSFER : undefined,
      });
    }
  }

  private poll(id: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (!this.votes.has(id)) this.votes.set(id, granted);
    let yes = 0;
    let no = 0;
    for (const v of this.voters) {
      const r = this.votes.get(v);
      if (r === true) yes++;
      else if (r === false) no++;
    }
    const q = this.quorum();
    if (yes >= q) return 'won';
    if (no > this.voters.size - q) return 'lost';
    return 'pending';
  }

  // ---- messages ----

  private send(m: Omit<Message, 'from' | 'term'> & { term?: number }): void {
    const out = m as Message;
    out.from = this.id;
    if (out.term === undefined) {
      // Forwarded local requests travel with term 0 and skip term checks at the receiver.
      out.term = out.type === MT.ReadIndex || out.type === MT.TransferLeader || out.type === MT.Prop ? 0 : this.term;
    }
    if (out.context === undefined) delete out.context;
    this.msgs.push(out);
  }

  step(m: Message): void {
    if (m.term === 0) {
      // local message
    } else if (m.term > this.term) {
      if (m.type === MT.Vote || m.type === MT.PreVote) {
        const force = m.context === TRANSFER;
        const inLease =
          (this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTimeout) || this.voteGuardTicks > 0;
        // A node that heard from a leader recently ignores elections: check-quorum leases protect it.
        if (!force && inLease) return;
      }
      if (m.type === MT.PreVote) {
        // never change term in response to a pre-vote
      } else if (m.type === MT.PreVoteResp && !m.reject) {
        // the term is bumped when the pre-vote wins
      } else if (m.type === MT.App || m.type === MT.Heartbeat || m.type === MT.Snap) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === MT.Heartbeat || m.type === MT.App)) {
        // Tell a stale leader about the new term, or it would never step down under pre-vote.
        this.send({ type: MT.AppResp, to: m.from });
      } else if (m.type === MT.PreVote) {
        this.send({ type: MT.PreVoteResp, to: m.from, term: this.term, reject: true });
      }
      return;
    }

    switch (m.type) {
      case MT.Hup:
        this.hup(false);
        return;
      case MT.Vote:
      case MT.PreVote: {
        const canVote =
          this.vote === m.from || (this.vote === NONE && this.lead === NONE) || (m.type === MT.PreVote && m.term > this.term);
        const resp = m.type === MT.Vote ? MT.VoteResp : MT.PreVoteResp;
        if (canVote && this.log.isUpToDate(m.index ?? 0, m.logTerm ?? 0)) {
          this.send({ type: resp, to: m.from, term: m.term });
          if (m.type === MT.Vote) {
            this.electionElapsed = 0;
            this.vote = m.from;
          }
        } else {
          this.send({ type: resp, to: m.from, term: this.term, reject: true });
        }
        return;
      }
    }
    switch (this.state) {
      case StateType.Leader:
        this.stepLeader(m);
        return;
      case StateType.Candidate:
      case StateType.PreCandidate:
        this.stepCandidate(m);
        return;
      case StateType.Follower:
        this.stepFollower(m);
        return;
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case MT.Beat:
        this.bcastHeartbeat(undefined);
        return;
      case MT.CheckQuorum: {
        let active = 0;
        for (const id of this.voters) {
          const pr = this.prs.get(id);
          if (id === this.id || pr?.recentActive) active++;
        }
        for (const [id, pr] of this.prs) if (id !== this.id) pr.recentActive = false;
        if (active < this.quorum()) this.becomeFollower(this.term, NONE);
        return;
      }
      case MT.ReadIndex:
        if (!this.committedEntryInCurrentTerm()) {
          if (this.pendingReadIndex.length < this.maxPendingReads) this.pendingReadIndex.push(m);
          return;
        }
        this.handleReadIndex(m);
        return;
    }
    const pr = this.prs.get(m.from);
    if (!pr) return;
    switch (m.type) {
      case MT.AppResp:
        pr.recentActive = true;
        if (m.reject) {
          let next = m.rejectHint ?? 0;
          if ((m.logTerm ?? 0) > 0) next = this.log.findConflictByTerm(next, m.logTerm!).index;
          if (pr.maybeDecrTo(m.index ?? 0, next)) {
            if (pr.state === 'replicate') pr.becomeProbe();
            this.sendAppend(m.from);
          }
        } else {
          const oldPaused = pr.isPaused();
          const idx = m.index ?? 0;
          if (pr.maybeUpdate(idx) || (pr.match === idx && pr.state === 'probe')) {
            if (pr.state === 'probe') pr.becomeReplicate();
            else if (pr.state === 'snapshot' && pr.match + 1 >= this.log.firstIndex()) {
              pr.becomeProbe();
              pr.becomeReplicate();
            } else if (pr.state === 'replicate') pr.inflights.freeLE(idx);
            if (this.maybeCommit()) this.bcastAppend();
            else if (oldPaused) this.sendAppend(m.from);
            for (let i = 0; i < this.maxInflight && this.sendAppend(m.from, false); i++) {
              // keep the pipeline full
            }
            if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
              this.send({ type: MT.TimeoutNow, to: m.from });
            }
          }
        }
        return;
      case MT.HeartbeatResp: {
        pr.recentActive = true;
        pr.probeSent = false;
        if ((m.index ?? 0) > pr.leaseAck) pr.leaseAck = m.index!;
        if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
        if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
        if (this.readOnlyOption !== 'safe' || !m.context) return;
        const acks = this.readOnlyQ.recvAck(m.from, m.context);
        if (!acks) return;
        let n = 0;
        for (const v of this.voters) if (acks.has(v)) n++;
        if (n < this.quorum()) return;
        for (const r of this.readOnlyQ.advance(m.context)) this.respondRead(r.req, r.index);
        return;
      }
      case MT.SnapStatus:
        if (pr.state !== 'snapshot') return;
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        // Wait for a heartbeat response before probing again.
        pr.probeSent = true;
        return;
      case MT.Unreachable:
        if (pr.state === 'replicate') pr.becomeProbe();
        return;
      case MT.TransferLeader: {
        if (pr.isLearner) return;
        const transferee = m.from;
        if (this.leadTransferee !== NONE) {
          if (this.leadTransferee === transferee) return;
          this.abortLeaderTransfer();
        }
        if (transferee === this.id) return;
        this.electionElapsed = 0;
        this.leadTransferee = transferee;
        this.leaseBlockedUntil = this.leaderTicks + 2 * this.electionTimeout;
        if (pr.match === this.log.lastIndex()) this.send({ type: MT.TimeoutNow, to: transferee });
        else this.sendAppend(transferee);
        return;
      }
    }
  }

  private stepCandidate(m: Message): void {
    const myResp = this.state === StateType.PreCandidate ? MT.PreVoteResp : MT.VoteResp;
    switch (m.type) {
      case MT.App:
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case MT.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MT.Snap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case MT.VoteResp:
      case MT.PreVoteResp: {
        if (m.type !== myResp) return;
        const r = this.poll(m.from, !m.reject);
        if (r === 'won') {
          if (this.state === StateType.PreCandidate) this.runCampaign(false, false);
          else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (r === 'lost') {
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MT.App:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case MT.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case MT.Snap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case MT.TransferLeader:
        if (this.lead === NONE) return;
        this.send({ type: MT.TransferLeader, to: this.lead, term: 0 });
        this.msgs[this.msgs.length - 1].from = m.from;
        return;
      case MT.TimeoutNow:
        this.hup(true);
        return;
      case MT.ReadIndex:
        if (this.lead === NONE) return;
        this.send({ type: MT.ReadIndex, to: this.lead, context: m.context });
        return;
      case MT.ReadIndexResp:
        this.readStates.push({ index: m.index ?? 0, context: m.context ?? '' });
        return;
      case MT.Unreachable:
        this.leaderUnreachable(m.from);
        return;
    }
  }

  /**
   * The transport lost its connection to our leader (its process died: the kernel reset the socket).
   * Waiting a whole election timeout to notice is the usual Raft failover delay; instead forget the
   * leader, so this node grants pre-votes at once, and campaign within a few ticks. Only with pre-vote:
   * if the leader is in fact alive and only this link broke, the other followers still hear from it
   * and refuse the pre-vote, so nobody's term moves. Lease reads stay safe: voteGuardTicks still holds.
   */
  private leaderUnreachable(id: NodeId): void {
    if (!this.preVote || id !== this.lead) return;
    this.lead = NONE;
    // A random 1 to electionTimeout/2 ticks, so that two followers who both saw the leader go rarely split the vote.
    const soon = this.randomizedElectionTimeout - 1 - Math.floor(this.random() * Math.max(1, Math.floor(this.electionTimeout / 2)));
    if (this.electionElapsed < soon) this.electionElapsed = soon;
  }

  private handleAppendEntries(m: Message): void {
    const index = m.index ?? 0;
    if (index < this.log.committed) {
      this.send({ type: MT.AppResp, to: m.from, index: this.log.committed });
      return;
    }
    const last = this.log.maybeAppend(index, m.logTerm ?? 0, m.commit ?? 0, m.entries ?? []);
    if (last !== undefined) {
      this.send({ type: MT.AppResp, to: m.from, index: last });
      return;
    }
    // Fast backtracking: point the leader at the last index that could match, with its term.
    const hint = this.log.findConflictByTerm(Math.min(index, this.log.lastIndex()), m.logTerm ?? 0);
    this.send({ type: MT.AppResp, to: m.from, index, reject: true, rejectHint: hint.index, logTerm: hint.term });
  }

  private handleHeartbeat(m: Message): void {
    this.log.commitTo(Math.min(m.commit ?? 0, this.log.lastIndex()));
    this.send({ type: MT.HeartbeatResp, to: m.from, context: m.context, index: m.index });
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot;
    if (s && this.restore(s)) this.send({ type: MT.AppResp, to: m.from, index: this.log.lastIndex() });
    else this.send({ type: MT.AppResp, to: m.from, index: this.log.committed });
  }

  private restore(s: Snapshot): boolean {
    if (s.meta.index <= this.log.committed) return false;
    if (this.log.matchTerm(s.meta.index, s.meta.term)) {
      // We already hold the entries: just fast-forward the commit index.
      this.log.commitTo(s.meta.index);
      return false;
    }
    if (!s.data && !s.source) return false;
    this.log.restore(s);
    this.lastSnapshot = s.meta;
    this.setConf(s.meta.conf);
    return true;
  }

  // ---- leader helpers ----

  private appendEntries(ents: Entry[]): void {
    this.log.append(ents);
    // The leader counts itself at once: its entries reach disk (the Ready) before anything is applied.
    this.prs.get(this.id)?.maybeUpdate(this.log.lastIndex());
    this.maybeCommit();
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private maybeCommit(): boolean {
    if (this.voters.size === 0) return false;
    const matches: number[] = [];
    for (const id of this.voters) matches.push(this.prs.get(id)?.match ?? 0);
    matches.sort((a, b) => b - a);
    const mci = matches[this.quorum() - 1];
    // Only entries of the current term commit by counting replicas (Raft §5.4.2).
    if (mci > this.log.committed && this.log.term(mci) === this.term) {
      const hadCurrent = this.committedEntryInCurrentTerm();
      this.log.commitTo(mci);
      if (!hadCurrent && this.pendingReadIndex.length) {
        const q = this.pendingReadIndex;
        this.pendingReadIndex = [];
        for (const r of q) this.handleReadIndex(r);
      }
      return true;
    }
    return false;
  }

  private handleReadIndex(m: Message): void {
    const index = this.log.committed;
    if (this.voters.size === 1 && this.voters.has(this.id)) {
      this.respondRead(m, index);
      return;
    }
    if (this.readOnlyOption === 'lease' && this.leaseValid()) {
      this.respondRead(m, index);
      return;
    }
    if (!this.readOnlyQ.add(index, m)) return;
    this.readOnlyQ.recvAck(this.id, m.context ?? '');
    this.bcastHeartbeat(m.context);
  }

  /**
   * Lease: a quorum acked heartbeats sent less than (electionTimeout - 2) leader ticks ago. Each of those
   * followers refuses votes for an electionTimeout after receiving one, so no other leader can exist yet,
   * provided tick rates differ by less than the 2-tick margin (the clock assumption).
   */
  private leaseValid(): boolean {
    if (this.leadTransferee !== NONE || this.leaderTicks < this.leaseBlockedUntil) return false;
    const horizon = this.leaderTicks - (this.electionTimeout - 2);
    let n = 0;
    for (const id of this.voters) {
      if (id === this.id) n++;
      else {
        const pr = this.prs.get(id);
        if (pr && pr.leaseAck > 0 && pr.leaseAck > horizon) n++;
      }
    }
    return n >= this.quorum();
  }

  private respondRead(req: Message, index: number): void {
    if (req.from === this.id || req.from === NONE) this.readStates.push({ index, context: req.context ?? '' });
    else this.send({ type: MT.ReadIndexResp, to: req.from, index, context: req.context });
  }

  private bcastAppend(): void {
    for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id);
  }

  private bcastHeartbeat(context: string | undefined): void {
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      this.send({ type: MT.Heartbeat, to: id, commit: Math.min(pr.match, this.log.committed), context, index: this.leaderTicks });
    }
  }

  private sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.prs.get(to);
    if (!pr || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const ents =
      prevTerm === undefined ? undefined : this.log.slice(pr.next, this.log.lastIndex() + 1, this.maxSizePerMsg, this.maxEntriesPerMsg);
    if (ents === undefined) {
      const snap = this.lastSnapshot;
      if (!snap) return false;
      pr.becomeSnapshot(snap.index);
      this.send({ type: MT.Snap, to, snapshot: { meta: snap } });
      return true;
    }
    if (ents.length === 0 && !sendIfEmpty) return false;
    this.send({ type: MT.App, to, index: prevIndex, logTerm: prevTerm, entries: ents, commit: this.log.committed });
    if (ents.length > 0 && pr.state === 'replicate') {
      const last = ents[ents.length - 1].index;
      pr.optimisticUpdate(last);
      pr.inflights.add(last);
    } else if (pr.state === 'probe') {
      pr.probeSent = true;
    }
    return true;
  }

  private abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  // ---- Ready / Advance ----

  softState(): SoftState {
    return { lead: this.lead, state: this.state };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  hasReady(): boolean {
    const hs = this.hardState();
    const ss = this.softState();
    return (
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.log.pendingSnapshot !== undefined ||
      this.log.stable < this.log.lastIndex() ||
      this.log.hasNextCommitted() ||
      hs.term !== this.prevHard.term ||
      hs.vote !== this.prevHard.vote ||
      hs.commit !== this.prevHard.commit ||
      ss.lead !== this.prevSoft.lead ||
      ss.state !== this.prevSoft.state
    );
  }

  ready(): Ready {
    if (this.mark) throw new Error('raft: ready() called twice without advance()');
    const entries = this.log.unstableEntries();
    const committedEntries = this.log.nextCommitted(this.maxCommittedPerReady);
    const hs = this.hardState();
    const ss = this.softState();
    const hsChanged = hs.term !== this.prevHard.term || hs.vote !== this.prevHard.vote || hs.commit !== this.prevHard.commit;
    const ssChanged = ss.lead !== this.prevSoft.lead || ss.state !== this.prevSoft.state;
    const rd: Ready = {
      entries,
      committedEntries,
      messages: this.msgs,
      readStates: this.readStates,
      mustSync: entries.length > 0 || hs.term !== this.prevHard.term || hs.vote !== this.prevHard.vote,
    };
    if (hsChanged) rd.hardState = hs;
    if (ssChanged) rd.softState = ss;
    if (this.log.pendingSnapshot) {
      rd.snapshot = this.log.pendingSnapshot;
      rd.mustSync = true;
    }
    this.msgs = [];
    this.readStates = [];
    const lastCommitted = committedEntries.length ? committedEntries[committedEntries.length - 1].index : 0;
    if (lastCommitted) this.log.applying = lastCommitted;
    const last = entries[entries.length - 1];
    this.mark = {
      lastEntry: last ? { index: last.index, term: last.term } : undefined,
      snapIndex: rd.snapshot?.meta.index ?? 0,
      lastCommitted,
      committedEntries,
      hard: hsChanged ? hs : undefined,
      soft: ssChanged ? ss : undefined,
    };
    return rd;
  }

  /** Tells the core the last Ready was persisted, sent and applied. Conf changes in it take effect now. */
  advance(): void {
    const mk = this.mark;
    if (!mk) throw new Error('raft: advance() without ready()');
    this.mark = undefined;
    if (mk.hard) this.prevHard = mk.hard;
    if (mk.soft) this.prevSoft = mk.soft;
    if (mk.snapIndex) {
      if (this.log.pendingSnapshot?.meta.index === mk.snapIndex) this.log.pendingSnapshot = undefined;
      this.log.appliedTo(mk.snapIndex);
    }
    if (mk.lastEntry) this.log.stableTo(mk.lastEntry.index, mk.lastEntry.term);
    for (const e of mk.committedEntries) {
      if (e.type === EntryType.ConfChange) {
        this.log.appliedTo(e.index);
        let cc: ConfChange | undefined;
        try {
          cc = decodeConfChange(e.data);
        } catch {
          // Unreadable (never written by this code): every node skips it alike, so they stay in step.
        }
        if (cc) this.applyConfChange(cc);
      }
    }
    if (mk.lastCommitted) this.log.appliedTo(mk.lastCommitted);
  }

  /**
   * What a snapshot of the application's state taken now (between Ready cycles, at the applied index)
   * must record. Store it with the bytes, then call compact().
   */
  snapshotMeta(): SnapshotMeta {
    const index = this.log.applied;
    const term = this.log.term(index);
    if (term === undefined) throw new Error(`raft: applied index ${index} is no longer in the log`);
    return { index, term, conf: cloneConf(this.conf()) };
  }

  /**
   * Records a stored snapshot and drops log entries up to `compactTo` (default: the snapshot index).
   * Keep some trailing entries (compactTo < snapshot index) so slightly slow followers avoid a snapshot.
   */
  compact(meta: SnapshotMeta, compactTo = meta.index): void {
    if (meta.index > this.log.applied) throw new ConfigError(`raft: snapshot index ${meta.index} is beyond the applied index ${this.log.applied}`);
    if (!this.lastSnapshot || meta.index > this.lastSnapshot.index) this.lastSnapshot = meta;
    this.log.compact(Math.min(compactTo, meta.index));
  }

  /**
   * Leader only, between Readys, with every entry committed and applied: the application replaced its whole
   * state with a snapshot stored at `meta` (a user restore, hashicorp/raft's Restore), whose index is one past
   * the last entry and whose term is this one. The log restarts after it; followers, whose next entries are
   * now behind the compaction point, receive it by InstallSnapshot.
   */
  restoreLocal(meta: SnapshotMeta): void {
    const log = this.log;
    if (this.state !== StateType.Leader) throw new NotLeaderError(this.lead);
    if (this.mark || log.pendingSnapshot) throw new ConfigError('raft: restoreLocal between ready() and advance()');
    if (meta.index !== log.lastIndex() + 1 || meta.term !== this.term || log.committed !== log.lastIndex() || log.applied !== log.lastIndex())
      throw new ConfigError(`raft: a restore at index ${meta.index} needs the log committed and applied up to ${meta.index - 1} in term ${this.term}`);
    log.entries = [];
    log.offset = meta.index;
    log.offsetTerm = meta.term;
    log.committed = log.stable = log.applying = log.applied = meta.index;
    this.lastSnapshot = meta;
    for (const [id, pr] of this.prs) {
      if (id === this.id) {
        pr.maybeUpdate(meta.index);
        continue;
      }
      pr.becomeProbe();
      this.sendAppend(id);
    }
  }

  /** Leader-only: replication state of each member. */
  progress(): ProgressView[] {
    if (this.state !== StateType.Leader) return [];
    return [...this.prs].map(([id, pr]) => ({
      id,
      match: pr.match,
      next: pr.next,
      state: pr.state,
      learner: pr.isLearner,
      recentActive: pr.recentActive || id === this.id,
    }));
  }

  /** For tests and monitoring. */
  electionElapsedTicks(): number {
    return this.electionElapsed;
  }
}
