import dgram from 'node:dgram';
import net from 'node:net';
import { normaliseIp } from './ip-address.js';
import type { Logger } from '@conclave/toolkit';
import type { RecursorAddress, RecursorStrategy } from './options.js';
import { shuffled } from './shuffle.js';
import type { DnsTransport } from './transport.js';
import { RCODE_NOERROR, RCODE_NXDOMAIN } from './wire-query.js';

/** Forwards at most this many queries at once; beyond it a query fails fast (SERVFAIL) instead of queueing. */
const MAX_IN_FLIGHT = 512;

export interface RecursorClientOptions {
  recursors: RecursorAddress[];
  timeoutMs: number;
  strategy: RecursorStrategy;
  random: () => number;
  logger: Pick<Logger, 'warn' | 'debug'>;
}

/**
 * Forwards a query for a name outside the domain to the recursors, over the transport the client used,
 * trying them in order (or a random order) until one answers NOERROR or NXDOMAIN, as Consul does.
 * Each exchange uses its own socket (so its own source port), bounded by a timeout.
 */
export class RecursorClient {
  private inFlight = 0;
  private closed = false;
  private readonly open = new Set<{ close(): void }>();

  constructor(private readonly opts: RecursorClientOptions) {}

  /** The upstream reply (same id as `query`), or undefined when every recursor failed. */
  async forward(query: Buffer, transport: DnsTransport): Promise<Buffer | undefined> {
    if (this.closed || this.inFlight >= MAX_IN_FLIGHT) return undefined;
    this.inFlight++;
    try {
      const order = this.opts.strategy === 'random' ? shuffled(this.opts.recursors, this.opts.random) : this.opts.recursors;
      for (const r of order) {
        if (this.closed) return undefined;
        const where = `${r.family === 6 ? `[${r.host}]` : r.host}:${r.port}`;
        try {
          const reply = transport === 'tcp' ? await this.exchangeTcp(r, query) : await this.exchangeUdp(r, query);
          const rcode = reply[3] & 0xf;
          if (rcode === RCODE_NOERROR || rcode === RCODE_NXDOMAIN) return reply;
          this.opts.logger.debug('recursor answered with an error, trying the next', { recursor: where, rcode });
        } catch (err) {
          this.opts.logger.warn('recursor failed', { recursor: where, error: (err as Error).message });
        }
      }
      return undefined;
    } finally {
      this.inFlight--;
    }
  }

  close(): void {
    this.closed = true;
    for (const s of this.open) s.close();
    this.open.clear();
  }

  private exchangeUdp(r: RecursorAddress, query: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const id = query.readUInt16BE(0);
      const sock = dgram.createSocket(r.family === 6 ? 'udp6' : 'udp4');
      const expected = normaliseIp(r.host);
      let finished = false;
      const handle = { close: () => finish(new Error('dns server closing')) };
      const finish = (err: Error | undefined, reply?: Buffer): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        this.open.delete(handle);
        try {
          sock.close();
        } catch {
          // already closed
        }
        if (err) reject(err);
        else resolve(reply!);
      };
      const timer = setTimeout(() => finish(new Error(`no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
      this.open.add(handle);
      sock.on('error', (err) => finish(err));
      sock.on('message', (msg, rinfo) => {
        // Accept only a response to this query from the recursor we asked (spoofed or stray packets are ignored).
        if (rinfo.port !== r.port || normaliseIp(rinfo.address) !== expected) return;
        if (msg.length < 12 || msg.readUInt16BE(0) !== id || (msg[2] & 0x80) === 0) return;
        finish(undefined, msg);
      });
      sock.send(query, r.port, r.host, (err) => {
        if (err) finish(err);
      });
    });
  }

  private exchangeTcp(r: RecursorAddress, query: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const id = query.readUInt16BE(0);
      const sock = net.connect({ host: r.host, port: r.port });
      let buffered = Buffer.alloc(0);
      let finished = false;
      const handle = { close: () => finish(new Error('dns server closing')) };
      const finish = (err: Error | undefined, reply?: Buffer): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        this.open.delete(handle);
        sock.destroy();
        if (err) reject(err);
        else resolve(reply!);
      };
      const timer = setTimeout(() => finish(new Error(`no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
      this.open.add(handle);
      sock.on('error', (err) => finish(err));
      sock.on('close', () => finish(new Error('connection closed before an answer')));
      sock.on('connect', () => {
        const frame = Buffer.allocUnsafe(2 + query.length);
        frame.writeUInt16BE(query.length, 0);
        query.copy(frame, 2);
        sock.write(frame);
      });
      sock.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2) {
          const len = buffered.readUInt16BE(0);
          if (buffered.length < 2 + len) return;
          const msg = buffered.subarray(2, 2 + len);
          buffered = buffered.subarray(2 + len);
          if (msg.length >= 12 && msg.readUInt16BE(0) === id && (msg[2] & 0x80) !== 0) {
            finish(undefined, Buffer.from(msg));
            return;
          }
        }
      });
    });
  }
}
