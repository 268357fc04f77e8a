// Output of checks and watch handlers is bounded: a chatty or misbehaving script must not grow the agent's memory.
// Like Consul's circbuf, the buffer keeps the LAST bytes written (the end of a log usually says what went wrong)
// and counts everything written.

/** Keeps the last `size` bytes of everything written, and how much was written in total. */
export class TailBuffer {
  private readonly buf: Buffer;
  private start = 0;
  private length = 0;
  private total = 0;

  constructor(readonly size: number) {
    this.buf = Buffer.alloc(Math.max(0, size));
  }

  write(chunk: Buffer | string): void {
    if (typeof chunk === 'string') chunk = Buffer.from(chunk, 'utf8');
    this.total += chunk.length;
    const size = this.buf.length;
    if (size === 0) return;
    if (chunk.length >= size) {
      chunk.copy(this.buf, 0, chunk.length - size);
      this.start = 0;
      this.length = size;
      return;
    }
    let end = (this.start + this.length) % size;
    for (let offset = 0; offset < chunk.length; ) {
      const n = Math.min(chunk.length - offset, size - end);
      chunk.copy(this.buf, end, offset, offset + n);
      offset += n;
      end = (end + n) % size;
    }
    const overflow = this.length + chunk.length - size;
    if (overflow > 0) {
      this.start = (this.start + overflow) % size;
      this.length = size;
    } else {
      this.length += chunk.length;
    }
  }

  /** Bytes written in total, kept or not. */
  get totalWritten(): number {
    return this.total;
  }

  /** The kept bytes, oldest first. */
  bytes(): Buffer {
    const size = this.buf.length;
    if (this.start + this.length <= size) return Buffer.from(this.buf.subarray(this.start, this.start + this.length));
    return Buffer.concat([this.buf.subarray(this.start), this.buf.subarray(0, (this.start + this.length) % size)]);
  }

  /** The kept bytes as UTF-8 text. */
  toString(): string {
    return this.bytes().toString('utf8');
  }

  /** The kept text, prefixed `Captured <kept> of <total> bytes\n...\n` when some was dropped, as Consul's checks do. */
  captured(): string {
    const text = this.toString();
    if (this.total > this.length) return `Captured ${this.length} of ${this.total} bytes\n...\n${text}`;
    return text;
  }
}
