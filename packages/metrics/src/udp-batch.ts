// Lines to a statsd-style UDP server, batched into datagrams as the Go clients do: a line that would make the packet
// longer than the limit sends what is pending first, and whatever is pending goes every 100 ms. Sending never blocks
// or throws into the caller; a failed send drops that packet (UDP metrics are best effort in go-metrics too).
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { splitHostPort } from '@conclave/toolkit';

const FLUSH_MS = 100;

export class UdpBatch {
  private pending = '';
  private pendingBytes = 0;
  private readonly socket: dgram.Socket;
  private readonly timer: NodeJS.Timeout;
  private readonly host: string;
  private readonly port: number;
  private closed = false;

  /** `address` is host:port (Go's form); maxBytes the largest datagram. */
  constructor(
    address: string,
    private readonly maxBytes: number,
    private readonly onError: (err: Error) => void = () => {},
  ) {
    const hp = splitHostPort(address);
    this.host = hp.host === '' ? '127.0.0.1' : hp.host;
    this.port = Number(hp.port);
    this.socket = dgram.createSocket(isIP(this.host) === 6 ? 'udp6' : 'udp4');
    this.socket.on('error', (err) => this.onError(err));
    this.socket.unref();
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  /** Queues one line; `separator` goes between lines of one datagram (statsd lines end in their own "\n"). */
  push(line: string, separator = ''): void {
    if (this.closed) return;
    const bytes = Buffer.byteLength(line);
    const extra = this.pendingBytes > 0 ? separator.length : 0;
    if (this.pendingBytes > 0 && this.pendingBytes + extra + bytes > this.maxBytes) this.flush();
    if (this.pendingBytes > 0) {
      this.pending += separator;
      this.pendingBytes += separator.length;
    }
    this.pending += line;
    this.pendingBytes += bytes;
  }

  flush(): void {
    if (this.pendingBytes === 0) return;
    const packet = Buffer.from(this.pending);
    this.pending = '';
    this.pendingBytes = 0;
    this.socket.send(packet, this.port, this.host, (err) => {
      if (err) this.onError(err);
    });
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.timer);
    // Close after the last send was handed to the socket.
    setImmediate(() => this.socket.close());
  }
}
