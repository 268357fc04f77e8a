// Keeps the last `max` bytes a handler wrote (Consul's circbuf of 4 KB): a chatty handler cannot grow memory, and
// the end of the output, where errors usually are, survives.

export const WATCH_OUTPUT_MAX_BYTES = 4 * 1024;

export class OutputBuffer {
  private chunks: Buffer[] = [];
  private held = 0;
  /** Bytes written in total, kept or not. */
  total = 0;

  constructor(readonly max = WATCH_OUTPUT_MAX_BYTES) {}

  write(chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.total += buf.length;
    this.chunks.push(buf);
    this.held += buf.length;
    while (this.held > this.max && this.chunks.length > 0) {
      const extra = this.held - this.max;
      const first = this.chunks[0]!;
      if (first.length <= extra) {
        this.chunks.shift();
        this.held -= first.length;
      } else {
        this.chunks[0] = first.subarray(extra);
        this.held -= extra;
      }
    }
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  text(): string {
    return this.bytes().toString('utf8');
  }
}
