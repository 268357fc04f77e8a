import { NotLeaderError, ProposalDroppedError, ProposalLostError, TimeoutError } from '../../src/errors.js';
import type { RaftLogger } from '../../src/logger.js';
import { Raft } from '../../src/raft.js';
import { RaftNode } from '../../src/raft-node.js';
import { seededRandom, type RandomSource } from '../../src/random.js';
import { StateType, type Entry, type NodeId } from '../../src/types.js';
import type { KvOp, KvResult } from './kv.js';
import { checkLinearizable, type HistoryOp } from '@conclave/linearizability';
import { drainMicrotasks, Scheduler } from './scheduler.js';
import { SimFsm } from './sim-fsm.js';
import { SimNetwork } from './sim-network.js';
import { SimStorage, type Disk } from './sim-storage.js';

/**
 * A deterministic cluster simulator. Each node is the production driver, RaftNode, unchanged: the
 * simulator only supplies what RaftNode takes as options — a virtual clock (1 ms steps, per-node
 * drift), a seeded random source, a simulated disk whose writes take time and which crashes lose or
 * tear, and a network that drops, delays, duplicates, reorders and partitions (also one way) and
 * reports a dropped connection when a peer's process dies. One seeded PRNG drives the faults, the
 * restarts, membership changes, leadership transfers and clients. Invariants are checked after every step.
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
  /** Transport hints (default on): peers of a crashed node are told its connection dropped, as a reset
   * socket tells a real transport, and now and then a live peer is wrongly reported unreachable (a broken link). */
  unreachableHints?: boolean;
  /** Clock drift: each node's clock runs at 10/(10 + 0..drift) of virtual time. */
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
  /** Campaigns the driver started on the dead-leader hint (its hint path ran, on the virtual clock). */
  hintCampaigns: number;
  messages: number;
  linearizable: boolean | 'unknown';
}

export class SimFailure extends Error {}

/** The production driver; the subclass only reads the core, to check invariants. */
class SimRaftNode extends RaftNode {
  get core(): Raft | undefined {
    return this.raft;
  }
}

/** One run of a node's process, from start to crash. */
interface Incarnation {
  node: SimRaftNode;
  fsm: SimFsm;
  storage: SimStorage;
  dead: boolean;
  /** Clients waiting on this process: they give up when it dies. */
  waiting: Set<Client>;
}

interface Client {
  id: number;
  /** The node this client believes leads: clients cache it, as real ones do, and so reach stale leaders. */
  target?: string;
  busyUntil?: number;
  /** Called when the client stops waiting (timeout). */
  cancel?: () => void;
  req?: { done: boolean; inc: Incarnation };
}

const TICK_MS = 10;
const ELECTION_TICK = 10;
const enc = new TextEncoder();

class SimNode {
  inc: Incarnation | undefined;
  downUntil = 0;
  constructor(
    readonly id: string,
    readonly disk: Disk,
    /** Clock scale: its tick period over TICK_MS. */
    readonly scale: number,
  ) {}
  get up(): boolean {
    return this.inc !== undefined && !this.inc.dead;
  }
  get core(): Raft | undefined {
    return this.up ? this.inc!.node.core : undefined;
  }
}

export class Simulation {
  readonly rng: RandomSource;
  private readonly hintRng: RandomSource;
  private cfg: Required<SimConfig>;
  private readonly sched = new Scheduler();
  private readonly net: SimNetwork;
  private nodes: SimNode[] = [];
  private byId = new Map<string, SimNode>();
  private healAt = 0;
  private faultsOn = true;
  private clients: Client[] = [];
  private nextOp = 1;
  private seq = 0;
  readonly history: HistoryOp[] = [];
  private trace: string[] = [];
  private failure: SimFailure | undefined;
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
    // Its own stream, so that turning hints off changes nothing else a seed draws.
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
      hintCampaigns: 0,
      messages: 0,
      linearizable: true,
    };
    this.net = new SimNetwork(this.sched, this.rng);
    // Each seed draws its own network weather.
    this.net.dropRate = this.rng() * 0.15;
    this.net.dupRate = this.rng() * 0.05;
    this.net.maxDelay = 1 + Math.floor(this.rng() * 25);
    const ids = Array.from({ length: this.cfg.nodes }, (_, i) => `n${i + 1}`);
    const boot = Raft.bootstrap(ids.slice(0, this.cfg.voters));
    for (const [i, id] of ids.entries()) {
      const disk: Disk = i < this.cfg.voters ? { hs: { ...boot.hardState }, entries: [...boot.entries] } : { entries: [] };
      const n = new SimNode(id, disk, (TICK_MS + Math.floor(this.rng() * (this.cfg.drift + 1))) / TICK_MS);
      this.nodes.push(n);
      this.byId.set(id, n);
      // Staggered starts, so the nodes' ticks are out of phase.
      this.sched.at(Math.floor(this.rng() * TICK_MS), () => this.start(n));
    }
    for (let c = 0; c < this.cfg.clients; c++) this.clients.push({ id: c });
  }

  private log(s: string): void {
    if (this.cfg.traceSize <= 0) return;
    this.trace.push(`${this.sched.now}ms ${s}`);
    if (this.trace.length > this.cfg.traceSize) this.trace.shift();
  }

  /** Records the first failure (it may be thrown inside the driver, which would only log it) and throws it. */
  private fail(msg: string): never {
    this.failure ??= new SimFailure(`seed ${this.cfg.seed} at ${this.sched.now}ms: ${msg}\n--- last events ---\n${this.trace.join('\n')}`);
    throw this.failure;
  }

  private stamp(): number {
    return this.sched.now * 10000 + (this.seq++ % 10000);
  }

  private logger(id: string): RaftLogger {
    const line = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
      if (msg.startsWith('campaigning')) this.stats.hintCampaigns++;
      this.log(`${id} ${level} ${msg} ${fields ? JSON.stringify(fields) : ''}`);
    };
    return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
  }

  private start(n: SimNode): void {
    if (n.up) return;
    const r = this.rng;
    let inc: Incarnation | undefined;
    const alive = () => inc !== undefined && !inc.dead;
    const storage = new SimStorage(n.disk, this.sched, {
      // Writes in flight are how unsynced state lingers (and how crashes lose or tear it).
      latency: () => (this.faultsOn ? 1 + Math.floor(r() * 8) : 1),
      appending: (ents, disk) => this.checkLogMatching(ents, disk),
      snapshotSaved: () => this.stats.snapshots++,
    });
    const fsm = new SimFsm((e, before) => this.checkApply(n.id, e, before));
    const node = new SimRaftNode({
      id: n.id,
      storage,
      transport: this.net.transport(n.id, alive),
      fsm,
      clock: this.sched.clock(n.scale, alive),
      random: seededRandom(Math.floor(r() * 2 ** 31)),
      tickMs: TICK_MS,
      electionTicks: ELECTION_TICK,
      heartbeatTicks: 1,
      readOnly: this.cfg.readOnly,
      checkQuorum: this.cfg.checkQuorum,
      preVote: this.cfg.preVote,
      maxInflightMsgs: 1 + Math.floor(r() * 8),
      maxEntriesPerMsg: 1 + Math.floor(r() * 20),
      maxSizePerMsg: r() < 0.5 ? 1 << 20 : 16 + Math.floor(r() * 200),
      maxCommittedPerReady: r() < 0.5 ? 4096 : 1 + Math.floor(r() * 5),
      // Snapshot and compact often, keeping a few trailing entries, so followers need snapshots.
      snapshotThreshold: 20 + Math.floor(r() * 60),
      trailingLogs: Math.floor(r() * 10),
      proposeTimeoutMs: 300 + Math.floor(r() * 1500),
      readTimeoutMs: 200 + Math.floor(r() * 800),
      logger: this.logger(n.id),
    });
    inc = { node, fsm, storage, dead: false, waiting: new Set() };
    n.inc = inc;
    node.on('error', (e: Error) => {
      if (!alive()) return;
      try {
        this.fail(`${n.id} stopped on an error: ${e instanceof SimFailure ? e.message : e.stack}`);
      } catch {
        /* recorded; run() throws it */
      }
    });
    node.on('state', (s: StateType) => this.log(`${n.id} is ${s}`));
    const d = n.disk;
    this.log(`${n.id} start term=${d.hs?.term ?? 0} commit=${d.hs?.commit ?? 0} entries=${d.entries.length} snap=${d.snap?.meta.index ?? 0}`);
    node.start().catch((e: Error) => {
      try {
        this.fail(`${n.id} failed to start: ${e.stack}`);
      } catch {
        /* recorded */
      }
    });
  }

  private crash(n: SimNode, torn: boolean): void {
    const inc = n.inc;
    if (!inc || inc.dead) return;
    inc.dead = true;
    this.stats.crashes++;
    this.net.down(n.id);
    const w = inc.storage.crash((len) => (torn ? Math.floor(this.rng() * (len + 1)) : 0));
    this.log(`${n.id} CRASH${w ? ` with a write of ${w.of} entries in flight, ${w.kept} kept` : ''}`);
    if (this.cfg.unreachableHints) {
      // Its peers' connections to it reset: each transport reports it, a little later.
      for (const o of this.nodes) if (o !== n && o.up) this.hint(o.id, n.id);
    }
    n.downUntil = this.sched.now + 50 + Math.floor(this.rng() * 600);
    for (const c of inc.waiting) this.finish(c);
    inc.waiting.clear();
  }

  /** The client stops waiting for its request; false if it already had. */
  private finish(c: Client): boolean {
    const req = c.req;
    if (!req || req.done) return false;
    req.done = true;
    req.inc.waiting.delete(c);
    c.req = undefined;
    c.busyUntil = undefined;
    c.cancel = undefined;
    return true;
  }

  async run(): Promise<SimStats> {
    const end = this.cfg.faultMs + this.cfg.healMs;
    for (this.sched.now = 0; this.sched.now < end; this.sched.now++) {
      if (this.sched.now === this.cfg.faultMs) this.heal();
      if (this.faultsOn) this.injectFaults();
      this.sched.runDue();
      this.runClients();
      // The drivers run here: every continuation of what this millisecond delivered, fired or completed.
      await drainMicrotasks();
      if (this.failure) throw this.failure;
      this.checkInvariants();
    }
    if (this.firstAckAfterHeal < 0) this.fail(`liveness: no write was acknowledged within ${this.cfg.healMs}ms after healing`);
    this.checkConvergence();
    // Every acknowledged write is still in the log of every node that has committed past it (or is
    // folded into its snapshot).
    for (const n of this.nodes) {
      const log = n.core?.log;
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
    this.stats.messages = this.net.messages;
    this.stats.snapshotsSent = this.net.snapshotsSent;
    return this.stats;
  }

  // ---- faults ----

  private heal(): void {
    this.faultsOn = false;
    this.net.blocked.clear();
    this.net.dropRate = 0;
    this.net.dupRate = 0;
    for (const n of this.nodes) if (!n.up) this.start(n);
    this.healedAt = this.sched.now;
    this.log('HEAL');
  }

  private injectFaults(): void {
    const r = this.rng;
    const now = this.sched.now;
    const blocked = this.net.blocked;
    if (blocked.size > 0 && now >= this.healAt) {
      blocked.clear();
      this.log('partition healed');
    }
    if (blocked.size === 0 && r() < 0.004) {
      const ids = this.nodes.map((n) => n.id);
      const kind = r();
      if (kind < 0.5) {
        // symmetric split into two sides
        const side = new Set(ids.filter(() => r() < 0.5));
        for (const a of ids) for (const b of ids) if (side.has(a) !== side.has(b)) blocked.add(`${a}>${b}`);
        this.log(`partition ${[...side].join(',')} | rest`);
      } else if (kind < 0.8) {
        // asymmetric: one node can send but not receive (or the reverse)
        const x = ids[Math.floor(r() * ids.length)];
        const inbound = r() < 0.5;
        for (const o of ids) if (o !== x) blocked.add(inbound ? `${o}>${x}` : `${x}>${o}`);
        this.log(`one-way partition: ${x} ${inbound ? 'cannot receive' : 'cannot send'}`);
      } else {
        // isolate the leader
        const lead = this.currentLeader();
        if (lead) for (const o of ids) if (o !== lead.id) blocked.add(`${o}>${lead.id}`).add(`${lead.id}>${o}`);
        this.log(`isolate leader ${lead?.id}`);
      }
      this.healAt = now + 100 + Math.floor(r() * 800);
    }
    for (const n of this.nodes) {
      if (n.up && r() < 0.0004) this.crash(n, r() < 0.5);
      else if (!n.up && n.inc && now >= n.downUntil) this.start(n);
    }
    if (this.cfg.unreachableHints && this.hintRng() < 0.002) {
      // A link glitch: one node is told a live peer is unreachable (possibly its leader).
      const a = this.nodes[Math.floor(this.hintRng() * this.nodes.length)];
      const b = this.nodes[Math.floor(this.hintRng() * this.nodes.length)];
      if (a !== b && a.up) this.hint(a.id, b.id);
    }
    if (r() < 0.003) this.membershipChange();
    if (r() < 0.0005) {
      const lead = this.currentLeader();
      const voters = lead?.inc!.node.configuration().voters.filter((v) => v !== lead.id) ?? [];
      if (lead && voters.length) {
        const to = voters[Math.floor(r() * voters.length)];
        this.log(`transfer leadership ${lead.id} -> ${to}`);
        lead.inc!.node.transferLeadership(to);
      }
    }
  }

  /** `to`'s transport reports `peer` unreachable, a little later. */
  private hint(to: string, peer: string): void {
    this.log(`hint ${to}: ${peer} unreachable`);
    this.net.unreachable(to, peer, 1 + Math.floor(this.hintRng() * this.net.maxDelay));
  }

  private membershipChange(): void {
    const lead = this.currentLeader();
    if (!lead) return;
    const node = lead.inc!.node;
    const conf = node.configuration();
    const all = this.nodes.map((n) => n.id);
    const spare = all.filter((id) => !conf.voters.includes(id) && !conf.learners.includes(id));
    const r = this.rng();
    let change: [string, NodeId, () => Promise<unknown>] | undefined;
    if (conf.learners.length && r < 0.5) change = ['addVoter', conf.learners[0], () => node.addVoter(conf.learners[0])];
    else if (spare.length && conf.voters.length < 5 && r < 0.8) change = ['addLearner', spare[0], () => node.addLearner(spare[0])];
    else if (conf.voters.length > 3) {
      const v = conf.voters[Math.floor(this.rng() * conf.voters.length)];
      change = ['removeServer', v, () => node.removeServer(v)];
    } else if (spare.length && r < 0.9) change = ['addVoter', spare[0], () => node.addVoter(spare[0])];
    if (!change) return;
    this.log(`${lead.id} ${change[0]} ${change[1]}`);
    // Refused (another change pending, not leader any more) or timed out: the faults go on either way.
    change[2]().then(
      () => this.stats.confChanges++,
      () => undefined,
    );
  }

  private currentLeader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes) {
      const c = n.core;
      if (c?.state === StateType.Leader && (!best || c.term > best.core!.term)) best = n;
    }
    return best;
  }

  // ---- clients ----

  private runClients(): void {
    const now = this.sched.now;
    for (const c of this.clients) {
      if (c.busyUntil !== undefined) {
        if (now < c.busyUntil) continue;
        // Timed out: a write's outcome stays unknown (ret = Infinity), a read is forgotten.
        c.cancel?.();
        this.finish(c);
        c.target = undefined;
      }
      if (this.rng() > 0.05) continue;
      const up = this.nodes.filter((n) => n.core);
      let n = c.target && this.rng() > 0.03 ? this.byId.get(c.target) : undefined;
      if (!n?.core) n = up[Math.floor(this.rng() * up.length)];
      if (!n) continue;
      c.target = n.id;
      const inc = n.inc!;
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
      c.req = { done: false, inc };
      inc.waiting.add(c);
      if (op.k === 'get') {
        c.busyUntil = now + 50 + Math.floor(this.rng() * 400);
        inc.node.readBarrier().then(
          () => {
            if (!this.finish(c)) return;
            hop.ret = this.stamp();
            hop.out = inc.fsm.kv.apply(op);
            this.history.push(hop);
            this.stats.reads++;
          },
          () => {
            if (this.finish(c)) c.target = undefined;
          },
        );
      } else {
        const cmd = enc.encode(JSON.stringify({ c: c.id, id, op }));
        this.history.push(hop);
        c.busyUntil = now + 100 + Math.floor(this.rng() * 900);
        c.cancel = () => this.stats.unknownWrites++;
        inc.node.propose(cmd).then(
          (res) => {
            if (!this.finish(c)) return;
            hop.ret = this.stamp();
            hop.out = res.result as KvResult;
            this.stats.ackedWrites++;
            this.acked.push({ index: res.index, term: res.term });
            if (this.healedAt >= 0 && this.firstAckAfterHeal < 0 && hop.call >= this.healedAt * 10000) this.firstAckAfterHeal = this.sched.now;
          },
          (e: Error) => {
            if (!this.finish(c)) return;
            if (e instanceof NotLeaderError) c.target = e.leader || undefined;
            if (didNotHappen(e)) {
              // The driver says so: the linearizability check would catch it if the write did happen.
              const i = this.history.indexOf(hop);
              if (i >= 0) this.history.splice(i, 1);
            } else this.stats.unknownWrites++;
          },
        );
      }
    }
  }

  // ---- invariants ----

  /** Log matching: every (index, term) written anywhere has one identity, its predecessor's term included. */
  private checkLogMatching(ents: Entry[], disk: Disk): void {
    for (const [i, e] of ents.entries()) {
      const prev = e.index === 1 ? 0 : i > 0 ? ents[i - 1].term : termOnDisk(disk, e.index - 1);
      if (prev === undefined) continue; // its predecessor is compacted away: nothing to compare
      const ident = `${prev}|${e.type}|${Buffer.from(e.data).toString('base64')}`;
      const key = `${e.index}:${e.term}`;
      const seen = this.entryIdentity.get(key);
      if (seen === undefined) this.entryIdentity.set(key, ident);
      else if (seen !== ident) this.fail(`log matching: two different entries at index ${e.index} term ${e.term}`);
    }
  }

  /** In-order apply and state machine safety: one entry per index, on every node. */
  private checkApply(id: string, e: { index: number; term: number; data: Uint8Array }, before: number): void {
    if (e.index <= before) this.fail(`${id} applies ${e.index} after ${before}`);
    const ident = `${e.term}|${Buffer.from(e.data).toString('base64')}`;
    const seen = this.appliedIdentity.get(e.index);
    if (seen === undefined) this.appliedIdentity.set(e.index, ident);
    else if (seen !== ident) this.fail(`state machine safety: ${id} applies a different entry at index ${e.index}`);
  }

  private checkInvariants(): void {
    for (const n of this.nodes) {
      const raft = n.core;
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
    const up = this.nodes.filter((n) => n.core);
    const voters = new Set(this.currentLeader()?.inc!.node.configuration().voters ?? []);
    const applied = (n: SimNode) => n.inc!.node.appliedIndex();
    let max = 0;
    for (const n of up) max = Math.max(max, applied(n));
    for (const n of up) {
      if (!voters.has(n.id) || applied(n) !== max) continue;
      for (const m of up) {
        if (!voters.has(m.id) || applied(m) !== max) continue;
        const a = JSON.stringify([...n.inc!.fsm.kv.data].sort());
        const b = JSON.stringify([...m.inc!.fsm.kv.data].sort());
        if (a !== b) this.fail(`state machines diverge at applied ${max}: ${n.id}=${a} ${m.id}=${b}`);
      }
    }
  }
}

function termOnDisk(d: Disk, index: number): number | undefined {
  for (let i = d.entries.length - 1; i >= 0; i--) if (d.entries[i].index === index) return d.entries[i].term;
  return d.snap?.meta.index === index ? d.snap.meta.term : undefined;
}

/** Errors after which the driver promises the write was not applied (anything else: outcome unknown). */
function didNotHappen(e: Error): boolean {
  if (e instanceof NotLeaderError || e instanceof ProposalDroppedError) return true;
  if (e instanceof ProposalLostError) return !e.outcomeUnknown;
  return e instanceof TimeoutError && /not appended/.test(e.message);
}

export function runSeed(seed: number, opts: Partial<SimConfig> = {}): Promise<SimStats> {
  return new Simulation({ seed, ...opts }).run();
}
