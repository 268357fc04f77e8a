import { Worker } from 'node:worker_threads';
import type { Logger } from '@conclave/toolkit';

/**
 * More UDP readers on the DNS port, so that answering spreads over more than one core: each is a worker thread with
 * a socket of its own in the port's SO_REUSEPORT group (dgram's `reusePort`, Node 22.12+ and 23.1+; Node 20 ignores
 * the option, the reader's bind then fails and the main thread goes on alone). The kernel hands each flow (client
 * address and port) to one socket of the group.
 *
 * A reader answers a query from its copy of the wire cache (the replies the main thread puts there, same keys) when
 * the entry was made at the version and settings epoch the shared cells hold now; everything else it hands to the
 * main thread, which answers it through its own socket on the same port. The main thread stores a new version in the
 * cell synchronously when the data changes (DnsDataSource.onChange), before the write that changed it returns, so a
 * reader never answers from data older than a returned write.
 */

/** Queries a reader hands over that the main thread has not taken yet, at most (a flood of misses must not queue
 * without bound in the main thread's message port). */
const MAX_PENDING = 1024;

/** Cell 0: the data version (as int32); cell 1: the settings epoch (moves on reload). */
export const VERSION_CELL = 0;
export const EPOCH_CELL = 1;

export interface ReaderMessageQuery {
  kind: 'query';
  message: Uint8Array;
  port: number;
  address: string;
}

type FromReader = { kind: 'listening' } | { kind: 'error'; message: string } | ReaderMessageQuery;

/** The reader's code, run with `eval` so that it works alike from sources (tests) and from the bundle. */
const READER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const dns = require('node:dns');
const net = require('node:net');
const cells = new Int32Array(workerData.cells);
const entries = new Map();
const sock = dgram.createSocket({
  type: workerData.family,
  reusePort: true,
  lookup: (host, options, cb) => { const f = net.isIP(host); if (f !== 0) cb(null, host, f); else dns.lookup(host, options, cb); },
});
let listening = false;
let pending = 0;
sock.on('error', (err) => { if (!listening) parentPort.postMessage({ kind: 'error', message: err.message }); });
sock.on('message', (msg, rinfo) => {
  if (msg.length > 12 && msg.length <= ${300}) {
    const e = entries.get(msg.toString('latin1', 2));
    if (e !== undefined && e.version === Atomics.load(cells, ${VERSION_CELL}) && e.epoch === Atomics.load(cells, ${EPOCH_CELL})) {
      const out = Buffer.allocUnsafe(e.bytes.length);
      e.bytes.copy(out, 0);
      out[0] = msg[0];
      out[1] = msg[1];
      sock.send(out, rinfo.port, rinfo.address);
      return;
    }
  }
  // Bounded like a socket's receive buffer: past this many queries the main thread has not taken yet, drop.
  if (pending >= ${MAX_PENDING}) return;
  pending++;
  parentPort.postMessage({ kind: 'query', message: msg, port: rinfo.port, address: rinfo.address });
});
parentPort.on('message', (m) => {
  if (m.kind === 'taken') {
    pending--;
  } else if (m.kind === 'entry') {
    if (entries.size >= workerData.maxEntries && !entries.has(m.key)) entries.clear();
    entries.set(m.key, { version: m.version, epoch: m.epoch, bytes: Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.length) });
  } else if (m.kind === 'close') {
    entries.clear();
    try { sock.close(() => parentPort.close()); } catch { parentPort.close(); }
  }
});
sock.bind({ port: workerData.port, address: workerData.host, exclusive: true }, () => {
  listening = true;
  parentPort.postMessage({ kind: 'listening' });
});
`;

export interface UdpReadersOptions {
  host: string;
  port: number;
  family: 'udp4' | 'udp6';
  count: number;
  maxEntries: number;
  cells: Int32Array;
  logger: Pick<Logger, 'debug' | 'warn'>;
  /** A query a reader could not answer itself. */
  onQuery(q: ReaderMessageQuery): void;
}

/** The running readers; `entry` copies a reply into each one's cache. */
export class UdpReaders {
  private readonly workers: Worker[] = [];
  private closed = false;

  constructor(private readonly o: UdpReadersOptions) {}

  /** Starts the readers; resolves with how many listen (0 where dgram has no `reusePort`). */
  async start(): Promise<number> {
    const started = await Promise.all(Array.from({ length: this.o.count }, () => this.startOne()));
    return started.filter(Boolean).length;
  }

  /** Readers listening now. */
  get running(): number {
    return this.workers.length;
  }

  entry(key: string, version: number, epoch: number, bytes: Uint8Array): void {
    for (const w of this.workers) w.postMessage({ kind: 'entry', key, version, epoch, bytes });
  }

  close(): Promise<void> {
    this.closed = true;
    const all = this.workers.splice(0).map(
      (w) =>
        new Promise<void>((resolve) => {
          w.once('exit', () => resolve());
          w.postMessage({ kind: 'close' });
          // A reader that does not go by itself (it should) is stopped.
          setTimeout(() => void w.terminate(), 2000).unref();
        }),
    );
    return Promise.all(all).then(() => undefined);
  }

  private startOne(): Promise<boolean> {
    const { host, port, family, maxEntries, cells } = this.o;
    // Small heaps: a reader holds a Map of reply bytes and nothing else.
    const w = new Worker(READER_SOURCE, {
      eval: true,
      workerData: { host, port, family, maxEntries, cells: cells.buffer },
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 },
    });
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const settle = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        resolve(ok);
      };
      w.on('message', (m: FromReader) => {
        if (m.kind === 'query') {
          w.postMessage({ kind: 'taken' });
          this.o.onQuery(m);
        } else if (m.kind === 'listening') {
          if (this.closed) w.postMessage({ kind: 'close' });
          else this.workers.push(w);
          settle(true);
        } else if (m.kind === 'error') {
          this.o.logger.debug('no second UDP reader (dgram reusePort needs Node 22.12+ or 23.1+)', { error: m.message });
          void w.terminate();
          settle(false);
        }
      });
      w.on('error', (err) => {
        this.o.logger.warn('UDP reader thread failed', { error: err.message });
        settle(false);
      });
      w.on('exit', () => {
        const i = this.workers.indexOf(w);
        if (i >= 0) this.workers.splice(i, 1);
        settle(false);
      });
    });
  }
}
