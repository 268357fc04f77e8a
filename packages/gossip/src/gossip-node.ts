/**
 * The real driver: binds UDP and TCP on one port, feeds the GossipCore with
 * what arrives and the wall clock, and carries out what it asks for.
 */
import { CoordinatePing } from './coordinate-ping.js';
import type { Coordinate } from './coordinate.js';
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import os from 'node:os';
import { profile as presetProfile, type GossipConfig, type ProfileName } from './config.js';
import { DecryptError, GossipConfigError, GossipError } from './errors.js';
import { GossipCore, type GossipEvent, type GossipOutput, type GossipStats, type Query } from './gossip-core.js';
import { joinHostPort, splitHostPort } from './host-port.js';
import { Keyring } from './keyring.js';
import { silentLogger, type GossipLogger } from './logger.js';
import { isLive, type Member } from './member.js';
import { FrameReader, frame, open, packetOverhead, refusal, seal } from './transport.js';
import type { UserEvent } from './user-events.js';

/** Bound on open TCP connections (inbound + outbound); more are refused. */
const MAX_CONNECTIONS = 512;

export interface GossipNodeOptions {
  /** Unique node name in the cluster. */
  name: string;
  /** Address to bind UDP and TCP on (default 0.0.0.0). */
  bindAddr?: string;
  /**
   * Port for both UDP and TCP; 0 picks a free one. No default: which port a
   * cluster gossips on is the application's convention, not this library's.
   */
  port: number;
  /** Address others use to reach us (default: bindAddr, or the first private IPv4 when bound to 0.0.0.0). */
  advertiseAddr?: string;
  advertisePort?: number;
  tags?: Record<string, string>;
  /** A Keyring, or base64 key(s) (first = primary). Omit for no encryption. */
  keyring?: Keyring | string | string[];
  /** Timing preset name or a whole config (default 'lan'). */
  profile?: ProfileName | GossipConfig;
  /** Overrides on top of the profile. */
  config?: Partial<GossipConfig>;
  /** PRNG seed (default random). */
  seed?: number;
  /** Clock in ms (default Date.now). */
  clock?: () => number;
  /** Receives notable happenings (default: none are logged). */
  logger?: GossipLogger;
  /** Timings for the application's metrics: 'probeNode' (ping to ack or failure) and 'gossip' (the wall time of
   * a timer tick that ran a gossip round), in ms. */
  onTiming?: (what: 'probeNode' | 'gossip', ms: number) => void;
  /** Vivaldi network coordinates (Serf's): sent on direct acks, updated from each direct probe's round trip. */
  coordinates?: boolean;
}

export interface JoinResult {
  /** Seeds that answered a push/pull (as given). */
  joined: string[];
  failed: { addr: string; error: string }[];
}

export interface GossipNodeStats extends GossipStats {
  /** Packets/streams dropped because the encryption settings or keys differ. */
  decryptFailures: number;
  /** UDP packets and streams over the size limit, or too short. */
  badFrames: number;
  streamsIn: number;
  streamsOut: number;
}

export interface GossipNodeEvents {
  join: [Member];
  leave: [Member];
  fail: [Member];
  update: [Member];
  suspect: [Member, string];
  reap: [Member];
  'user-event': [UserEvent];
}

type Waiter = (err: Error | null) => void;

/** Answers a query: the bytes to send back, or undefined to stay silent. A throw is logged, not answered. */
export type QueryHandler = (payload: Uint8Array, from: string) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

export interface QueryResult {
  /** Members that answered, by name (this node's own answer included). */
  responses: Map<string, Uint8Array>;
  /** Members alive when the query was sent (this node included): how many answers a full round has. */
  asked: number;
}

interface OpenQuery {
  result: QueryResult;
  done: () => void;
}

/** Answers kept to repeat them when an origin asks again (its first copy may have been lost). */
const ANSWERS_KEPT = 256;

export class GossipNode extends EventEmitter<GossipNodeEvents> {
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private closed = false;
  private readonly waiters = new Map<number, Waiter>();
  private readonly sockets = new Set<net.Socket>();
  private leaveWaiters: (() => void)[] = [];
  private readonly extra = { decryptFailures: 0, badFrames: 0, streamsIn: 0, streamsOut: 0 };
  private readonly queryHandlers = new Map<string, QueryHandler>();
  private readonly openQueries = new Map<number, OpenQuery>();
  private readonly answers = new Map<string, { query: Query; answer: Uint8Array }>();

  /** @internal use createGossipNode() */
  constructor(
    private readonly core: GossipCore,
    private readonly udp: dgram.Socket,
    private readonly tcp: net.Server,
    private keyringValue: Keyring | undefined,
    private readonly clock: () => number,
    private readonly log: GossipLogger,
    private readonly onTiming?: GossipNodeOptions['onTiming'],
    private readonly coordinates?: CoordinatePing,
  ) {
    super();
    udp.on('message', (msg, rinfo) => this.onPacket(msg, joinHostPort(rinfo.address, rinfo.port)));
    udp.on('error', (e) => this.log.error('UDP socket error', { error: e.message }));
    tcp.on('connection', (s) => this.onConnection(s));
    tcp.on('error', (e) => this.log.error('TCP listener error', { error: e.message }));
    this.flush();
  }

  /** This node's network coordinate (undefined when coordinates are off). */
  coordinate(): Coordinate | undefined {
    return this.coordinates?.coordinate();
  }

  /** The last coordinate seen for a member (Serf's GetCachedCoordinate). */
  cachedCoordinate(name: string): Coordinate | undefined {
    return this.coordinates?.cached(name);
  }

  get name(): string {
    return this.core.name;
  }

  /** Advertised "ip:port". */
  get addr(): string {
    return this.core.localMember().addr;
  }

  get port(): number {
    return this.core.localMember().port;
  }

  get config(): GossipConfig {
    return this.core.config;
  }

  /** Every known member (this node included), in no particular order. */
  members(): Member[] {
    return this.core.members();
  }

  member(name: string): Member | undefined {
    return this.core.member(name);
  }

  localMember(): Member {
    return this.core.localMember();
  }

  /** Lifeguard health score (0 = healthy). */
  healthScore(): number {
    return this.core.healthScore();
  }

  /** The user-event Lamport clock (Serf's event_time). */
  eventClock(): number {
    return this.core.eventClock();
  }

  stats(): GossipNodeStats {
    return { ...this.core.stats, ...this.extra };
  }

  /**
   * Joins through each seed ("host:port", or "host" for this node's own port,
   * as a cluster usually gossips on one port) with a TCP push/pull. Never
   * throws for unreachable seeds: they are listed in `failed`.
   */
  async join(seeds: string[]): Promise<JoinResult> {
    this.assertOpen();
    const result: JoinResult = { joined: [], failed: [] };
    await Promise.all(
      seeds.map(async (seed) => {
        try {
          const addr = await resolveSeed(seed, this.boundPort());
          const id = this.core.join(addr, this.clock());
          const done = new Promise<Error | null>((resolve) => this.waiters.set(id, resolve));
          this.flush();
          const err = await done;
          if (err) throw err;
          result.joined.push(seed);
        } catch (e) {
          result.failed.push({ addr: seed, error: (e as Error).message });
        }
      }),
    );
    if (result.joined.length) this.log.info('joined', { seeds: result.joined });
    for (const f of result.failed) this.log.warn('join failed', { seed: f.addr, error: f.error });
    return result;
  }

  /**
   * Graceful leave: tells the cluster (`leaving`, then `left`) and waits for
   * the news to spread, at most `timeoutMs`. The node keeps answering until shutdown().
   */
  async leave(timeoutMs = 5000): Promise<void> {
    this.assertOpen();
    this.core.leave(this.clock());
    this.flush();
    if (this.core.leaveComplete()) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.leaveWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Stops at once, without telling anyone (others will detect a failure unless leave() ran). */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    for (const w of this.waiters.values()) w(new GossipError('node shut down'));
    this.waiters.clear();
    for (const q of [...this.openQueries.values()]) q.done();
    for (const w of this.leaveWaiters) w();
    for (const s of this.sockets) s.destroy();
    await Promise.all([
      new Promise<void>((r) => this.udp.close(() => r())),
      new Promise<void>((r) => this.tcp.close(() => r())),
    ]);
  }

  /** Replaces the local tags (whole set) and gossips them. */
  setTags(tags: Record<string, string>): void {
    this.assertOpen();
    this.core.setTags(tags, this.clock());
    this.flush();
  }

  /** Fires a user event to every member; throws SizeLimitError over the limit. */
  sendUserEvent(name: string, payload: Uint8Array | string = new Uint8Array(0)): UserEvent {
    this.assertOpen();
    const ev = this.core.sendUserEvent(name, typeof payload === 'string' ? Buffer.from(payload) : payload);
    this.flush();
    return ev;
  }

  /** Answers queries named `name` on this node (one handler per name; a later one replaces it). */
  onQuery(name: string, handler: QueryHandler): void {
    this.queryHandlers.set(name, handler);
  }

  /**
   * Asks every member and gathers the answers: resolves when every member live at sending (alive, suspect or leaving) has answered, or
   * after `timeoutMs` (default 5 s) with whoever did. Members without a handler for `name` stay silent.
   */
  query(name: string, payload: Uint8Array | string = new Uint8Array(0), opts: { timeoutMs?: number } = {}): Promise<QueryResult> {
    this.assertOpen();
    // Serf counts every member it has not seen fail or leave: a suspect one is still alive to it, and answers.
    const asked = this.members().filter((m) => isLive(m.status)).length;
    const q = this.core.sendQuery(name, typeof payload === 'string' ? Buffer.from(payload) : payload);
    const result: QueryResult = { responses: new Map(), asked };
    const timeoutMs = opts.timeoutMs ?? 5000;
    return new Promise<QueryResult>((resolve) => {
      const timer = setTimeout(() => done(), timeoutMs);
      // Gossip reaches every member with high probability, not certainty: ask the silent ones directly, a few times.
      const retry = setInterval(() => {
        if (this.closed) return;
        const missing = this.members().filter((m) => isLive(m.status) && m.name !== this.name && !result.responses.has(m.name));
        this.core.resendQuery(q, missing.map((m) => m.addr));
        this.flush();
      }, Math.max(100, Math.floor(timeoutMs / 8)));
      const done = () => {
        clearTimeout(timer);
        clearInterval(retry);
        this.openQueries.delete(q.id);
        resolve(result);
      };
      this.openQueries.set(q.id, { result, done });
      this.flush();
    });
  }

  /** Force-leave: failed to left, so the cluster stops trying to reconnect; alive members refute. */
  forceLeave(name: string, opts: { prune?: boolean } = {}): boolean {
    this.assertOpen();
    const ok = this.core.forceLeave(name, this.clock());
    if (ok && opts.prune) this.core.prune(name);
    this.flush();
    return ok;
  }

  /** Installed keys (base64, primary first); empty when encryption is off. */
  listKeys(): string[] {
    return this.keyringValue?.list() ?? [];
  }

  installKey(key: string): void {
    this.requireKeyring().install(key);
  }

  useKey(key: string): void {
    this.requireKeyring().use(key);
  }

  removeKey(key: string): void {
    this.requireKeyring().remove(key);
  }

  // ---------------------------------------------------------------- plumbing

  /** The local port, the default for seeds given without one. */
  private boundPort(): number {
    return (this.tcp.address() as net.AddressInfo).port;
  }

  private requireKeyring(): Keyring {
    if (!this.keyringValue) throw new GossipConfigError('gossip encryption is not enabled on this node (start it with a key)');
    return this.keyringValue;
  }

  private assertOpen(): void {
    if (this.closed) throw new GossipConfigError(`gossip node ${this.name} is shut down`);
  }

  private onPacket(msg: Buffer, from: string): void {
    if (this.closed) return;
    if (msg.length > this.core.config.udpPacketSize) {
      // Every member sends at most udpPacketSize; anything larger is not ours.
      this.extra.badFrames++;
      return;
    }
    let body: Uint8Array;
    try {
      body = open(this.keyringValue, msg);
    } catch (e) {
      if (e instanceof DecryptError) this.extra.decryptFailures++;
      else this.extra.badFrames++;
      this.log.debug('dropped packet', { from, error: (e as Error).message });
      return;
    }
    this.core.handlePacket(from, body, this.clock());
    this.flush();
  }

  private onConnection(sock: net.Socket): void {
    if (this.closed || this.sockets.size >= MAX_CONNECTIONS) {
      sock.destroy();
      return;
    }
    this.extra.streamsIn++;
    this.sockets.add(sock);
    const from = joinHostPort(sock.remoteAddress ?? '0.0.0.0', sock.remotePort ?? 0);
    const reader = new FrameReader(this.core.config.maxStreamBytes);
    sock.setTimeout(this.core.config.tcpTimeoutMs, () => sock.destroy());
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    let handled = false;
    sock.on('data', (chunk: Buffer) => {
      if (handled) return;
      let data: Uint8Array | undefined;
      try {
        data = reader.push(chunk);
      } catch (e) {
        handled = true;
        this.extra.badFrames++;
        sock.end(frame(refusal((e as Error).message)));
        return;
      }
      if (!data) return;
      handled = true;
      let reply: Uint8Array;
      try {
        const body = open(this.keyringValue, data);
        reply = seal(this.keyringValue, this.core.handleStream(from, body, this.clock()));
      } catch (e) {
        if (e instanceof DecryptError) {
          this.extra.decryptFailures++;
          this.log.warn('refused stream', { from, error: e.message });
        }
        reply = refusal((e as Error).message);
      }
      sock.end(frame(reply));
      this.flush();
    });
  }

  private stream(out: Extract<GossipOutput, { kind: 'stream' }>): void {
    this.extra.streamsOut++;
    const hp = splitHostPort(out.to);
    const finish = (result: Uint8Array | Error): void => {
      if (this.closed) return;
      let err: Error | null = result instanceof Error ? result : null;
      try {
        this.core.handleStreamReply(out.id, result, this.clock());
      } catch (e) {
        err = e as Error;
      }
      const w = this.waiters.get(out.id);
      if (w) {
        this.waiters.delete(out.id);
        w(err);
      }
      this.flush();
    };
    if (!hp) {
      finish(new GossipConfigError(`address "${out.to}" is not ip:port`));
      return;
    }
    const sock = net.connect({ host: hp.host, port: hp.port });
    this.sockets.add(sock);
    const reader = new FrameReader(this.core.config.maxStreamBytes);
    let done = false;
    const end = (r: Uint8Array | Error): void => {
      if (done) return;
      done = true;
      sock.destroy();
      finish(r);
    };
    sock.setTimeout(out.timeoutMs, () => end(new GossipError(`i/o timeout after ${out.timeoutMs} ms talking to ${out.to}`)));
    sock.on('close', () => {
      this.sockets.delete(sock);
      end(new GossipError(`connection to ${out.to} closed before a reply`));
    });
    sock.on('error', (e: NodeJS.ErrnoException) =>
      end(new GossipError(e.code === 'ECONNREFUSED' ? `connection refused by ${out.to}` : `${out.to}: ${e.message}`)),
    );
    sock.on('connect', () => sock.write(frame(seal(this.keyringValue, out.data))));
    sock.on('data', (chunk: Buffer) => {
      try {
        const data = reader.push(chunk);
        if (!data) return;
        end(open(this.keyringValue, data));
      } catch (e) {
        if (e instanceof DecryptError) {
          this.extra.decryptFailures++;
          end(new DecryptError(`reply from ${out.to}: ${e.message}`));
        } else end(e as Error);
      }
    });
  }

  /** Carries out queued outputs, emits events, re-arms the timer. */
  private flush(): void {
    if (this.closed) return;
    for (const out of this.core.drainOutputs()) {
      if (out.kind === 'packet') {
        const hp = splitHostPort(out.to);
        if (!hp) continue;
        this.udp.send(seal(this.keyringValue, out.data), hp.port, hp.host, (err) => {
          if (err) this.log.debug('send failed', { to: out.to, error: err.message });
        });
      } else {
        this.stream(out);
      }
    }
    for (const e of this.core.drainEvents()) this.emitEvent(e);
    if (this.core.leaveComplete() && this.leaveWaiters.length) {
      const ws = this.leaveWaiters;
      this.leaveWaiters = [];
      for (const w of ws) w();
    }
    const wake = this.core.nextWakeAt();
    if (wake < this.timerAt || this.timer === undefined) {
      clearTimeout(this.timer);
      this.timerAt = wake;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.timerAt = Infinity;
        if (this.closed) return;
        const rounds = this.core.gossipRounds;
        const t0 = performance.now();
        this.core.tick(this.clock());
        this.flush();
        if (this.onTiming && this.core.gossipRounds !== rounds) this.onTiming('gossip', performance.now() - t0);
      }, Math.max(0, wake - this.clock()));
    }
  }

  private answerQuery(q: Query): void {
    const handler = this.queryHandlers.get(q.name);
    if (!handler) return;
    Promise.resolve()
      .then(() => handler(q.payload, q.from))
      .then(
        (answer) => {
          if (answer === undefined || this.closed) return;
          this.answers.set(`${q.from}/${q.id}`, { query: q, answer });
          if (this.answers.size > ANSWERS_KEPT) this.answers.delete(this.answers.keys().next().value!);
          this.core.respondQuery(q, answer);
          this.flush();
        },
        (err: unknown) => this.log.warn('query handler failed', { query: q.name, from: q.from, error: (err as Error)?.message ?? String(err) }),
      );
  }

  private emitEvent(e: GossipEvent): void {
    switch (e.type) {
      case 'query':
        this.answerQuery(e.query);
        return;
      case 'query-repeat': {
        const kept = this.answers.get(`${e.query.from}/${e.query.id}`);
        if (kept) this.core.respondQuery(kept.query, kept.answer);
        return;
      }
      case 'query-response': {
        const open = this.openQueries.get(e.id);
        if (!open) return;
        open.result.responses.set(e.node, e.payload);
        if (open.result.responses.size >= open.result.asked) open.done();
        return;
      }
      case 'user-event':
        this.emit('user-event', e.event);
        return;
      case 'suspect':
        this.emit('suspect', e.member, e.from);
        return;
      default:
        if (e.type === 'fail' || e.type === 'leave') this.log.info(e.type === 'fail' ? 'member failed' : 'member left', { member: e.member.name, address: e.member.addr });
        this.emit(e.type, e.member);
    }
  }
}

/** Binds UDP and TCP and starts gossiping (alone until join()). */
export async function createGossipNode(opts: GossipNodeOptions): Promise<GossipNode> {
  if (!opts || typeof opts.name !== 'string' || opts.name.length === 0) throw new GossipConfigError('createGossipNode needs a node name');
  const base = typeof opts.profile === 'object' ? opts.profile : presetProfile(opts.profile ?? 'lan');
  if (!base) throw new GossipConfigError(`unknown gossip profile "${String(opts.profile)}"; use lan, local or test`);
  const config: GossipConfig = { ...base, ...(opts.config ?? {}) };
  const keyring =
    opts.keyring === undefined
      ? undefined
      : opts.keyring instanceof Keyring
        ? opts.keyring
        : new Keyring(Array.isArray(opts.keyring) ? opts.keyring : [opts.keyring]);
  const bindAddr = opts.bindAddr ?? '0.0.0.0';
  if (net.isIP(bindAddr) === 0) throw new GossipConfigError(`bind address "${bindAddr}" is not an IP address`);
  const wanted = opts.port;
  if (wanted === undefined) throw new GossipConfigError('createGossipNode needs a port (0 picks a free one)');
  if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) throw new GossipConfigError(`port ${wanted} is out of range`);
  const { udp, tcp, port } = await bindBoth(bindAddr, wanted);
  const advHost = opts.advertiseAddr ?? (bindAddr === '0.0.0.0' || bindAddr === '::' ? defaultAdvertise() : bindAddr);
  if (net.isIP(advHost) === 0) throw new GossipConfigError(`advertise address "${advHost}" is not an IP address`);
  const clock = opts.clock ?? Date.now;
  const coordinates = opts.coordinates ? new CoordinatePing(opts.name) : undefined;
  const core = new GossipCore({
    ping: coordinates,
    // Loopback and LAN round trips are fractions of a millisecond: measure them finer than the ms clock.
    rttClock: coordinates && (() => performance.now()),
    name: opts.name,
    addr: joinHostPort(advHost, opts.advertisePort ?? port),
    tags: opts.tags,
    config,
    // Which member to probe or gossip to next needs no secrecy (memberlist uses math/rand): Math.random, seeded by
    // V8 from the OS, spares an unencrypted agent loading node:crypto (4.8 MB of RSS on Node 24).
    seed: opts.seed ?? Math.floor(Math.random() * 2 ** 31),
    now: clock(),
    packetOverhead: packetOverhead(keyring),
    onProbeDone: opts.onTiming && ((ms) => opts.onTiming!('probeNode', ms)),
  });
  return new GossipNode(core, udp, tcp, keyring, clock, opts.logger ?? silentLogger, opts.onTiming, coordinates);
}

async function bindBoth(host: string, port: number): Promise<{ udp: dgram.Socket; tcp: net.Server; port: number }> {
  const type = net.isIPv6(host) ? 'udp6' : 'udp4';
  for (let attempt = 0; ; attempt++) {
    const tcp = net.createServer();
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host, port, exclusive: true }, () => resolve());
    }).catch((e: NodeJS.ErrnoException) => {
      throw new GossipConfigError(`cannot listen on TCP ${joinHostPort(host, port)}: ${e.code ?? e.message}`);
    });
    const actual = (tcp.address() as net.AddressInfo).port;
    const udp = dgram.createSocket({ type });
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind({ address: host, port: actual, exclusive: true }, () => resolve());
      });
      udp.removeAllListeners('error');
      tcp.removeAllListeners('error');
      return { udp, tcp, port: actual };
    } catch (e) {
      udp.close();
      await new Promise<void>((r) => tcp.close(() => r()));
      // With port 0 the TCP port may be taken on UDP: try another.
      if (port === 0 && attempt < 10) continue;
      throw new GossipConfigError(`cannot bind UDP ${joinHostPort(host, actual)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
}

function defaultAdvertise(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address;
  }
  return '127.0.0.1';
}

async function resolveSeed(seed: string, defaultPort: number): Promise<string> {
  const hp = splitHostPort(seed.trim(), defaultPort);
  if (!hp) throw new GossipConfigError(`seed "${seed}" is not host[:port]`);
  if (net.isIP(hp.host)) return joinHostPort(hp.host, hp.port);
  try {
    const { address } = await lookup(hp.host);
    return joinHostPort(address, hp.port);
  } catch (e) {
    throw new GossipConfigError(`cannot resolve seed host "${hp.host}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

