// The plain RPC protocol's framing on a byte stream: each frame is a 4-byte big-endian length and that many bytes
// of msgpack. The decoder never allocates what a length prefix announces: bytes are kept as they arrive and a
// frame is assembled only once all of it is here, so a peer that announces 4 GiB and sends nothing costs nothing,
// and one that announces more than the limit is refused before any of it is kept.

/** The largest frame either side accepts: the size a WebSocket message had (ws maxPayload). */
export const MAX_RPC_FRAME = 64 << 20;

const HEADER = 4;
const EMPTY = Buffer.alloc(0);

export class FrameTooLargeError extends Error {
  override name = 'FrameTooLargeError';
  constructor(
    readonly announced: number,
    readonly limit: number,
  ) {
    super(`rpc frame of ${announced} bytes exceeds the limit of ${limit}`);
  }
}

/** One frame on the wire: the header and the payload, as one buffer (one socket write). */
export function encodeFrame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.set(payload, HEADER);
  return out;
}

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The payload length of the frame being read; -1 while its header is not complete. */
  private need = -1;

  constructor(private readonly maxFrame = MAX_RPC_FRAME) {}

  /** Bytes held for frames not yet complete. */
  get pending(): number {
    return this.buffered;
  }

  /** Takes a chunk of the stream; returns the payloads completed by it. Throws FrameTooLargeError. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: Buffer[] = [];
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < HEADER) break;
        const len = this.take(HEADER).readUInt32BE(0);
        if (len > this.maxFrame) throw new FrameTooLargeError(len, this.maxFrame);
        this.need = len;
      }
      if (this.buffered < this.need) break;
      out.push(this.take(this.need));
      this.need = -1;
    }
    return out;
  }

  /** The next n buffered bytes (n <= buffered): a slice when one chunk holds them, else one copy. */
  private take(n: number): Buffer {
    if (n === 0) return EMPTY;
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - at);
      c.copy(out, at, 0, k);
      at += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}
