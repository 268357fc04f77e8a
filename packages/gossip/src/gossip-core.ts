/**
 * The SWIM + Lifeguard state machine. It never touches a socket, a timer or
 * Math.random: the driver (or the simulator) feeds it packets, stream
 * messages and clock readings, and carries out the outputs it queues.
 */
import { Awareness } from './awareness.js';
import { BroadcastQueue } from './broadcast-queue.js';
import { pushPullScale, retransmitLimit, suspicionMinTimeout, validateConfig, type GossipConfig } from './config.js';
import { GossipConfigError, MalformedMessageError, NameConflictError, SizeLimitError } from './errors.js';
import { LamportClock } from './lamport.js';
import {
  COMPOUND_HEADER,
  COMPOUND_PER_MSG,
  MAX_COMPOUND,
  MsgType,
  WireStatus,
  decodePacket,
  decodeStreamMessage,
  encodeMessage,
  encodePacket,
  type AliveMsg,
  type CheckMsg,
  type DeadMsg,
  type AckMsg,
  type LeaveMsg,
  type PacketMessage,
  type PushPullMsg,
  type StateEntry,
  type SuspectMsg,
  type UserMsg,
} from './messages.js';
import { splitHostPort } from './host-port.js';
import { isLive, type Member, type MemberStatus } from './member.js';
import { MemberTable, shareEmpty, type ProbeOrder, type Rec } from './member-table.js';
import { createRng, type Rng } from './rng.js';
import type { SharedRoster } from './shared-roster.js';
import { Suspicion } from './suspicion.js';
import { UserEventDeduplicator, type UserEvent } from './user-events.js';

export type StreamPurpose = 'join' | 'push-pull' | 'reconnect' | 'ping';

/** What the core asks its driver to do. */
export type GossipOutput =
  | { kind: 'packet'; to: string; data: Uint8Array }
  /** Open a TCP stream to `to`, send `data`, hand the reply (or the error) to handleStreamReply(id, …). */
  | { kind: 'stream'; id: number; to: string; data: Uint8Array; timeoutMs: number; purpose: StreamPurpose };

export type GossipEvent =
  | { type: 'join'; member: Member }
  | { type: 'leave'; member: Member }
  | { type: 'fail'; member: Member }
  | { type: 'update'; member: Member }
  | { type: 'suspect'; member: Member; from: string }
  | { type: 'reap'; member: Member }
  | { type: 'user-event'; event: UserEvent }
  /** A query from `from` (this node's own included): answer it with respondQuery(). */
  | { type: 'query'; query: Query }
  /** A query this node already had, sent again straight to it by an origin still missing its answer. */
  | { type: 'query-repeat'; query: Query }
  /** An answer to a query this node sent. */
  | { type: 'query-response'; id: number; node: string; payload: Uint8Array };

/** A query as members receive it. */
export interface Query {
  id: number;
  /** The origin's name and address (answers go there). */
  from: string;
  addr: string;
  name: string;
  payload: Uint8Array;
}

/** Queries remembered per origin to drop the copies gossip brings back. */
const QUERIES_REMEMBERED = 1024;

export interface GossipStats {
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  /** Packets or streams that did not decode (dropped). */
  malformed: number;
  /** Pings addressed to another node name (dropped). */
  misaddressed: number;
  /** Alive messages that claimed a known live name at a different address (dropped). */
  conflicts: number;
  probes: number;
  probeFailures: number;
  suspicionsRaised: number;
  refutations: number;
}

export interface GossipCoreOptions {
  name: string;
  /** Advertised "ip:port". */
  addr: string;
  tags?: Record<string, string>;
  config: GossipConfig;
  /** PRNG seed; the same seed and inputs give the same outputs. */
  seed: number;
  /** Clock reading at start (ms). */
  now: number;
  /** Bytes the transport adds to each UDP packet (encryption header, tag). */
  packetOverhead?: number;
  /** Starting incarnation (a restarted node may pass a higher one). */
  incarnation?: number;
  /** Told how long each probe took, from the ping to the ack or to giving up (memberlist's probeNode timing). */
  onProbeDone?: (ms: number) => void;
  /**
   * memberlist's PingDelegate: `ackPayload` rides on every direct ack this node sends (Serf puts its network
   * coordinate there); `notifyPingComplete` is told the round trip of each direct probe answered with a payload.
   */
  ping?: PingDelegate;
  /** The clock round trips are measured with (ms, fractions allowed); default: the `now` given to the core. */
  rttClock?: () => number;
  /**
   * Members known from the start, as after a restore. The roster's records are
   * shared copy-on-write by every core built from it, which lets a simulator
   * run thousands of cores in one process. The local node's entry is ignored.
   */
  roster?: SharedRoster;
}

export interface PingDelegate {
  ackPayload(): Uint8Array | undefined;
  notifyPingComplete(node: string, rttMs: number, payload: Uint8Array): void;
}

interface Probe {
  /** rttClock() when the direct ping left. */
  sentAt: number;
  target: string;
  addr: string;
  seq: number;
  ackDeadline: number;
  end: number;
  indirect: boolean;
  expectedNacks: number;
  nacks: number;
  start: number;
}

interface Relay {
  originSeq: number;
  originAddr: string;
  nack: boolean;
  deadline: number;
}

const MAX_RELAYS = 1024;
const MAX_PENDING_STREAMS = 256;

export class GossipCore {
  readonly name: string;
  readonly config: GossipConfig;
  private readonly rng: Rng;
  private readonly self: Rec;
  private readonly table: MemberTable;
  private liveCount = 0;
  private probeOrder: ProbeOrder = MemberTable.emptyOrder;
  private probeIndex = 0;
  /**
   * Members learned since the round was shuffled. They are merged at random
   * places into the rest of the round (memberlist inserts a new node at a
   * random offset), not left for the next one: a round lasts N probe intervals,
   * so after a join storm a member would otherwise not probe newcomers for up to N s.
   */
  private probeLate: string[] = [];
  private probe: Probe | null = null;
  private readonly relays = new Map<number, Relay>();
  private readonly suspicions = new Map<string, Suspicion>();
  /** Earliest suspicion deadline (kept so a tick need not scan hundreds of suspicions). */
  private suspicionWake = Infinity;
  private suspicionWakeStale = false;
  private readonly pending = new Map<number, { purpose: StreamPurpose; seq: number; at: number }>();
  private readonly queue: BroadcastQueue;
  private readonly awareness: Awareness;
  private readonly clock = new LamportClock();
  private readonly eventDedup: UserEventDeduplicator;
  /** `from/id` of queries seen, oldest first (a Map keeps insertion order). */
  private readonly queriesSeen = new Map<string, true>();
  private outputs: GossipOutput[] = [];
  private events: GossipEvent[] = [];
  private seq = 0;
  private streamId = 0;
  private nextProbeAt: number;
  private nextGossipAt: number;
  private readonly onProbeDone: ((ms: number) => void) | undefined;
  private readonly ping: PingDelegate | undefined;
  private readonly rttClock: (() => number) | undefined;
  /** Gossip rounds run so far (the driver times the ticks that ran one: memberlist's gossip timing). */
  gossipRounds = 0;
  private nextPushPullAt: number;
  private nextReconnectAt: number;
  private nextReapAt: number;
  private leaveState: 'none' | 'intent' | 'broadcast' | 'done' = 'none';
  private leaveAt = 0;
  /** When the last tick expected to run next; a tick much later means we were starved. */
  private expectedWake = Infinity;
  /** Until then, no verdicts on timers: replies that waited while we were starved are read first. */
  private graceUntil = -Infinity;
  private readonly packetBudget: number;
  readonly stats: GossipStats = {
    packetsIn: 0,
    packetsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    messagesIn: 0,
    malformed: 0,
    misaddressed: 0,
    conflicts: 0,
    probes: 0,
    probeFailures: 0,
    suspicionsRaised: 0,
    refutations: 0,
  };

  constructor(opts: GossipCoreOptions) {
    if (!opts.name || opts.name.length > 512) throw new GossipConfigError('node name must be 1 to 512 characters');
    if (!splitHostPort(opts.addr)) throw new GossipConfigError(`advertise address "${opts.addr}" is not ip:port`);
    const c = opts.config;
    validateConfig(c);
    this.name = opts.name;
    this.config = c;
    this.onProbeDone = opts.onProbeDone;
    this.ping = opts.ping;
    this.rttClock = opts.rttClock;
    this.rng = createRng(opts.seed);
    this.queue = new BroadcastQueue(c.maxQueuedBroadcasts);
    this.awareness = new Awareness(c.lifeguard ? c.awarenessMaxMultiplier : 1);
    this.eventDedup = new UserEventDeduplicator(c.eventBufferSize);
    this.packetBudget = c.udpPacketSize - (opts.packetOverhead ?? 0);
    const now = opts.now;
    this.self = { name: opts.name, addr: opts.addr, tags: { ...(opts.tags ?? {}) }, inc: opts.incarnation ?? 1, status: 'alive', since: now, idx: 0 };
    this.checkAliveFits(this.self.tags);
    this.table = new MemberTable(this.self, opts.roster);
    this.liveCount = this.table.initialLive();
    this.broadcastAlive(this.self);
    // Stagger the periodic work so a cluster started at once does not beat in step.
    this.nextProbeAt = now + this.rng.int(c.probeIntervalMs);
    this.nextGossipAt = now + this.rng.int(c.gossipIntervalMs);
    // A core that starts knowing the cluster (a roster) spreads its first push/pull over
    // the interval it will use from then on; a fresh node knows only itself (scale 1).
    this.nextPushPullAt = now + this.rng.int(opts.roster ? pushPullScale(c.pushPullIntervalMs, this.liveCount) : c.pushPullIntervalMs);
    this.nextReconnectAt = now + c.reconnectIntervalMs;
    this.nextReapAt = now + c.reapIntervalMs;
  }

  // ---------------------------------------------------------------- outputs

  /** Outputs queued since the last call. */
  drainOutputs(): GossipOutput[] {
    const o = this.outputs;
    this.outputs = [];
    return o;
  }

  /** Events queued since the last call. */
  drainEvents(): GossipEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  /** Earliest clock reading at which tick() has work to do. */
  nextWakeAt(): number {
    let t = Math.min(this.nextGossipAt, this.nextPushPullAt, this.nextReconnectAt, this.nextReapAt);
    if (this.leaveState === 'intent' || this.leaveState === 'broadcast') t = Math.min(t, this.leaveAt);
    let d = Infinity;
    if (this.probe) d = this.probe.indirect ? this.probe.end : this.probe.ackDeadline;
    else if (this.leaveState === 'none' || this.leaveState === 'intent') t = Math.min(t, this.nextProbeAt);
    for (const r of this.relays.values()) d = Math.min(d, r.deadline);
    d = Math.min(d, this.earliestSuspicion());
    return Math.min(t, Math.max(d, this.graceUntil));
  }

  // ---------------------------------------------------------------- queries

  members(): Member[] {
    const out: Member[] = [];
    for (const r of this.table.values()) out.push(toMember(r));
    return out;
  }

  member(name: string): Member | undefined {
    const r = this.table.get(name);
    return r ? toMember(r) : undefined;
  }

  localMember(): Member {
    return toMember(this.self);
  }

  /** Status of one member as this node sees it (cheap; no copy). */
  statusOf(name: string): MemberStatus | undefined {
    return this.table.get(name)?.status;
  }

  incarnationOf(name: string): number | undefined {
    return this.table.get(name)?.inc;
  }

  /** Members in `alive`, `suspect` or `leaving`, this node included. */
  numLive(): number {
    return this.liveCount;
  }

  /** Lifeguard health score: 0 is healthy, up to awarenessMaxMultiplier - 1. */
  healthScore(): number {
    return this.awareness.getScore();
  }

  queuedBroadcasts(): number {
    return this.queue.size();
  }

  eventClock(): number {
    return this.clock.time();
  }

  /** True once a graceful leave has been broadcast and given time to spread. */
  leaveComplete(): boolean {
    return this.leaveState === 'done';
  }

  // ---------------------------------------------------------------- commands

  /** Starts a push/pull join with one seed address; returns the stream id. */
  join(addr: string, now: number): number {
    return this.openStream(addr, 'join', this.pushPullMessage(true), now, 0);
  }

  /** Graceful leave: broadcast `leaving`, then `left`; see leaveComplete(). */
  leave(now: number): void {
    if (this.leaveState !== 'none') return;
    this.leaveState = 'intent';
    this.setStatus(this.self, 'leaving', now);
    this.queue.push(this.self.name, encodeMessage({ t: MsgType.leave, node: this.name, inc: this.self.inc }), true);
    this.leaveAt = now + (this.liveCount > 1 ? this.config.leavePropagateDelayMs : 0);
  }

  /** Replaces this node's tags and disseminates them with a new incarnation. (`now` is for symmetry.) */
  setTags(tags: Record<string, string>, _now?: number): void {
    for (const [k, v] of Object.entries(tags)) {
      if (typeof v !== 'string') throw new GossipConfigError(`tag "${k}" must be a string, got ${typeof v}`);
    }
    this.checkAliveFits(tags);
    this.self.tags = { ...tags };
    this.self.inc++;
    this.broadcastAlive(this.self);
    this.events.push({ type: 'update', member: toMember(this.self) });
  }

  /** Fires a user event to the whole cluster (delivered here too). */
  sendUserEvent(name: string, payload: Uint8Array): UserEvent {
    if (!name) throw new SizeLimitError('user event name must not be empty');
    const size = Buffer.byteLength(name) + payload.length;
    if (size > this.config.userEventSizeLimit) {
      throw new SizeLimitError(
        `user event "${name}" is ${size} bytes (name + payload); the limit is ${this.config.userEventSizeLimit}`,
      );
    }
    const ev: UserEvent = { ltime: this.clock.increment(), name, payload };
    this.eventDedup.admit(ev, this.clock.time());
    this.queue.push(null, encodeMessage({ t: MsgType.user, lt: ev.ltime, name, payload }));
    this.events.push({ type: 'user-event', event: ev });
    return ev;
  }

  /**
   * Asks every member (this one included): the query is gossiped like a user event and every member that
   * answers sends its answer straight back ('query-response' events). Same size limit as user events.
   */
  sendQuery(name: string, payload: Uint8Array): Query {
    if (!name) throw new SizeLimitError('query name must not be empty');
    const size = Buffer.byteLength(name) + payload.length;
    if (size > this.config.userEventSizeLimit) {
      throw new SizeLimitError(`query "${name}" is ${size} bytes (name + payload); the limit is ${this.config.userEventSizeLimit}`);
    }
    const q: Query = { id: this.rng.int(2 ** 32), from: this.name, addr: this.self.addr, name, payload };
    this.rememberQuery(q);
    this.queue.push(null, encodeMessage({ t: MsgType.query, ...q }));
    this.events.push({ type: 'query', query: q });
    return q;
  }

  /**
   * Sends a query again, straight to members that have not answered (gossip can miss a member; an answer can
   * be lost): a member that had it answers again ('query-repeat'), one that missed it handles it now.
   */
  resendQuery(q: Query, addrs: string[]): void {
    const msg = encodeMessage({ t: MsgType.query, ...q, direct: true });
    for (const a of addrs) this.sendPacket(a, [msg]);
  }

  /** Answers a query (from a 'query' event) straight to its origin; the answer must fit one packet. */
  respondQuery(q: Query, payload: Uint8Array): void {
    const msg = { t: MsgType.queryResponse, id: q.id, from: q.from, node: this.name, payload } as const;
    if (q.from === this.name) {
      this.events.push({ type: 'query-response', id: q.id, node: this.name, payload });
      return;
    }
    this.sendPacket(q.addr, [encodeMessage(msg)]);
  }

  private rememberQuery(q: Query): boolean {
    const key = `${q.from}/${q.id}`;
    if (this.queriesSeen.has(key)) return false;
    this.queriesSeen.set(key, true);
    if (this.queriesSeen.size > QUERIES_REMEMBERED) this.queriesSeen.delete(this.queriesSeen.keys().next().value!);
    return true;
  }

  /**
   * Force-leave: a failed member becomes `left` everywhere (an operator's way
   * to say it will not come back, so nobody keeps reconnecting); an alive one
   * is told to leave and will refute. Returns false for unknown names.
   */
  forceLeave(name: string, now: number): boolean {
    if (name === this.name) throw new GossipConfigError('cannot force-leave the local node; use leave()');
    const r = this.table.get(name);
    if (!r) return false;
    this.leaveIntent({ t: MsgType.leave, node: name, inc: r.inc }, now);
    if (r.status !== 'left' && r.status !== 'failed') {
      this.queue.push(name, encodeMessage({ t: MsgType.leave, node: name, inc: r.inc }), true);
    }
    return true;
  }

  /** Forgets a failed or left member at once (`force-leave -prune`). */
  prune(name: string): boolean {
    const r = this.table.get(name);
    if (!r || name === this.name || isLive(r.status)) return false;
    this.removeRec(r);
    this.events.push({ type: 'reap', member: toMember(r) });
    return true;
  }

  // ---------------------------------------------------------------- inputs

  /** A UDP packet (already decrypted) from "ip:port". Bad packets are counted and dropped. */
  handlePacket(from: string, data: Uint8Array, now: number): void {
    this.stats.packetsIn++;
    this.stats.bytesIn += data.length;
    let msgs: PacketMessage[];
    try {
      msgs = decodePacket(data);
    } catch (e) {
      if (!(e instanceof MalformedMessageError)) throw e;
      this.stats.malformed++;
      return;
    }
    // Suspicions first, so a buddy-system refutation rides on the ack we send.
    for (const m of msgs) if (m.t === MsgType.suspect) this.handleMessage(from, m, now);
    for (const m of msgs) if (m.t !== MsgType.suspect) this.handleMessage(from, m, now);
  }

  /**
   * An inbound TCP request; returns the reply to write back. Throws
   * MalformedMessageError (also counted) for data that is not a request.
   */
  handleStream(from: string, data: Uint8Array, now: number): Uint8Array {
    let msg;
    try {
      msg = decodeStreamMessage(data);
    } catch (e) {
      if (e instanceof MalformedMessageError) this.stats.malformed++;
      throw e;
    }
    if (msg.t === MsgType.pushPull) {
      if (msg.join) this.checkJoinName(msg);
      this.mergeRemote(msg, now, msg.join ? 'ignore' : 'deliver');
      return encodeMessage(this.pushPullMessage(false));
    }
    if (msg.t === MsgType.ping) {
      if (msg.node !== this.name) {
        this.stats.misaddressed++;
        throw new MalformedMessageError(`ping for "${msg.node}" reached "${this.name}"`);
      }
      return encodeMessage(this.ackFor(msg.seq));
    }
    this.stats.malformed++;
    throw new MalformedMessageError(`stream request of type ${msg.t} is not accepted from ${from}`);
  }

  /**
   * The reply to a stream this core asked for (or the transport error).
   * Throws MalformedMessageError when the reply does not decode.
   */
  handleStreamReply(id: number, reply: Uint8Array | Error, now: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (reply instanceof Error) return;
    let msg;
    try {
      msg = decodeStreamMessage(reply);
    } catch (e) {
      if (e instanceof MalformedMessageError) this.stats.malformed++;
      throw e;
    }
    if (p.purpose === 'ping') {
      // A TCP fallback ack does not feed coordinates (memberlist notifies for UDP acks only).
      if (msg.t === MsgType.ack) this.onAck(msg.seq, now);
      return;
    }
    if (msg.t !== MsgType.pushPull) {
      this.stats.malformed++;
      throw new MalformedMessageError('expected a push/pull reply');
    }
    this.mergeRemote(msg, now, p.purpose === 'join' ? 'joined' : 'deliver');
  }

  /** Runs timers that are due at `now`. */
  tick(now: number): void {
    const c = this.config;
    if (c.lifeguard && now - this.expectedWake > c.probeTimeoutMs) {
      // Lifeguard: we missed our own deadline, so we are the slow one. Count it
      // against our health, and read what arrived meanwhile before judging anyone.
      this.awareness.applyDelta(1);
      this.graceUntil = now + Math.max(1, Math.min(50, c.probeTimeoutMs / 4));
    }
    const judging = now >= this.graceUntil;
    this.tickLeave(now);
    for (const [seq, r] of this.relays) {
      if (judging && now >= r.deadline) {
        this.relays.delete(seq);
        if (r.nack) this.sendPacket(r.originAddr, [encodeMessage({ t: MsgType.nack, seq: r.originSeq })]);
      }
    }
    if (this.probe && judging) this.tickProbe(now);
    if (!this.probe && now >= this.nextProbeAt && (this.leaveState === 'none' || this.leaveState === 'intent')) {
      this.startProbe(now);
    }
    if (now >= this.nextGossipAt) {
      this.gossipRounds++;
      this.gossip(now);
      this.nextGossipAt = advance(this.nextGossipAt, c.gossipIntervalMs, now);
    }
    if (now >= this.nextPushPullAt) {
      this.periodicPushPull(now);
      this.nextPushPullAt = now + pushPullScale(c.pushPullIntervalMs, this.liveCount);
    }
    if (now >= this.nextReconnectAt) {
      this.reconnect(now);
      this.nextReconnectAt = now + c.reconnectIntervalMs;
    }
    if (judging && now >= this.earliestSuspicion()) {
      const call = this.lastCallMs();
      for (const [name, s] of this.suspicions) {
        if (now < s.nextStep(call)) continue;
        if (call > 0 && s.checkedAt < 0) {
          s.checkedAt = now;
          this.lastCall(name, s.incarnation);
          continue;
        }
        this.dropSuspicion(name);
        this.deadNode({ t: MsgType.dead, node: name, inc: s.incarnation, from: this.name }, now);
      }
      this.suspicionWakeStale = true;
    }
    if (now >= this.nextReapAt) {
      this.reap(now);
      this.nextReapAt = now + c.reapIntervalMs;
    }
    for (const [id, p] of this.pending) {
      if (now - p.at > 2 * c.tcpTimeoutMs + c.probeIntervalMs) this.pending.delete(id);
    }
    this.expectedWake = this.nextWakeAt();
  }

  // ---------------------------------------------------------------- probing

  private startProbe(now: number): void {
    const target = this.nextProbeTarget();
    const c = this.config;
    if (!target) {
      this.nextProbeAt = now + c.probeIntervalMs;
      return;
    }
    const seq = ++this.seq;
    const parts = [encodeMessage({ t: MsgType.ping, seq, node: target.name, from: this.name })];
    if (target.status === 'suspect' && c.lifeguard) {
      // Buddy system: tell a suspect first, so it can refute before the timeout.
      parts.push(encodeMessage({ t: MsgType.suspect, node: target.name, inc: target.inc, from: this.name }));
    }
    const sentAt = this.rttClock ? this.rttClock() : now;
    this.sendPacket(target.addr, parts);
    const interval = this.awareness.scale(c.probeIntervalMs);
    this.probe = {
      sentAt,
      target: target.name,
      addr: target.addr,
      seq,
      ackDeadline: now + this.awareness.scale(c.probeTimeoutMs),
      end: now + interval,
      indirect: false,
      expectedNacks: 0,
      nacks: 0,
      start: now,
    };
    this.nextProbeAt = now + interval;
    this.stats.probes++;
  }

  private nextProbeTarget(): Rec | undefined {
    for (let pass = 0; pass < 2; pass++) {
      for (;;) {
        const rest = this.probeOrder.length - this.probeIndex;
        const late = this.probeLate.length;
        if (rest + late === 0) break;
        let name: string;
        if (late > 0 && this.rng.int(rest + late) < late) {
          // A uniform merge of the late members into the rest of the round.
          const i = this.rng.int(late);
          name = this.probeLate[i]!;
          this.probeLate[i] = this.probeLate[late - 1]!;
          this.probeLate.pop();
        } else {
          name = this.probeOrder.nameAt(this.probeIndex++);
        }
        const r = this.table.get(name);
        if (r && r !== this.self && isLive(r.status)) return r;
      }
      // End of a round: reshuffle every known member (the late ones included).
      this.probeOrder = this.table.shuffledOthers(this.rng);
      this.probeIndex = 0;
      this.probeLate = [];
    }
    return undefined;
  }

  private tickProbe(now: number): void {
    const p = this.probe!;
    const c = this.config;
    if (!p.indirect && now >= p.ackDeadline) {
      p.indirect = true;
      const helpers = this.randomMembers(c.indirectChecks, (r) => r.status === 'alive' && r.name !== p.target);
      for (const h of helpers) {
        this.sendPacket(h.addr, [
          encodeMessage({ t: MsgType.pingReq, seq: p.seq, node: p.target, addr: p.addr, nack: c.lifeguard, from: this.name }),
        ]);
      }
      p.expectedNacks = c.lifeguard ? helpers.length : 0;
      // TCP fallback: a member behind a UDP-dropping path still answers.
      if (this.pending.size < MAX_PENDING_STREAMS) {
        this.openStream(p.addr, 'ping', encodeMessage({ t: MsgType.ping, seq: p.seq, node: p.target, from: this.name }), now, p.seq, Math.max(1, p.end - now));
      }
    }
    if (now >= p.end) {
      this.probe = null;
      this.stats.probeFailures++;
      this.onProbeDone?.(now - p.start);
      let delta = 1;
      if (p.expectedNacks > 0) delta = Math.max(0, p.expectedNacks - p.nacks);
      this.awareness.applyDelta(delta);
      const r = this.table.get(p.target);
      if (r && isLive(r.status)) {
        const s: SuspectMsg = { t: MsgType.suspect, node: r.name, inc: r.inc, from: this.name };
        this.suspectNode(s, now);
        // Lifeguard's "tell the suspect first": a starved member reads this as
        // it wakes and refutes at once, instead of waiting to hear it by gossip
        // (which, with hundreds of members flapping, may never come).
        if (c.lifeguard) this.emitPacket(r.addr, encodeMessage(s));
      }
    }
  }

  /** A direct ack, with the ping delegate's payload when there is one. */
  private ackFor(seq: number): AckMsg {
    const p = this.ping?.ackPayload();
    return p ? { t: MsgType.ack, seq, p } : { t: MsgType.ack, seq };
  }

  private onAck(seq: number, now: number, payload?: Uint8Array): void {
    if (this.probe && this.probe.seq === seq) {
      // Only a direct ack carries a payload (a relay forwards the bare seq), so the round trip is ours to the target.
      if (payload && this.ping) {
        const rtt = (this.rttClock ? this.rttClock() : now) - this.probe.sentAt;
        try {
          this.ping.notifyPingComplete(this.probe.target, Math.max(0, rtt), payload);
        } catch {
          // A peer's payload must never break probing.
        }
      }
      this.onProbeDone?.(now - this.probe.start);
      this.probe = null;
      this.awareness.applyDelta(-1);
      return;
    }
    const r = this.relays.get(seq);
    if (r) {
      this.relays.delete(seq);
      this.sendPacket(r.originAddr, [encodeMessage({ t: MsgType.ack, seq: r.originSeq })]);
    }
  }

  // ---------------------------------------------------------------- messages

  private handleMessage(from: string, m: PacketMessage, now: number): void {
    this.stats.messagesIn++;
    switch (m.t) {
      case MsgType.ping:
        if (m.node !== this.name) {
          this.stats.misaddressed++;
          return;
        }
        this.sendPacket(from, [encodeMessage(this.ackFor(m.seq))]);
        return;
      case MsgType.pingReq: {
        if (m.node === this.name) {
          this.sendPacket(from, [encodeMessage({ t: MsgType.ack, seq: m.seq })]);
          return;
        }
        if (this.relays.size >= MAX_RELAYS) return;
        const seq = ++this.seq;
        this.relays.set(seq, { originSeq: m.seq, originAddr: from, nack: m.nack, deadline: now + this.config.probeTimeoutMs });
        this.sendPacket(m.addr, [encodeMessage({ t: MsgType.ping, seq, node: m.node, from: this.name })]);
        return;
      }
      case MsgType.ack:
        this.onAck(m.seq, now, m.p);
        return;
      case MsgType.nack:
        if (this.probe && this.probe.seq === m.seq) this.probe.nacks++;
        return;
      case MsgType.alive:
        this.aliveNode(m, now);
        return;
      case MsgType.suspect:
        this.suspectNode(m, now);
        return;
      case MsgType.dead:
        this.deadNode(m, now);
        return;
      case MsgType.leave:
        this.leaveIntent(m, now);
        return;
      case MsgType.user:
        this.userEvent(m);
        return;
      case MsgType.check:
        this.answerCheck(from, m);
        return;
      case MsgType.query: {
        const q: Query = { id: m.id, from: m.from, addr: m.addr, name: m.name, payload: m.payload };
        if (!this.rememberQuery(q)) {
          if (m.direct) this.events.push({ type: 'query-repeat', query: q });
          return;
        }
        // A direct resend is not gossiped on: the origin is reaching the few members it is missing itself.
        if (!m.direct) this.queue.push(null, encodeMessage(m));
        this.events.push({ type: 'query', query: q });
        return;
      }
      case MsgType.queryResponse:
        if (m.from === this.name) this.events.push({ type: 'query-response', id: m.id, node: m.node, payload: m.payload });
        return;
    }
  }

  /**
   * A member is about to declare `m.node` failed. The suspect itself refutes
   * (if it had not) and answers; anyone who knows a newer incarnation answers
   * with it. Either way the answer goes straight back, not through the queue:
   * the asker missed the gossip.
   */
  private answerCheck(from: string, m: CheckMsg): void {
    if (m.node === this.name) {
      if (this.leaveState !== 'none') return;
      if (m.inc >= this.self.inc) this.refute(m.inc);
      this.emitPacket(from, aliveOf(this.self));
      return;
    }
    const r = this.table.get(m.node);
    if (!r || r.inc <= m.inc) return;
    if (r.status === 'alive') this.emitPacket(from, aliveOf(r));
    else if (r.status === 'suspect') this.emitPacket(from, encodeMessage({ t: MsgType.suspect, node: r.name, inc: r.inc, from: this.name }));
  }

  /**
   * Lifeguard only: how long before a suspicion's deadline the last call goes
   * out (one probe timeout). 0 means no last call (plain SWIM).
   */
  private lastCallMs(): number {
    return this.config.lifeguard ? this.config.probeTimeoutMs : 0;
  }

  /**
   * The last call before declaring a member failed: ask it and a few random
   * members whether it refuted. In saturated gossip a refutation reaches all
   * but a fraction of the members (about e^-transmits); asking three of them
   * almost surely finds one that heard it.
   */
  private lastCall(name: string, inc: number): void {
    const r = this.table.get(name);
    if (!r) return;
    // A packet of one message is the message itself (see encodePacket).
    const msg = encodeMessage({ t: MsgType.check, node: name, inc, from: this.name });
    this.emitPacket(r.addr, msg);
    for (const h of this.randomMembers(this.config.indirectChecks, (m) => m.status === 'alive' && m.name !== name)) this.emitPacket(h.addr, msg);
  }

  /**
   * News learned by push/pull is spread like any other (memberlist's
   * mergeState does the same): only new or newer entries are queued, so an
   * exchange between members that agree costs nothing, and a member that
   * missed a joiner's `alive` broadcast hears of it from whoever learned it
   * by push/pull (without this, simultaneous joins left a few members waiting
   * for a push/pull: 20 members saw each other after 11 s instead of 0.3 s).
   */
  private aliveNode(a: AliveMsg, now: number): void {
    if (a.node === this.name) {
      if (a.inc < this.self.inc) return;
      if (a.inc === this.self.inc && a.addr === this.self.addr && tagsEqual(a.tags, this.self.tags)) return;
      if (this.leaveState !== 'none') return;
      this.refute(a.inc);
      return;
    }
    if (!splitHostPort(a.addr)) {
      this.stats.malformed++;
      return;
    }
    let r = this.table.get(a.node);
    if (!r) {
      r = { name: a.node, addr: a.addr, tags: shareEmpty(a.tags), inc: a.inc, status: 'alive', since: now, idx: 0 };
      this.addRec(r);
      // Between rounds there is nothing to merge into: the next shuffle takes every member.
      if (this.probeIndex < this.probeOrder.length && this.probeLate.length < this.table.size) this.probeLate.push(r.name);
      this.queue.push(a.node, encodeMessage(a), true);
      this.events.push({ type: 'join', member: toMember(r) });
      return;
    }
    if (a.inc <= r.inc) return;
    if (isLive(r.status) && a.addr !== r.addr) {
      this.stats.conflicts++;
      return;
    }
    r = this.table.writable(r);
    const prev = r.status;
    const changed = a.addr !== r.addr || !tagsEqual(a.tags, r.tags);
    this.dropSuspicion(r.name);
    r.inc = a.inc;
    // Only on a real change: a refutation repeats the address and tags, and
    // the decoded copies would replace the strings every member shares.
    if (changed) {
      r.addr = a.addr;
      r.tags = shareEmpty(a.tags);
    }
    this.setStatus(r, 'alive', now);
    this.queue.push(r.name, encodeMessage(a), true);
    if (prev === 'failed' || prev === 'left') this.events.push({ type: 'join', member: toMember(r) });
    else if (changed) this.events.push({ type: 'update', member: toMember(r) });
  }

  private suspectNode(s: SuspectMsg, now: number): void {
    let r = this.table.get(s.node);
    if (!r || s.inc < r.inc) return;
    // Keys are the table's own name strings: a decoded name is a fresh copy,
    // and thousands of them would otherwise be kept by maps and queues.
    const name = r.name;
    const existing = this.suspicions.get(name);
    if (existing && s.inc <= existing.incarnation) {
      if (existing.confirm(s.from)) {
        this.suspicionWake = Math.min(this.suspicionWake, existing.nextStep(this.lastCallMs()));
        this.queue.push(name, encodeMessage(s));
      }
      return;
    }
    // A suspicion at a newer incarnation than ours means the member refuted
    // ours (only it raises its incarnation) and we missed the `alive`: ours is
    // void, and this one starts its own timer. (memberlist counts it as a
    // confirmation of the old timer, so a member whose refutation was lost in
    // a congested queue could be declared failed while it keeps refuting.)
    if (existing) this.dropSuspicion(name);
    else if (r.status !== 'alive' && r.status !== 'leaving') return;
    if (r === this.self) {
      if (this.leaveState === 'none') this.refute(s.inc);
      return;
    }
    const c = this.config;
    const n = this.liveCount;
    let k = c.lifeguard ? c.suspicionMult - 2 : 0;
    if (n - 2 < k) k = 0;
    const min = suspicionMinTimeout(c.suspicionMult, n, c.probeIntervalMs);
    const max = c.lifeguard ? c.suspicionMaxTimeoutMult * min : min;
    r = this.table.writable(r);
    r.inc = s.inc;
    this.setStatus(r, 'suspect', now);
    if (existing) r.since = now;
    const sus = new Suspicion(s.inc, s.from, k, min, max, now);
    this.suspicions.set(name, sus);
    this.suspicionWake = Math.min(this.suspicionWake, sus.nextStep(this.lastCallMs()));
    this.queue.push(name, encodeMessage(s));
    this.stats.suspicionsRaised++;
    this.events.push({ type: 'suspect', member: toMember(r), from: s.from });
  }

  private deadNode(d: DeadMsg, now: number): void {
    let r = this.table.get(d.node);
    if (!r || d.inc < r.inc) return;
    const leaving = d.from === d.node;
    if (r.status === 'left' || (r.status === 'failed' && !leaving)) return;
    if (r === this.self) {
      if (this.leaveState === 'none') this.refute(d.inc);
      return;
    }
    this.dropSuspicion(r.name);
    r = this.table.writable(r);
    r.inc = d.inc;
    this.setStatus(r, leaving ? 'left' : 'failed', now);
    // A graceful leave's `dead` (from the member itself) is urgent like its intent; a failure is not.
    this.queue.push(r.name, encodeMessage(d), leaving);
    this.events.push({ type: leaving ? 'leave' : 'fail', member: toMember(r) });
  }

  private leaveIntent(l: LeaveMsg, now: number): void {
    let r = this.table.get(l.node);
    if (!r || l.inc < r.inc) return;
    if (r === this.self) {
      // Someone force-left us while we are alive: refute and stay.
      if (this.leaveState === 'none') this.refute(l.inc);
      return;
    }
    if (r.status === 'alive' || r.status === 'suspect' || r.status === 'failed') r = this.table.writable(r);
    if (r.status === 'alive' || r.status === 'suspect') {
      this.dropSuspicion(r.name);
      r.inc = l.inc;
      this.setStatus(r, 'leaving', now);
      this.queue.push(r.name, encodeMessage(l), true);
    } else if (r.status === 'failed') {
      r.inc = l.inc;
      this.setStatus(r, 'left', now);
      this.queue.push(r.name, encodeMessage(l), true);
      this.events.push({ type: 'leave', member: toMember(r) });
    }
  }

  private userEvent(m: UserMsg): void {
    this.clock.witness(m.lt);
    const ev: UserEvent = { ltime: m.lt, name: m.name, payload: m.payload };
    if (!this.eventDedup.admit(ev, this.clock.time())) return;
    this.queue.push(null, encodeMessage(m));
    this.events.push({ type: 'user-event', event: ev });
  }

  private refute(inc: number): void {
    this.self.inc = Math.max(this.self.inc, inc) + 1;
    this.broadcastAlive(this.self);
    this.awareness.applyDelta(1);
    this.stats.refutations++;
  }

  private broadcastAlive(r: Rec): void {
    this.queue.push(r.name, aliveOf(r), true);
  }

  private checkAliveFits(tags: Record<string, string>): void {
    const size = encodeMessage({ t: MsgType.alive, node: this.name, addr: this.self?.addr ?? '255.255.255.255:65535', inc: 2 ** 32, tags }).length;
    const room = this.packetBudget - 128; // leave room for a ping in the same packet
    if (size > room) throw new SizeLimitError(`tags make the alive message ${size} bytes; at most ${room} fit in a packet`);
  }

  // ---------------------------------------------------------------- push/pull

  private pushPullMessage(join: boolean): PushPullMsg {
    const states: StateEntry[] = [];
    for (const r of this.table.values()) states.push({ node: r.name, addr: r.addr, inc: r.inc, tags: r.tags, s: WireStatus[r.status] });
    const ev = this.eventDedup.recent().map((e) => ({ lt: e.ltime, name: e.name, payload: e.payload }));
    return { t: MsgType.pushPull, from: this.name, join, states, lt: this.clock.time(), ev };
  }

  /**
   * @param events 'deliver' the recent events it carries that this node missed; 'ignore' them (a joiner's, from
   * its former cluster); 'joined': this node's own join: the cluster's past events are marked seen, not
   * delivered (Consul joins without replaying old events), so a later push/pull does not bring them either.
   */
  private mergeRemote(msg: PushPullMsg, now: number, events: 'deliver' | 'ignore' | 'joined' = 'deliver'): void {
    this.clock.witness(msg.lt);
    for (const e of events === 'ignore' ? [] : (msg.ev ?? [])) {
      if (events === 'deliver') this.userEvent({ t: MsgType.user, lt: e.lt, name: e.name, payload: e.payload });
      else this.eventDedup.admit({ ltime: e.lt, name: e.name, payload: e.payload }, this.clock.time());
    }
    for (const e of msg.states) {
      switch (e.s) {
        case WireStatus.alive:
          this.aliveNode({ t: MsgType.alive, node: e.node, addr: e.addr, inc: e.inc, tags: e.tags }, now);
          break;
        case WireStatus.leaving:
          this.aliveNode({ t: MsgType.alive, node: e.node, addr: e.addr, inc: e.inc, tags: e.tags }, now);
          this.leaveIntent({ t: MsgType.leave, node: e.node, inc: e.inc }, now);
          break;
        case WireStatus.left:
          this.deadNode({ t: MsgType.dead, node: e.node, inc: e.inc, from: e.node }, now);
          break;
        default:
          // A remote "failed" (or "suspect") is only a suspicion here: we may still reach it.
          this.suspectNode({ t: MsgType.suspect, node: e.node, inc: e.inc, from: this.name }, now);
      }
    }
  }

  /** Two live nodes with one name would fight forever over its incarnation: refuse the second. */
  private checkJoinName(msg: PushPullMsg): void {
    const entry = msg.states.find((e) => e.node === msg.from);
    const r = this.table.get(msg.from);
    if (!entry || !r) return;
    if (r === this.self || (isLive(r.status) && r.addr !== entry.addr)) {
      throw new NameConflictError(`a live member named "${msg.from}" already exists at ${r.addr}; node names must be unique`);
    }
  }

  private periodicPushPull(now: number): void {
    const [peer] = this.randomMembers(1, (r) => r.status === 'alive');
    if (peer && this.pending.size < MAX_PENDING_STREAMS) this.openStream(peer.addr, 'push-pull', this.pushPullMessage(false), now, 0);
  }

  /** Serf's reconnect: push/pull with a random failed member, more often the more are failed. */
  private reconnect(now: number): void {
    let failed = 0;
    if (this.table.size > this.liveCount) for (const r of this.table.notLive()) if (r.status === 'failed') failed++;
    if (failed === 0 || this.leaveState !== 'none') return;
    if (this.rng.next() > failed / Math.max(1, this.liveCount - 1)) return;
    const [peer] = this.randomMembers(1, (r) => r.status === 'failed');
    if (peer && this.pending.size < MAX_PENDING_STREAMS) this.openStream(peer.addr, 'reconnect', this.pushPullMessage(false), now, 0);
  }

  private openStream(to: string, purpose: StreamPurpose, msg: PushPullMsg | Uint8Array, now: number, seq: number, timeoutMs?: number): number {
    const id = ++this.streamId;
    const data = msg instanceof Uint8Array ? msg : encodeMessage(msg);
    this.pending.set(id, { purpose, seq, at: now });
    this.outputs.push({ kind: 'stream', id, to, data, timeoutMs: timeoutMs ?? this.config.tcpTimeoutMs, purpose });
    return id;
  }

  // ---------------------------------------------------------------- gossip

  private gossip(now: number): void {
    if (this.queue.size() === 0) return;
    const toDead = this.config.gossipToTheDeadMs;
    const targets = this.randomMembers(this.config.gossipNodes, (r) => isLive(r.status) || now - r.since < toDead);
    for (const t of targets) {
      const parts = this.queue.take(this.packetBudget - COMPOUND_HEADER, COMPOUND_PER_MSG, this.transmitLimit(), MAX_COMPOUND);
      if (parts.length === 0) return;
      this.emitPacket(t.addr, encodePacket(parts));
    }
  }

  private sendPacket(to: string, msgs: (Uint8Array | string)[]): void {
    let room = this.packetBudget - COMPOUND_HEADER;
    for (const m of msgs) room -= m.length + COMPOUND_PER_MSG;
    const extra = room > 0 ? this.queue.take(room, COMPOUND_PER_MSG, this.transmitLimit(), MAX_COMPOUND - msgs.length) : [];
    this.emitPacket(to, encodePacket(extra.length ? msgs.concat(extra) : msgs));
  }

  private emitPacket(to: string, data: Uint8Array): void {
    this.stats.packetsOut++;
    this.stats.bytesOut += data.length;
    this.outputs.push({ kind: 'packet', to, data });
  }

  private transmitLimit(): number {
    return retransmitLimit(this.config.retransmitMult, this.liveCount);
  }

  // ---------------------------------------------------------------- leave, reap

  private tickLeave(now: number): void {
    if (this.leaveState === 'intent' && now >= this.leaveAt) {
      this.queue.push(this.name, encodeMessage({ t: MsgType.dead, node: this.name, inc: this.self.inc, from: this.name }), true);
      this.setStatus(this.self, 'left', now);
      this.leaveState = 'broadcast';
      this.leaveAt = now + (this.liveCount > 0 ? this.config.leavePropagateDelayMs : 0);
    } else if (this.leaveState === 'broadcast' && now >= this.leaveAt) {
      this.leaveState = 'done';
    }
  }

  private reap(now: number): void {
    const c = this.config;
    if (this.table.size === this.liveCount) return;
    for (const r of this.table.notLive()) {
      if (r === this.self) continue;
      const age = now - r.since;
      if ((r.status === 'failed' && age >= c.reconnectTimeoutMs) || (r.status === 'left' && age >= c.tombstoneTimeoutMs)) {
        this.removeRec(r);
        this.events.push({ type: 'reap', member: toMember(r) });
      }
    }
  }

  // ---------------------------------------------------------------- bookkeeping

  private addRec(r: Rec): void {
    this.table.add(r);
    if (isLive(r.status)) this.liveCount++;
  }

  private removeRec(r: Rec): void {
    const cur = this.table.remove(r);
    this.dropSuspicion(r.name);
    if (cur && isLive(cur.status)) this.liveCount--;
  }

  private dropSuspicion(name: string): void {
    const s = this.suspicions.get(name);
    if (!s) return;
    this.suspicions.delete(name);
    if (s.nextStep(this.lastCallMs()) <= this.suspicionWake) this.suspicionWakeStale = true;
  }

  private earliestSuspicion(): number {
    if (this.suspicionWakeStale) {
      let d = Infinity;
      const call = this.lastCallMs();
      for (const s of this.suspicions.values()) d = Math.min(d, s.nextStep(call));
      this.suspicionWake = d;
      this.suspicionWakeStale = false;
    }
    return this.suspicionWake;
  }

  private setStatus(r: Rec, s: MemberStatus, now: number): void {
    if (r.status === s) return;
    if (isLive(r.status)) this.liveCount--;
    if (isLive(s)) this.liveCount++;
    r.status = s;
    r.since = now;
  }

  /** Up to k distinct random members other than this node that pass `ok`. */
  private randomMembers(k: number, ok: (r: Rec) => boolean): Rec[] {
    const out: Rec[] = [];
    const n = this.table.size;
    for (let tries = 0; tries < 3 * n && out.length < k; tries++) {
      const r = this.table.at(this.rng.int(n));
      if (r === this.self || out.includes(r) || !ok(r)) continue;
      out.push(r);
    }
    return out;
  }
}

function advance(prev: number, interval: number, now: number): number {
  const next = prev + interval;
  return next > now ? next : now + interval;
}

function tagsEqual(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

function toMember(r: Rec): Member {
  const hp = splitHostPort(r.addr) ?? { host: r.addr, port: 0 };
  return {
    name: r.name,
    addr: r.addr,
    host: hp.host,
    port: hp.port,
    tags: { ...r.tags },
    incarnation: r.inc,
    status: r.status,
    statusSince: r.since,
  };
}

function aliveOf(r: Rec): Uint8Array {
  return encodeMessage({ t: MsgType.alive, node: r.name, addr: r.addr, inc: r.inc, tags: r.tags });
}
