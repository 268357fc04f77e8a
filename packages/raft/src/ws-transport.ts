import { Packr } from 'msgpackr';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { WebSocket, WebSocketServer, type ClientOptions, type RawData } from 'ws';
import { ConfigError } from './errors.js';
import type { RaftTransport } from './transport.js';
import type { Message, NodeId, Snapshot, SnapshotSource } from './types.js';
import type { SnapshotStream } from './storage.js';
import { invalidMessage } from './validate.js';

export interface WsTransportOptions {
  id: NodeId;
  /** Where to listen. port 0 picks a free port (see address()). */
  host?: string;
  port?: number;
  /** Peer id -> "host:port". */
  peers?: Record<NodeId, string>;
  /** Messages queued per peer while connecting; older ones are dropped beyond this. Default 4096. */
  maxQueue?: number;
  /** Bytes buffered in a socket before messages to that peer are dropped. Default 32 MiB. */
  maxBuffered?: number;
  /** Snapshot chunk size. Default 256 KiB. */
  chunkBytes?: number;
  /** Largest snapshot accepted from a peer. Default 64 GiB (it goes to disk, not memory). */
  maxSnapshotBytes?: number;
  /** Where snapshots from the leader are received, a file each, before they are installed (the node's data
   * directory, so they do not fill a small /tmp). Default: the OS temporary directory. */
  snapshotDir?: string;
  /** Reconnect backoff bounds. Defaults 50 ms .. 2 s. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Share a port with other WebSocket services: do not listen; the owner of the HTTP server passes Raft's
   * upgrades to handleUpgrade(). Peers are dialled at `ws://host:port<path>`. */
  noServer?: boolean;
  /** URL path of Raft on every peer (with noServer), e.g. `/raft`. Default ''. */
  path?: string;
  /** Dial peers over TLS (`wss://`) with these options (CA, client certificate, server identity check); read at
   * every dial, so new files apply to the next connection. Undefined: plain `ws://`. */
  tls?: () => TlsDialOptions | undefined;
}

/** The node:tls options a dial passes on (a subset of tls.ConnectionOptions; raft imports nothing of the agent). */
export type TlsDialOptions = Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized' | 'checkServerIdentity' | 'minVersion' | 'ciphers'>;

// Frames: [kind, ...]. 0 message; 1 snapshot begin (sid, message without data, total bytes); 2 chunk (sid,
// bytes, offset); 3 end.
const F_MSG = 0;
const F_SNAP_BEGIN = 1;
const F_SNAP_CHUNK = 2;
const F_SNAP_END = 3;
const F_BATCH = 4; // [4, [message, ...]]: everything queued for one peer in one event-loop turn
const MAX_BATCH = 1024;
const MAX_SNAPSHOTS_IN_PROGRESS = 4;
/** A chunk larger than this is refused (we send 256 KiB). */
const MAX_CHUNK_BYTES = 8 << 20;
/** Received bytes waiting for the disk before the connection is paused (TCP then slows the sender). */
const MAX_UNWRITTEN = 8 << 20;
const RECV_PREFIX = 'raft-snapshot-recv-';

interface Peer {
  id: NodeId;
  addr: string;
  ws?: WebSocket;
  open: boolean;
  queue: Buffer[];
  /** Messages waiting for the end of this event-loop turn, sent as one frame. */
  outbox: Message[];
  backoff: number;
  timer?: NodeJS.Timeout;
}

/** A snapshot being received: its chunks go to a file as they arrive, one write after another. */
interface Incoming {
  msg: Message;
  total: number;
  path: string;
  /** Opened by the first write. */
  fh?: FileHandle;
  /** Bytes received (the next chunk's offset). */
  got: number;
  /** The writes so far, in order; rejects on the first failure. */
  written: Promise<void>;
  /** Received, not yet on disk. */
  unwritten: number;
  failed?: Error;
}

/** Raft messages over WebSocket with msgpackr frames: one outbound connection per peer, reconnecting with backoff. */
export class WsTransport implements RaftTransport {
  private readonly packr = new Packr({ useRecords: false });
  private server: WebSocketServer | undefined;
  private peers = new Map<NodeId, Peer>();
  private handlers: { onMessage: (m: Message) => void; onUnreachable: (peer: NodeId) => void } | undefined;
  private closed = false;
  private sid = 0;
  private inbound = new Set<WebSocket>();
  private readonly o: Required<Omit<WsTransportOptions, 'peers' | 'host' | 'port' | 'tls'>> & { host: string; port: number; tls?: () => TlsDialOptions | undefined };
  private recvSeq = 0;
  /** snapshotDir was given: the node's own directory. */
  private readonly ownDir: boolean;
  private shared: WebSocketServer | undefined;

  constructor(opts: WsTransportOptions) {
    if (!opts.id) throw new ConfigError('WsTransport needs an id');
    this.ownDir = opts.snapshotDir !== undefined;
    this.o = {
      id: opts.id,
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 0,
      maxQueue: opts.maxQueue ?? 4096,
      maxBuffered: opts.maxBuffered ?? 32 << 20,
      chunkBytes: opts.chunkBytes ?? 256 << 10,
      maxSnapshotBytes: opts.maxSnapshotBytes ?? 2 ** 36,
      snapshotDir: opts.snapshotDir ?? tmpdir(),
      minBackoffMs: opts.minBackoffMs ?? 50,
      maxBackoffMs: opts.maxBackoffMs ?? 2000,
      noServer: opts.noServer ?? false,
      path: opts.path ?? '',
      tls: opts.tls,
    };
    if (this.o.noServer) this.shared = new WebSocketServer({ noServer: true, maxPayload: 64 << 20 });
    for (const [id, addr] of Object.entries(opts.peers ?? {})) this.setPeer(id, addr);
  }

  /** Binds the listening socket (idempotent). Returns the bound port. */
  async listen(): Promise<number> {
    if (this.o.noServer) return this.o.port;
    if (this.server) return this.address().port;
    const server = new WebSocketServer({ host: this.o.host, port: this.o.port, maxPayload: 64 << 20 });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    server.on('connection', (ws) => this.accept(ws));
    return this.address().port;
  }

  address(): { host: string; port: number } {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw new ConfigError('WsTransport is not listening; call listen() first');
    return { host: a.address, port: a.port };
  }

  /** With noServer: completes an HTTP upgrade to Raft's path on a server owned by the caller. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!this.shared || this.closed) {
      socket.destroy();
      return;
    }
    this.shared.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  setPeer(id: NodeId, addr: string): void {
    if (id === this.o.id) return;
    if (!/^[^\s/]+:\d+$/.test(addr)) throw new ConfigError(`peer ${id}: address ${JSON.stringify(addr)} must be host:port`);
    const p = this.peers.get(id);
    if (p && p.addr === addr) return;
    if (p) this.dropPeer(p);
    this.peers.set(id, { id, addr, open: false, queue: [], outbox: [], backoff: this.o.minBackoffMs });
  }

  removePeer(id: NodeId): void {
    const p = this.peers.get(id);
    if (p) this.dropPeer(p);
    this.peers.delete(id);
  }

  private dropPeer(p: Peer): void {
    clearTimeout(p.timer);
    p.ws?.removeAllListeners();
    p.ws?.on('error', () => undefined);
    p.ws?.terminate();
    p.ws = undefined;
    p.open = false;
  }

  async start(handlers: { onMessage: (m: Message) => void; onUnreachable: (peer: NodeId) => void }): Promise<void> {
    this.handlers = handlers;
    await this.removeLeftovers();
    await this.listen();
  }

  /** Files of snapshots a previous run of this node was receiving when it stopped (only in a directory of its
   * own: in the shared temporary directory another process may be receiving under the same node id). */
  private async removeLeftovers(): Promise<void> {
    if (!this.ownDir) return;
    const prefix = `${RECV_PREFIX}${this.o.id.replace(/[^\w.-]/g, '_')}-`;
    const names = await readdir(this.o.snapshotDir).catch(() => [] as string[]);
    for (const n of names) if (n.startsWith(prefix)) await unlink(join(this.o.snapshotDir, n)).catch(() => undefined);
  }

  private accept(ws: WebSocket): void {
    this.inbound.add(ws);
    const snaps = new Map<number, Incoming>();
    ws.on('message', (raw: RawData) => {
      try {
        this.onFrame(raw as Buffer, snaps, ws);
      } catch {
        ws.terminate(); // a peer speaking nonsense is cut off; it will reconnect
      }
    });
    ws.on('close', () => {
      this.inbound.delete(ws);
      // Snapshots cut off mid-way: their files go.
      for (const s of snaps.values()) void this.dropIncoming(s);
      snaps.clear();
    });
    ws.on('error', () => undefined);
  }

  private async dropIncoming(s: Incoming): Promise<void> {
    await s.written.catch(() => undefined);
    await s.fh?.close().catch(() => undefined);
    await unlink(s.path).catch(() => undefined);
  }

  /** Queues a chunk's write at its offset; pauses the connection while too much waits for the disk. */
  private writeChunk(s: Incoming, b: Uint8Array, at: number, ws: WebSocket): void {
    s.unwritten += b.length;
    if (s.unwritten > MAX_UNWRITTEN && !ws.isPaused) ws.pause();
    s.written = s.written.then(async () => {
      if (s.failed) return;
      try {
        if (!s.fh) {
          await mkdir(this.o.snapshotDir, { recursive: true });
          s.fh = await open(s.path, 'w');
        }
        let off = 0;
        while (off < b.length) off += (await s.fh.write(b, off, b.length - off, at + off)).bytesWritten;
      } catch (err) {
        s.failed = err as Error;
        ws.terminate();
      } finally {
        s.unwritten -= b.length;
        if (s.unwritten <= MAX_UNWRITTEN / 2 && ws.isPaused) ws.resume();
      }
    });
  }

  /** After the last chunk: everything on disk and synced before Raft hears of it (and acknowledges it). */
  private async finishIncoming(s: Incoming): Promise<void> {
    await s.written;
    if (s.failed) throw s.failed;
    if (!s.fh) {
      await mkdir(this.o.snapshotDir, { recursive: true });
      s.fh = await open(s.path, 'w'); // an empty snapshot
    }
    await s.fh.sync();
    await s.fh.close();
    s.fh = undefined;
    const path = s.path;
    const source: SnapshotSource = {
      size: s.total,
      open: () => createReadStream(path, { highWaterMark: 1 << 20 }),
      discard: () => unlink(path).catch(() => undefined),
    };
    const m = s.msg;
    m.snapshot = { meta: m.snapshot!.meta, source };
    if (this.closed || !this.handlers) await source.discard!();
    else this.handlers.onMessage(m);
  }

  private onFrame(raw: Buffer, snaps: Map<number, Incoming>, ws: WebSocket): void {
    const f = this.packr.unpack(raw) as unknown[];
    if (!Array.isArray(f)) throw new Error('bad frame');
    switch (f[0]) {
      case F_MSG:
        if (invalidMessage(f[1])) throw new Error('invalid message');
        this.handlers?.onMessage(f[1] as Message);
        return;
      case F_BATCH: {
        const ms = f[1];
        if (!Array.isArray(ms) || ms.length > MAX_BATCH) throw new Error('bad batch');
        for (const m of ms) if (invalidMessage(m)) throw new Error('invalid message');
        for (const m of ms) this.handlers?.onMessage(m as Message);
        return;
      }
      case F_SNAP_BEGIN: {
        if (snaps.size >= MAX_SNAPSHOTS_IN_PROGRESS || snaps.has(f[1] as number)) throw new Error('too many snapshots in progress');
        if (invalidMessage(f[2]) || !Number.isSafeInteger(f[3]) || (f[3] as number) < 0) throw new Error('invalid snapshot header');
        if ((f[3] as number) > this.o.maxSnapshotBytes) throw new Error('snapshot larger than maxSnapshotBytes');
        const name = `${RECV_PREFIX}${this.o.id.replace(/[^\w.-]/g, '_')}-${process.pid}-${++this.recvSeq}.tmp`;
        snaps.set(f[1] as number, { msg: f[2] as Message, total: f[3] as number, path: join(this.o.snapshotDir, name), got: 0, written: Promise.resolve(), unwritten: 0 });
        return;
      }
      case F_SNAP_CHUNK: {
        const s = snaps.get(f[1] as number);
        if (!s) return;
        const b = f[2] as Buffer;
        if (!(b instanceof Uint8Array) || b.length > MAX_CHUNK_BYTES) throw new Error('bad chunk');
        // Senders before offsets were sent omit it; when present it must be where the last chunk ended.
        if (f[3] !== undefined && f[3] !== s.got) throw new Error('snapshot chunk out of order');
        if (s.got + b.length > s.total) throw new Error('snapshot larger than announced');
        this.writeChunk(s, b, s.got, ws);
        s.got += b.length;
        return;
      }
      case F_SNAP_END: {
        const s = snaps.get(f[1] as number);
        snaps.delete(f[1] as number);
        if (!s) return;
        if (s.got !== s.total) {
          void this.dropIncoming(s);
          return;
        }
        this.finishIncoming(s).catch(() => {
          void this.dropIncoming(s);
          ws.terminate();
        });
        return;
      }
      default:
        throw new Error('unknown frame');
    }
  }

  private dial(addr: string): WebSocket {
    const tls = this.o.tls?.();
    return tls
      ? // ws types checkServerIdentity as its own legacy hook; at run time the options reach tls.connect as they are.
        new WebSocket(`wss://${addr}${this.o.path}`, { ...tls, perMessageDeflate: false, handshakeTimeout: 2000 } as ClientOptions)
      : new WebSocket(`ws://${addr}${this.o.path}`, { perMessageDeflate: false, handshakeTimeout: 2000 });
  }

  private connect(p: Peer): void {
    if (this.closed || p.ws) return;
    const ws = this.dial(p.addr);
    p.ws = ws;
    ws.on('open', () => {
      p.open = true;
      p.backoff = this.o.minBackoffMs;
      const q = p.queue;
      p.queue = [];
      for (const b of q) ws.send(b);
    });
    const lost = () => {
      if (p.ws !== ws) return;
      const wasOpen = p.open;
      p.ws = undefined;
      p.open = false;
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      // An open connection that drops usually means the peer's process died: tell Raft at once (a
      // follower then stops waiting for a dead leader), not only when messages were waiting.
      if (wasOpen || p.queue.length) this.handlers?.onUnreachable(p.id);
      p.queue = [];
      if (this.closed || this.peers.get(p.id) !== p) return;
      // Backoff with jitter; the next send triggers the reconnect.
      const wait = p.backoff * (0.5 + Math.random() / 2);
      p.backoff = Math.min(p.backoff * 2, this.o.maxBackoffMs);
      p.timer = setTimeout(() => {
        p.timer = undefined;
        this.connect(p);
      }, wait);
    };
    ws.on('close', lost);
    ws.on('error', lost);
    ws.on('message', () => undefined);
  }

  private sendFrame(to: NodeId, frame: Buffer): boolean {
    const p = this.peers.get(to);
    if (!p || this.closed) return false;
    if (p.open && p.ws) {
      if (p.ws.bufferedAmount > this.o.maxBuffered) return false;
      p.ws.send(frame);
      return true;
    }
    if (!p.ws && !p.timer) this.connect(p);
    if (p.queue.length >= this.o.maxQueue) p.queue.shift();
    p.queue.push(frame);
    return true;
  }

  private flushScheduled = false;

  send(m: Message): void {
    const p = this.peers.get(m.to);
    if (!p || this.closed) {
      this.handlers?.onUnreachable(m.to);
      return;
    }
    // Coalesce: one frame (one syscall) per peer per event-loop turn instead of one per message.
    p.outbox.push(m);
    if (p.outbox.length >= MAX_BATCH) this.flushPeer(p);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Sends every peer's queued messages now (one frame each); the end-of-turn flush then finds nothing. */
  flush(): void {
    this.flushScheduled = false;
    for (const p of this.peers.values()) this.flushPeer(p);
  }

  private flushPeer(p: Peer): void {
    if (!p.outbox.length) return;
    const ms = p.outbox;
    p.outbox = [];
    const frame = ms.length === 1 ? this.packr.pack([F_MSG, ms[0]]) : this.packr.pack([F_BATCH, ms]);
    if (!this.sendFrame(p.id, frame)) this.handlers?.onUnreachable(p.id);
  }

  async sendSnapshot(m: Message, snapshot: Snapshot): Promise<boolean> {
    const data = snapshot.data;
    if (!data) {
      const src = snapshot.source;
      return src ? this.sendSnapshotStream(m, { meta: snapshot.meta, size: src.size, chunks: src.open(), close: async () => undefined }) : false;
    }
    const chunkBytes = this.o.chunkBytes;
    return this.sendSnapshotStream(m, {
      meta: snapshot.meta,
      size: data.length,
      chunks: (async function* () {
        for (let off = 0; off < data.length; off += chunkBytes) yield data.subarray(off, off + chunkBytes);
      })(),
      close: async () => undefined,
    });
  }

  /**
   * Streams a snapshot read from storage. The end frame goes only after the last chunk (and the storage's
   * checksum, which the chunks throw on) is good: a follower never installs a truncated or damaged one.
   */
  async sendSnapshotStream(m: Message, snapshot: SnapshotStream): Promise<boolean> {
    const p = this.peers.get(m.to);
    if (!p) return false;
    // Stream over a dedicated connection so a large snapshot never delays heartbeats to that peer.
    const ws = this.dial(p.addr);
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const sid = ++this.sid;
      const head: Message = { ...m, snapshot: { meta: snapshot.meta } };
      const sendAsync = (b: Buffer) => new Promise<void>((res, rej) => ws.send(b, (err) => (err ? rej(err) : res())));
      await sendAsync(this.packr.pack([F_SNAP_BEGIN, sid, head, snapshot.size]));
      let sent = 0;
      for await (const chunk of snapshot.chunks) {
        // Storage reads 1 MiB at a time; the wire keeps its chunk size.
        for (let off = 0; off < chunk.length; off += this.o.chunkBytes) {
          if (this.closed) return false;
          const part = chunk.subarray(off, off + this.o.chunkBytes);
          if (sent + part.length > snapshot.size) return false;
          await sendAsync(this.packr.pack([F_SNAP_CHUNK, sid, part, sent]));
          sent += part.length;
        }
      }
      if (sent !== snapshot.size) return false;
      await sendAsync(this.packr.pack([F_SNAP_END, sid]));
      return true;
    } catch {
      return false;
    } finally {
      ws.close();
      ws.on('error', () => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.peers.values()) this.dropPeer(p);
    for (const ws of this.inbound) ws.terminate();
    this.shared?.close();
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
