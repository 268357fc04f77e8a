/**
 * Deterministic cluster simulator: one seeded PRNG, a virtual clock, a
 * network that drops, delays and partitions, and nodes that can crash or be
 * starved of CPU. The production GossipCore runs inside it unchanged; the
 * same seed replays the same run.
 */
import type { GossipConfig } from '../../src/config.js';
import { GossipCore, type GossipEvent } from '../../src/gossip-core.js';
import { createRng, type Rng } from '../../src/rng.js';
import type { SharedRoster } from '../../src/shared-roster.js';
import { EventHeap, type HeapItem } from './heap.js';

export interface SimOptions {
  seed: number;
  config: GossipConfig;
  /** Probability that a UDP packet is lost. */
  loss?: number;
  /** One-way delay range in ms. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Extra one-way delay between two nodes (ms), e.g. per datacenter pair on a WAN; added to the range above. */
  pairDelayMs?: (from: string, to: string) => number;
}

/** A starved node only runs in the gaps of a repeating stall. */
export interface Slowness {
  periodMs: number;
  stallMs: number;
}

interface SimNode {
  name: string;
  addr: string;
  core: GossipCore;
  crashed: boolean;
  generation: number;
  wakeAt: number;
  slow?: Slowness & { phase: number };
  group: number;
  sentPackets: number;
  sentBytes: number;
  /** Of sentBytes, those sent as UDP packets (the rest is TCP: push/pull and fallback pings). */
  sentUdpBytes: number;
}

type SimEvent = HeapItem &
  (
    | { kind: 'tick'; node: string; gen: number }
    | { kind: 'packet'; node: string; gen: number; from: string; data: Uint8Array }
    | { kind: 'stream'; node: string; gen: number; from: string; replyTo: string; replyGen: number; id: number; data: Uint8Array }
    | { kind: 'reply'; node: string; gen: number; id: number; data: Uint8Array | Error }
  );

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type SimObserver = (observer: string, event: GossipEvent, now: number) => void;

/**
 * A packet or stream that waits in the event queue (up to a starved node's
 * whole stall) must not be a view into an encoder's scratch buffer: it would
 * keep the whole buffer alive (a push/pull state's is hundreds of KB; at
 * 2,000 members such views held a quarter of the memory).
 */
function own(data: Uint8Array): Uint8Array {
  return data.byteLength * 2 < data.buffer.byteLength ? Uint8Array.prototype.slice.call(data) : data;
}

/** Address of the i-th node added (1-based): 10.x.y.z:8301. */
export const simAddr = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8301`;

export class Simulation {
  now = 0;
  readonly rng: Rng;
  readonly nodes = new Map<string, SimNode>();
  private readonly byAddr = new Map<string, string>();
  private readonly heap = new EventHeap<SimEvent>();
  private seq = 0;
  private readonly observers: SimObserver[] = [];
  private steps = 0;
  readonly config: GossipConfig;
  loss: number;
  minDelayMs: number;
  maxDelayMs: number;
  packetsDropped = 0;
  private readonly udpBlocked = new Set<string>();

  constructor(readonly opts: SimOptions) {
    this.rng = createRng(opts.seed);
    this.config = opts.config;
    this.loss = opts.loss ?? 0;
    this.minDelayMs = opts.minDelayMs ?? 1;
    this.maxDelayMs = opts.maxDelayMs ?? 5;
  }

  observe(fn: SimObserver): void {
    this.observers.push(fn);
  }

  /** Adds a node at 10.x.y.z:8301 and optionally joins it to seeds (node names). */
  addNode(name: string, opts: { join?: string[]; tags?: Record<string, string>; config?: GossipConfig; roster?: SharedRoster } = {}): GossipCore {
    const prior = this.nodes.get(name);
    const addr = prior?.addr ?? simAddr(this.nodes.size + 1);
    const core = new GossipCore({
      name,
      addr,
      tags: opts.tags,
      config: opts.config ?? this.config,
      seed: this.rng.int(2 ** 31),
      now: this.now,
      roster: opts.roster,
    });
    const node: SimNode = {
      name,
      addr,
      core,
      crashed: false,
      generation: (prior?.generation ?? 0) + 1,
      wakeAt: Infinity,
      group: prior?.group ?? 0,
      sentPackets: prior?.sentPackets ?? 0,
      sentBytes: prior?.sentBytes ?? 0,
      sentUdpBytes: prior?.sentUdpBytes ?? 0,
      slow: prior?.slow,
    };
    this.nodes.set(name, node);
    this.byAddr.set(addr, name);
    for (const seed of opts.join ?? []) {
      const s = this.nodes.get(seed);
      if (s) core.join(s.addr, this.now);
    }
    this.flush(node);
    return core;
  }

  core(name: string): GossipCore {
    return this.node(name).core;
  }

  addrOf(name: string): string {
    return this.node(name).addr;
  }

  /** Stops a node without a word: it answers nothing from now on. */
  crash(name: string): void {
    const n = this.node(name);
    n.crashed = true;
    n.generation++;
  }

  /** Starts a crashed node again with fresh state, same name and address. */
  restart(name: string, join: string[]): GossipCore {
    const n = this.node(name);
    if (!n.crashed) throw new Error(`${name} is running`);
    return this.addNode(name, { join });
  }

  setSlow(name: string, s: Slowness | undefined): void {
    const n = this.node(name);
    n.slow = s ? { ...s, phase: this.rng.int(s.periodMs) } : undefined;
  }

  /** Puts nodes in numbered groups; packets and streams only flow within a group. */
  partition(groups: string[][]): void {
    groups.forEach((g, gi) => g.forEach((name) => (this.node(name).group = gi + 1)));
  }

  /** Drops UDP (not TCP) between two nodes, both ways. */
  blockUdp(a: string, b: string): void {
    this.udpBlocked.add(`${this.addrOf(a)}|${this.addrOf(b)}`);
    this.udpBlocked.add(`${this.addrOf(b)}|${this.addrOf(a)}`);
  }

  heal(): void {
    this.udpBlocked.clear();
    for (const n of this.nodes.values()) n.group = 0;
  }

  liveNames(): string[] {
    return [...this.nodes.values()].filter((n) => !n.crashed).map((n) => n.name);
  }

  totals(): { packets: number; bytes: number; udpBytes: number } {
    let packets = 0;
    let bytes = 0;
    let udpBytes = 0;
    for (const n of this.nodes.values()) {
      packets += n.sentPackets;
      bytes += n.sentBytes;
      udpBytes += n.sentUdpBytes;
    }
    return { packets, bytes, udpBytes };
  }

  /** Runs every event up to now + ms. */
  runFor(ms: number): void {
    this.runUntil(() => false, ms);
  }

  /**
   * Runs until `done()` holds (checked every `checkEveryMs` of virtual time)
   * or `maxMs` pass; returns the virtual time taken, or -1 on timeout.
   */
  runUntil(done: () => boolean, maxMs: number, checkEveryMs = 100): number {
    const start = this.now;
    const end = start + maxMs;
    let nextCheck = start;
    for (;;) {
      if (this.now >= nextCheck) {
        if (done()) return this.now - start;
        nextCheck = this.now + checkEveryMs;
      }
      const ev = this.heap.peek();
      const limit = Math.min(end, nextCheck);
      if (!ev || ev.time > limit) {
        this.now = limit;
        if (limit >= end) return done() ? this.now - start : -1;
        continue;
      }
      this.heap.pop();
      this.now = ev.time;
      this.step(ev);
    }
  }

  private node(name: string): SimNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no simulated node ${name}`);
    return n;
  }

  private push(ev: DistributiveOmit<SimEvent, 'seq'>): void {
    // Callers always pass a fresh object: number it in place rather than copy it.
    const e = ev as SimEvent;
    e.seq = ++this.seq;
    this.heap.push(e);
  }

  /** When a starved node next gets CPU at or after t. */
  private availableAt(n: SimNode, t: number): number {
    const s = n.slow;
    if (!s) return t;
    const phase = (t + s.phase) % s.periodMs;
    return phase < s.stallMs ? t + (s.stallMs - phase) : t;
  }

  private step(ev: SimEvent): void {
    if (++this.steps % 1_000_000 === 0 && this.heap.size > 5_000_000) throw new Error('simulation event queue runaway');
    const n = this.nodes.get(ev.node);
    if (!n || n.crashed || n.generation !== ev.gen) {
      if (ev.kind === 'stream' && n) this.replyError(ev, new Error('connection refused'));
      return;
    }
    const at = this.availableAt(n, this.now);
    if (at > this.now) {
      if (ev.kind === 'tick') {
        if (ev.time !== n.wakeAt) return;
        n.wakeAt = at;
      }
      this.push({ ...ev, time: at });
      return;
    }
    const core = n.core;
    switch (ev.kind) {
      case 'tick':
        if (ev.time !== n.wakeAt) return;
        n.wakeAt = Infinity;
        core.tick(this.now);
        break;
      case 'packet':
        core.handlePacket(ev.from, ev.data, this.now);
        break;
      case 'stream': {
        let reply: Uint8Array | Error;
        try {
          reply = core.handleStream(ev.from, ev.data, this.now);
        } catch (e) {
          reply = e as Error;
        }
        this.replyTo(n, ev, reply);
        break;
      }
      case 'reply':
        try {
          core.handleStreamReply(ev.id, ev.data, this.now);
        } catch {
          // counted as malformed by the core
        }
        break;
    }
    this.flush(n);
  }

  private replyTo(from: SimNode, ev: Extract<SimEvent, { kind: 'stream' }>, data: Uint8Array | Error): void {
    const origin = this.nodes.get(ev.replyTo);
    if (!origin || origin.generation !== ev.replyGen) return;
    const blocked = from.group !== origin.group;
    this.push({ kind: 'reply', node: origin.name, gen: ev.replyGen, id: ev.id, data: blocked ? new Error('timeout') : data instanceof Error ? data : own(data), time: this.now + this.delay(from.name, origin.name), prio: 1 });
  }

  private replyError(ev: Extract<SimEvent, { kind: 'stream' }>, err: Error): void {
    const origin = this.nodes.get(ev.replyTo);
    if (!origin || origin.generation !== ev.replyGen) return;
    this.push({ kind: 'reply', node: origin.name, gen: ev.replyGen, id: ev.id, data: err, time: this.now + this.delay(), prio: 1 });
  }

  private delay(from?: string, to?: string): number {
    const pair = from !== undefined && to !== undefined && this.opts.pairDelayMs ? this.opts.pairDelayMs(from, to) : 0;
    return pair + this.minDelayMs + this.rng.next() * (this.maxDelayMs - this.minDelayMs);
  }

  private flush(n: SimNode): void {
    const core = n.core;
    for (const out of core.drainOutputs()) {
      const toName = this.byAddr.get(out.to);
      const to = toName ? this.nodes.get(toName) : undefined;
      if (out.kind === 'packet') {
        n.sentPackets++;
        n.sentBytes += out.data.length;
        n.sentUdpBytes += out.data.length;
        if (out.data.length > this.config.udpPacketSize) throw new Error(`${n.name} sent a ${out.data.length}-byte packet`);
        if (!to || to.crashed || to.group !== n.group || this.udpBlocked.has(`${n.addr}|${out.to}`) || this.rng.next() < this.loss) {
          this.packetsDropped++;
          continue;
        }
        this.push({ kind: 'packet', node: to.name, gen: to.generation, from: n.addr, data: own(out.data), time: this.now + this.delay(n.name, to.name), prio: 1 });
      } else {
        n.sentBytes += out.data.length;
        if (!to || to.group !== n.group) {
          // Unreachable: the connect times out.
          this.push({ kind: 'reply', node: n.name, gen: n.generation, id: out.id, data: new Error('i/o timeout'), time: this.now + out.timeoutMs, prio: 1 });
          continue;
        }
        this.push({
          kind: 'stream',
          node: to.name,
          gen: to.generation,
          from: n.addr,
          replyTo: n.name,
          replyGen: n.generation,
          id: out.id,
          data: own(out.data),
          time: this.now + this.delay(n.name, to.name),
          prio: 1,
        });
      }
    }
    const events = core.drainEvents();
    if (events.length && this.observers.length) {
      for (const e of events) for (const o of this.observers) o(n.name, e, this.now);
    }
    const w = Math.max(core.nextWakeAt(), this.now);
    if (w < n.wakeAt) {
      n.wakeAt = w;
      this.push({ kind: 'tick', node: n.name, gen: n.generation, time: w, prio: 0 });
    }
  }
}
