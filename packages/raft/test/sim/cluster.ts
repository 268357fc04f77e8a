import { ConfigError, NotLeaderError, ProposalDroppedError } from '../../src/errors.js';
import { Raft } from '../../src/raft.js';
import { seededRandom, type RandomSource } from '../../src/random.js';
import { EntryType, MessageType, MessageTypeName, StateType, type Entry, type HardState, type Message, type Snapshot } from '../../src/types.js';
import { KvStore, type KvOp, type KvResult } from './kv.js';
import { checkLinearizable, type HistoryOp } from './linearizability.js';

/**
 * A deterministic cluster simulator: one seeded PRNG drives a virtual clock (1 ms steps), a network that
 * drops, delays, duplicates, reorders and partitions (also one-way), crashes that lose unsynced writes,
 * restarts, membership changes and clients. Invariants are checked after every step.
 */
export interface SimConfig {
  seed: number;
  /** Nodes started; the first `voters` are bootstrapped, the others wait to be added. */
  nodes?: number;
  voters?: number;
  /** Virtual milliseconds with faults, then the same cluster healed for healMs. */
  faultMs?: number;
  healMs?: number;
  clients?: number;
  readOnly?: 'safe' | 'lease';
  checkQuorum?: boolean;
  preVote?: boolean;
  /** Transport hints (default on): peers of a crashed node are told it is unreachable, as a reset socket
   * tells a real transport, and now and then a live peer is wrongly reported unreachable (a broken link). */
  unreachableHints?: boolean;
  /** Clock drift: each node's tick period is 10 ms plus 0..drift ms. */
  drift?: number;
  /** Print a trace of the last events on failure. */
  traceSize?: number;
}

export interface SimStats {
  seed: number;
  leaders: number;
  maxTerm: number;
  ackedWrites: number;
  reads: number;
  unknownWrites: number;
  snapshots: number;
  snapshotsSent: number;
  confChanges: number;
  crashes: number;
  messages: number;
  linearizable: boolean | 'unknown';
}

export class SimFailure extends Error {}

interface Disk {
  hs: HardState;
  snap?: Snapshot;
  entries: Entry[];
}

interface PendingWrite {
  term: number;
  hop: HistoryOp;
  client: Client;
}
interface PendingRead {
  hop: HistoryOp;
  client: Client;
  index?: number;
}
interface Client {
  id: number;
  /** The node this client believes leads: clients cache it, as real ones do, and so reach stale leaders. */
  target?: string;
  busyUntil?: number;
  cancel?: () => void;
}

const TICK_MS = 10;
const ELECTION_TICK = 10;
const enc = new TextEncoder();
const dec = new TextDecoder();

class SimNode {
  raft: Raft | undefined;
  kv = new KvStore();
  applied = 0;
  lastSnapIndex = 0;
  pendingWrites = new Map<number, PendingWrite>();
  pendingReads = new Map<string, PendingRead>();
  /** Torn crash armed: the next Ready is persisted only partly, then the node dies. */
  tornCrash = false;
  downUntil = 0;
  constructor(
    readonly id: string,
    readonly disk: Disk,
    readonly phase: number,
    readonly period: number,
  ) {}
  get up(): boolean {
    return this.raft !== undefined;
  }
}

export class Simulation {
  readonly rng: RandomSource;
  private readonly hintRng: RandomSource;
  private cfg: Required<SimConfig>;
  private nodes: SimNode[] = [];
  private byId = new Map<string, SimNode>();
  private now = 0;
  private seq = 0;
  private inflight = new Map<number, Message[]>();
  private blocked = new Set<string>();
  private healAt = 0;
  private dropRate: number;
  private dupRate: number;
  private maxDelay: number;
  private faultsOn = true;
  private clients: Client[] = [];
  private nextOp = 1;
  readonly history: HistoryOp[] = [];
  private trace: string[] = [];
  // invariant state
  private leaderOfTerm = new Map<number, string>();
  private entryIdentity = new Map<string, string>();
  private committedTerm: number[] = [0];
  private committedSeen = new Map<string, number>();
  private appliedIdentity = new Map<number, string>();
  private wasLeader = new Map<string, number>();
  private firstAckAfterHeal = -1;
  private acked: { index: number; term: number }[] = [];
  private healedAt = -1;
  readonly stats: SimStats;

  constructor(cfg: SimConfig) {
    this.cfg = { nodes: 5, voters: 3, faultMs: 3000, healMs: 3000, clients: 3, readOnly: 'safe', checkQuorum: true, preVote: true, unreachableHints: true, drift: 0, traceSize: Number(process.env.TRACE ?? 60), ...cfg };
    this.rng = seededRandom(cfg.seed);
    // Its own stream, so that turning hints off replays a seed exactly as before they existed.
    this.hintRng = seededRandom(cfg.seed ^ 0x5eed);
    this.stats = {
      seed: cfg.seed,
      leaders: 0,
      maxTerm: 0,
      ackedWrites: 0,
      reads: 0,
      unknownWrites: 0,
      snapshots: 0,
      snapshotsSent: 0,
      confChanges: 0,
      crashes: 0,
      messages: 0,
      linearizable: true,
    };
    // Each seed draws its own network weather.
    this.dropRate = this.rng() * 0.15;
    this.dupRate = this.rng() * 0.05;
    this.maxDelay = 1 + Math.floor(this.rng() * 25);
    const ids = Array.from({ length: this.cfg.nodes }, (_, i) => `n${i + 1}`);
    const boot = Raft.bootstrap(ids.slice(0, this.cfg.voters));
    for (const [i, id] of ids.entries()) {
      const disk: Disk =
        i < this.cfg.voters ? { hs: { ...boot.hardState }, entries: [...boot.entries] } : { hs: { term: 0, vote: '', commit: 0 }, entries: [] };
      const n = new SimNode(id, disk, Math.floor(this.rng() * TICK_MS), TICK_MS + Math.floor(this.rng() * (this.cfg.drift + 1)));
      this.nodes.push(n);
      this.byId.set(id, n);
      this.start(n);
    }
    for (let c = 0; c < this.cfg.clients; c++) this.clients.push({ id: c });
  }

  private log(s: string): void {
    if (this.cfg.traceSize <= 0) return;
    this.trace.push(`${this.now}ms ${s}`);
    if (this.trace.length > this.cfg.traceSize) this.trace.shift();
  }

  private fail(msg: string): never {
    throw new SimFailure(`seed ${this.cfg.seed} at ${this.now}ms: ${msg}\n--- last events ---\n${this.trace.join('\n')}`);
  }

  private stamp(): number {
    return this.now * 10000 + (this.seq++ % 10000);
  }

  private start(n: SimNode): void {
    const d = n.disk;
    n.raft = new Raft({
      id: n.id,
      random: seededRandom(Math.floor(this.rng() * 2 ** 31)),
      electionTick: ELECTION_TICK,
      heartbeatTick: 1,
      hardState: d.hs,
      snapshot: d.snap?.meta,
      entries: d.entries,
      maxInflightMsgs: 1 + Math.floor(this.rng() * 8),
      maxEntriesPerMsg: 1 + Math.floor(this.rng() * 20),
      maxSizePerMsg: this.rng() < 0.5 ? 1 << 20 : 16 + Math.floor(this.rng() * 200),
      maxCommittedPerReady: this.rng() < 0.5 ? 4096 : 1 + Math.floor(this.rng() * 5),
      readOnly: this.cfg.readOnly,
      checkQuorum: this.cfg.checkQuorum,
      preVote: this.cfg.preVote,
    });
    n.kv = new KvStore();
    n.applied = 0;
    n.lastSnapIndex = 0;
    if (d.snap) {
      n.kv.restore(d.snap.data!);
      n.applied = n.lastSnapIndex = d.snap.meta.index;
    }
    this.log(`${n.id} start term=${d.hs.term} commit=${d.hs.commit} entries=${d.entries.length} snap=${d.snap?.meta.index ?? 0}`);
  }

  private crash(n: SimNode): void {
    if (!n.raft) return;
    this.log(`${n.id} CRASH`);
    this.stats.crashes++;
    n.raft = undefined;
    n.tornCrash = false;
    if (this.cfg.unreachableHints) {
      for (const o of this.nodes) if (o !== n && o.raft) this.hint(o.id, n.id);
    }
    n.downUntil = this.now + 50 + Math.floor(this.rng() * 600);
    for (const p of n.pendingWrites.values()) this.giveUp(p.client);
    for (const p of n.pendingReads.values()) p.client.busyUntil = undefined;
    n.pendingWrites.clear();
    n.pendingReads.clear();
  }

  private giveUp(c: Client): void {
    c.busyUntil = undefined;
    c.cancel = undefined;
  }

  run(): SimStats {
    const end = this.cfg.faultMs + this.cfg.healMs;
    for (this.now = 0; this.now < end; this.now++) {
      if (this.now === this.cfg.faultMs) this.heal();
      if (this.faultsOn) this.injectFaults();
      this.deliver();
      for (const n of this.nodes) if (n.raft && (this.now + n.phase) % n.period === 0) n.raft.tick();
      this.runClients();
      for (const n of this.nodes) {
        // Readies are sometimes held back, so unsynced state lingers and crashes can lose it.
        if (n.raft && (!this.faultsOn || this.rng() < 0.7)) this.processReady(n);
      }
      this.checkInvariants();
    }
    if (this.firstAckAfterHeal < 0) this.fail(`liveness: no write was acknowledged within ${this.cfg.healMs}ms after healing`);
    this.checkConvergence();
    // Every acknowledged write is still in the log of every node that has committed past it (or is
    // folded into its snapshot).
    for (const n of this.nodes) {
      const log = n.raft?.log;
      if (!log) continue;
      for (const a of this.acked) {
        if (a.index > log.offset && a.index <= log.committed && log.term(a.index) !== a.term) {
          this.fail(`acknowledged write at index ${a.index} term ${a.term} is missing from ${n.id}`);
        }
      }
    }
    const lin = checkLinearizable(this.history);
    if (lin.ok === false) {
      const ops = lin.ops
        .map((o) => `  #${o.id} [${o.call}..${o.ret}] ${JSON.stringify(o.op)} -> ${JSON.stringify(o.out)}`)
        .join('\n');
      this.fail(`history is not linearizable for key ${lin.key}:\n${ops}`);
    }
    this.stats.linearizable = lin.ok;
    return this.stats;
  }

  // ---- faults ----

  private heal(): void {
    this.faultsOn = false;
    this.blocked.clear();
    this.dropRate = 0;
    this.dupRate = 0;
    for (const n of this.nodes) {
      n.tornCrash = false;
      if (!n.raft) this.start(n);
    }
    this.healedAt = this.now;
    this.log('HEAL');
  }

  private injectFaults(): void {
    const r = this.rng;
    if (this.blocked.size > 0 && this.now >= this.healAt) {
      this.blocked.clear();
      this.log('partition healed');
    }
    if (this.blocked.size === 0 && r() < 0.004) {
      const ids = this.nodes.map((n) => n.id);
      const kind = r();
      if (kind < 0.5) {
        // symmetric split into two sides
        const side = new Set(ids.filter(() => r() < 0.5));
        for (const a of ids) for (const b of ids) if (side.has(a) !== side.has(b)) this.blocked.add(`${a}>${b}`);
        this.log(`partition ${[...side].join(',')} | rest`);
      } else if (kind < 0.8) {
        // asymmetric: one node can send but not receive (or the reverse)
        const x = ids[Math.floor(r() * ids.length)];
        const inbound = r() < 0.5;
        for (const o of ids) if (o !== x) this.blocked.add(inbound ? `${o}>${x}` : `${x}>${o}`);
        this.log(`one-way partition: ${x} ${inbound ? 'cannot receive' : 'cannot send'}`);
      } else {
        // isolate the leader
        const lead = this.currentLeader();
        if (lead) for (const o of ids) if (o !== lead.id) this.blocked.add(`${o}>${lead.id}`).add(`${lead.id}>${o}`);
        this.log(`isolate leader ${lead?.id}`);
      }
      this.healAt = this.now + 100 + Math.floor(r() * 800);
    }
    for (const n of this.nodes) {
      if (n.raft && r() < 0.0004) {
        if (r() < 0.5) n.tornCrash = true;
        else this.crash(n);
      } else if (!n.raft && this.now >= n.downUntil) {
        this.start(n);
      }
    }
    if (this.cfg.unreachableHints && this.hintRng() < 0.002) {
      // A link glitch: one node is told a live peer is unreachable (possibly its leader).
      const a = this.nodes[Math.floor(this.hintRng() * this.nodes.length)];
      const b = this.nodes[Math.floor(this.hintRng() * this.nodes.length)];
      if (a !== b && a.raft) this.hint(a.id, b.id);
    }
    if (r() < 0.003) this.membershipChange();
    if (r() < 0.0005) {
      const lead = this.currentLeader();
      const voters = lead?.raft!.conf().voters.filter((v) => v !== lead.id) ?? [];
      if (lead && voters.length) {
        const to = voters[Math.floor(r() * voters.length)];
        this.log(`transfer leadership ${lead.id} -> ${to}`);
        lead.raft!.transferLeadership(to);
      }
    }
  }

  private membershipChange(): void {
    const lead = this.currentLeader();
    if (!lead) return;
    const raft = lead.raft!;
    const conf = raft.conf();
    const all = this.nodes.map((n) => n.id);
    const spare = all.filter((id) => !conf.voters.includes(id) && !conf.learners.includes(id));
    const r = this.rng();
    try {
      let cc: Parameters<Raft['proposeConfChange']>[0] | undefined;
      if (conf.learners.length && r < 0.5) cc = { type: 'addVoter', node: conf.learners[0] };
      else if (spare.length && conf.voters.length < 5 && r < 0.8) cc = { type: 'addLearner', node: spare[0] };
      else if (conf.voters.length > 3) cc = { type: 'removeNode', node: conf.voters[Math.floor(this.rng() * conf.voters.length)] };
      else if (spare.length && r < 0.9) cc = { type: 'addVoter', node: spare[0] };
      if (!cc) return;
      raft.proposeConfChange(cc);
      this.stats.confChanges++;
      this.log(`${lead.id} propose conf ${JSON.stringify(cc)}`);
    } catch (e) {
      if (!(e instanceof ProposalDroppedError || e instanceof ConfigError || e instanceof NotLeaderError)) throw e;
    }
  }

  private currentLeader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes) {
      if (n.raft?.state === StateType.Leader && (!best || n.raft.term > best.raft!.term)) best = n;
    }
    return best;
  }

  // ---- network ----

  private sendAll(from: SimNode, msgs: Message[]): void {
    for (const m of msgs) {
      this.stats.messages++;
      if (m.type === MessageType.Snap) {
        // The driver attaches the stored snapshot's bytes.
        const s = from.disk.snap;
        if (!s || s.meta.index !== m.snapshot!.meta.index) this.fail(`${from.id} sends snapshot ${m.snapshot!.meta.index} but stores ${s?.meta.index}`);
        m.snapshot = { meta: s.meta, data: s.data };
        this.stats.snapshotsSent++;
      }
      if (this.rng() < this.dropRate) {
        if (m.type === MessageType.Snap) this.schedule({ ...m, type: MessageType.SnapStatus, to: m.from, from: m.to, term: 0, reject: true }, 1);
        continue;
      }
      this.schedule(m, 1 + Math.floor(this.rng() * this.maxDelay));
      if (this.rng() < this.dupRate) this.schedule(m, 1 + Math.floor(this.rng() * this.maxDelay * 3));
    }
  }

  /** `to` hears from its transport that `peer` is unreachable, a little later. */
  private hint(to: string, peer: string): void {
    this.log(`hint ${to}: ${peer} unreachable`);
    this.schedule({ type: MessageType.Unreachable, from: peer, to, term: 0 }, 1 + Math.floor(this.hintRng() * this.maxDelay));
  }

  private schedule(m: Message, delay: number): void {
    const at = this.now + delay;
    const list = this.inflight.get(at) ?? [];
    list.push(m);
    this.inflight.set(at, list);
  }

  private deliver(): void {
    const list = this.inflight.get(this.now);
    if (!list) return;
    this.inflight.delete(this.now);
    for (const m of list) {
      const to = this.byId.get(m.to);
      if (!to?.raft) {
        if (m.type === MessageType.Snap) this.reportSnap(m, false);
        continue;
      }
      if (m.term !== 0 && this.blocked.has(`${m.from}>${m.to}`)) {
        if (m.type === MessageType.Snap) this.reportSnap(m, false);
        continue;
      }
      if (m.type === MessageType.Snap) this.reportSnap(m, true);
      to.raft.step(m);
    }
  }

  private reportSnap(m: Message, ok: boolean): void {
    this.schedule({ type: MessageType.SnapStatus, from: m.to, to: m.from, term: 0, reject: !ok }, 1);
  }

  // ---- the driver loop, as RaftNode does it ----

  private processReady(n: SimNode): void {
    const raft = n.raft!;
    for (let round = 0; round < 3 && raft.hasReady(); round++) {
      const rd = raft.ready();
      const d = n.disk;
      // As RaftNode does: a leader whose term and vote are on disk sends appends before its own write.
      let rest = rd.messages;
      if (raft.state === StateType.Leader && raft.conf().voters.length > 1 && !rd.snapshot && (!rd.hardState || (rd.hardState.term === d.hs.term && rd.hardState.vote === d.hs.vote))) {
        this.sendAll(
          n,
          rd.messages.filter((m) => m.type === MessageType.App),
        );
        rest = rd.messages.filter((m) => m.type !== MessageType.App);
      }
      if (n.tornCrash) {
        // As RaftNode does, committed entries already on disk are applied (and acknowledged) while
        // the write is in flight; then the crash: a prefix of the entries reaches disk, nothing else.
        if (!rd.snapshot) {
          const firstNew = rd.entries.length ? rd.entries[0].index : Infinity;
          for (const e of rd.committedEntries) if (e.index < firstNew) this.applyEntry(n, e);
        }
        const k = Math.floor(this.rng() * (rd.entries.length + 1));
        // RaftNode installs a snapshot (atomically) before it appends the entries that follow it, so
        // entries on disk imply the snapshot is there too.
        if (k > 0 && rd.snapshot) {
          d.snap = rd.snapshot;
          d.entries = [];
        }
        if (k > 0) this.persistEntries(d, rd.entries.slice(0, k));
        this.log(`${n.id} torn write ${k}/${rd.entries.length}`);
        this.crash(n);
        return;
      }
      // 1. persist
      if (rd.snapshot) {
        d.snap = rd.snapshot;
        d.entries = [];
      }
      for (const e of rd.entries) {
        const key = `${e.index}:${e.term}`;
        const prev = e.index === 1 ? 0 : raft.log.term(e.index - 1);
        const ident = `${prev}|${e.type}|${Buffer.from(e.data).toString('base64')}`;
        const seen = this.entryIdentity.get(key);
        if (seen === undefined) this.entryIdentity.set(key, ident);
        else if (seen !== ident) this.fail(`log matching: two different entries at index ${e.index} term ${e.term}`);
      }
      this.persistEntries(d, rd.entries);
      if (rd.hardState) d.hs = { ...rd.hardState };
      // 2. send
      this.sendAll(n, rest);
      // 3. apply
      if (rd.snapshot) {
        n.kv.restore(rd.snapshot.data!);
        n.applied = n.lastSnapIndex = rd.snapshot.meta.index;
        for (const [idx, p] of n.pendingWrites) {
          if (idx <= n.applied) {
            n.pendingWrites.delete(idx);
            this.giveUp(p.client);
          }
        }
        this.log(`${n.id} restored snapshot ${n.applied}`);
      }
      for (const e of rd.committedEntries) this.applyEntry(n, e);
      for (const rs of rd.readStates) {
        const p = n.pendingReads.get(rs.context);
        if (p) p.index = rs.index;
      }
      raft.advance();
      this.serveReads(n);
    }
    // Snapshot and compact now and then, keeping a few trailing entries.
    if (n.applied - n.lastSnapIndex >= 20 + Math.floor(this.rng() * 60)) {
      const meta = raft.snapshotMeta();
      n.disk.snap = { meta, data: n.kv.snapshot() };
      const compactTo = Math.max(0, meta.index - Math.floor(this.rng() * 10));
      n.disk.entries = n.disk.entries.filter((e) => e.index > compactTo);
      raft.compact(meta, compactTo);
      n.lastSnapIndex = meta.index;
      this.stats.snapshots++;
    }
  }

  private persistEntries(d: Disk, ents: Entry[]): void {
    if (!ents.length) return;
    const first = ents[0].index;
    while (d.entries.length && d.entries[d.entries.length - 1].index >= first) d.entries.pop();
    for (const e of ents) d.entries.push(e);
  }

  private applyEntry(n: SimNode, e: Entry): void {
    if (e.index !== n.applied + 1) this.fail(`${n.id} applies ${e.index} after ${n.applied}`);
    const ident = `${e.term}|${Buffer.from(e.data).toString('base64')}`;
    const seen = this.appliedIdentity.get(e.index);
    if (seen === undefined) this.appliedIdentity.set(e.index, ident);
    else if (seen !== ident) this.fail(`state machine safety: ${n.id} applies a different entry at index ${e.index}`);
    n.applied = e.index;
    let result: KvResult | undefined;
    if (e.type === EntryType.Normal && e.data.length) {
      const cmd = JSON.parse(dec.decode(e.data)) as { op: KvOp };
      result = n.kv.apply(cmd.op);
    }
    const p = n.pendingWrites.get(e.index);
    if (p) {
      n.pendingWrites.delete(e.index);
      if (p.term === e.term) {
        p.hop.ret = this.stamp();
        p.hop.out = result;
        this.stats.ackedWrites++;
        this.acked.push({ index: e.index, term: e.term });
        if (this.healedAt >= 0 && this.firstAckAfterHeal < 0 && p.hop.call >= this.healedAt * 10000) this.firstAckAfterHeal = this.now;
      } else {
        // Another entry won this index: the proposal definitely did not happen.
        const i = this.history.indexOf(p.hop);
        if (i >= 0) this.history.splice(i, 1);
      }
      this.giveUp(p.client);
    }
  }

  private serveReads(n: SimNode): void {
    for (const [ctx, p] of n.pendingReads) {
      if (p.index !== undefined && n.applied >= p.index) {
        n.pendingReads.delete(ctx);
        p.hop.ret = this.stamp();
        p.hop.out = n.kv.apply(p.hop.op);
        this.history.push(p.hop);
        this.stats.reads++;
        this.giveUp(p.client);
      }
    }
  }

  // ---- clients ----

  private runClients(): void {
    for (const c of this.clients) {
      if (c.busyUntil !== undefined) {
        if (this.now < c.busyUntil) continue;
        // Timed out: a write's outcome stays unknown (ret = Infinity), a read is forgotten.
        c.cancel?.();
        this.giveUp(c);
        c.target = undefined;
      }
      if (this.rng() > 0.05) continue;
      const up = this.nodes.filter((n) => n.raft);
      let n = c.target && this.rng() > 0.03 ? this.byId.get(c.target) : undefined;
      if (!n?.raft) n = up[Math.floor(this.rng() * up.length)];
      if (!n) continue;
      c.target = n.id;
      const key = `k${Math.floor(this.rng() * 3)}`;
      const id = this.nextOp++;
      const kind = this.rng();
      const op: KvOp =
        kind < 0.4
          ? { k: 'get', key }
          : kind < 0.75
            ? { k: 'put', key, value: `v${id}` }
            : { k: 'cas', key, from: this.rng() < 0.3 ? null : `v${Math.max(1, id - 1 - Math.floor(this.rng() * 6))}`, to: `v${id}` };
      const hop: HistoryOp = { id, call: this.stamp(), ret: Infinity, op };
      if (op.k === 'get') {
        const ctx = `r${id}`;
        n.pendingReads.set(ctx, { hop, client: c });
        n.raft!.readIndex(ctx);
        c.busyUntil = this.now + 50 + Math.floor(this.rng() * 400);
        c.cancel = () => n.pendingReads.delete(ctx);
      } else {
        try {
          const cmd = enc.encode(JSON.stringify({ c: c.id, id, op }));
          // Both entry points the drivers use: single proposals and group-commit batches.
          const r = this.rng() < 0.5 ? n.raft!.propose(cmd) : n.raft!.proposeBatch([cmd])[0];
          this.history.push(hop);
          n.pendingWrites.set(r.index, { term: r.term, hop, client: c });
          c.busyUntil = this.now + 100 + Math.floor(this.rng() * 900);
          c.cancel = () => {
            n.pendingWrites.delete(r.index);
            this.stats.unknownWrites++;
          };
        } catch (e) {
          if (!(e instanceof NotLeaderError || e instanceof ProposalDroppedError)) throw e;
          c.target = e instanceof NotLeaderError && e.leader ? e.leader : undefined;
        }
      }
    }
  }

  // ---- invariants ----

  private checkInvariants(): void {
    for (const n of this.nodes) {
      const raft = n.raft;
      if (!raft) continue;
      if (raft.term > this.stats.maxTerm) this.stats.maxTerm = raft.term;
      // Commit agreement: any index a node calls committed holds the same term everywhere. Only what
      // the node has persisted counts: a leader's own ack is real once its Ready is on disk, and nothing
      // (apply, messages carrying the commit index) leaves the node before that.
      const log = raft.log;
      const from = Math.max(this.committedSeen.get(n.id) ?? 0, log.offset) + 1;
      const upTo = Math.min(log.committed, log.stable);
      for (let i = from; i <= upTo; i++) {
        const t = log.term(i)!;
        const known = this.committedTerm[i];
        if (known === undefined) {
          if (i !== this.committedTerm.length) {
            // A gap: fill what we can later; record sparsely.
            this.committedTerm[i] = t;
          } else this.committedTerm.push(t);
        } else if (known !== t) this.fail(`${n.id} has committed index ${i} at term ${t}, another node at term ${known}`);
      }
      this.committedSeen.set(n.id, Math.max(upTo, this.committedSeen.get(n.id) ?? 0));
      if (raft.state === StateType.Leader) {
        // Election safety.
        const l = this.leaderOfTerm.get(raft.term);
        if (l === undefined) {
          this.leaderOfTerm.set(raft.term, n.id);
          this.stats.leaders++;
          this.log(`${n.id} leader term ${raft.term} last=${log.lastIndex()}`);
        } else if (l !== n.id) this.fail(`election safety: ${l} and ${n.id} both lead term ${raft.term}`);
        // Leader completeness: a new leader holds every entry committed so far.
        if (this.wasLeader.get(n.id) !== raft.term) {
          this.wasLeader.set(n.id, raft.term);
          for (let i = log.offset + 1; i < this.committedTerm.length; i++) {
            const t = this.committedTerm[i];
            if (t !== undefined && log.term(i) !== t) {
              this.fail(`leader completeness: leader ${n.id} (term ${raft.term}) has term ${log.term(i)} at committed index ${i} (want ${t})`);
            }
          }
        }
      }
    }
  }

  private checkConvergence(): void {
    const up = this.nodes.filter((n) => n.raft);
    const voters = new Set(this.currentLeader()?.raft!.conf().voters ?? []);
    let max = 0;
    for (const n of up) max = Math.max(max, n.applied);
    for (const n of up) {
      if (!voters.has(n.id) || n.applied !== max) continue;
      for (const m of up) {
        if (!voters.has(m.id) || m.applied !== max) continue;
        const a = JSON.stringify([...n.kv.data].sort());
        const b = JSON.stringify([...m.kv.data].sort());
        if (a !== b) this.fail(`state machines diverge at applied ${max}: ${n.id}=${a} ${m.id}=${b}`);
      }
    }
  }

  describeMessages(msgs: Message[]): string {
    return msgs.map((m) => `${m.from}->${m.to} ${MessageTypeName[m.type]} t${m.term}`).join(', ');
  }
}

export function runSeed(seed: number, opts: Partial<SimConfig> = {}): SimStats {
  return new Simulation({ seed, ...opts }).run();
}
