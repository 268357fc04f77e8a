/**
 * What the driver puts around core messages on the wire: a kind byte
 * (plain, encrypted, or — on streams only — a plain-text refusal), and on
 * TCP a 4-byte length prefix.
 */
import { DecryptError, MalformedMessageError, RemoteRefusedError } from './errors.js';
import { ENCRYPTION_OVERHEAD, type Keyring } from './keyring.js';

const PLAIN = 0;
const ENCRYPTED = 1;
const REFUSAL = 2;

/** Bytes the transport adds to each UDP packet. */
export function packetOverhead(keyring: Keyring | undefined): number {
  return 1 + (keyring ? ENCRYPTION_OVERHEAD : 0);
}

export function seal(keyring: Keyring | undefined, data: Uint8Array): Uint8Array {
  const body = keyring ? keyring.encrypt(data) : data;
  const out = new Uint8Array(body.length + 1);
  out[0] = keyring ? ENCRYPTED : PLAIN;
  out.set(body, 1);
  return out;
}

/**
 * Opens a packet or stream body. Throws DecryptError when the encryption
 * settings differ (with a message for a person), RemoteRefusedError for a
 * refusal, MalformedMessageError for garbage.
 */
export function open(keyring: Keyring | undefined, data: Uint8Array): Uint8Array {
  if (data.length < 2) throw new MalformedMessageError(`message of ${data.length} bytes is too short`);
  const body = data.subarray(1);
  switch (data[0]) {
    case PLAIN:
      if (keyring) throw new DecryptError('the message was not encrypted, but gossip encryption is enabled on the receiving node; every node needs the same key');
      return body;
    case ENCRYPTED:
      if (!keyring) throw new DecryptError('the message was encrypted, but gossip encryption is not enabled on the receiving node; every node needs the same key');
      return keyring.decrypt(body);
    case REFUSAL:
      throw new RemoteRefusedError(`remote node refused: ${Buffer.from(body).toString('utf8').slice(0, 500)}`);
    default:
      throw new MalformedMessageError(`unknown message kind ${data[0]}`);
  }
}

export function refusal(reason: string): Uint8Array {
  const text = Buffer.from(reason, 'utf8');
  const out = new Uint8Array(text.length + 1);
  out[0] = REFUSAL;
  out.set(text, 1);
  return out;
}

/** Length-prefixes one stream message. */
export function frame(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.set(body, 4);
  return out;
}

/** Accumulates chunks until one whole frame is there; bounded by `max` bytes. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private have = 0;

  constructor(private readonly max: number) {}

  /** Returns the frame body once complete; throws MalformedMessageError when it is too large. */
  push(chunk: Buffer): Uint8Array | undefined {
    this.chunks.push(chunk);
    this.have += chunk.length;
    if (this.have < 4) return undefined;
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [all];
    const len = all.readUInt32BE(0);
    if (len > this.max) throw new MalformedMessageError(`stream message of ${len} bytes exceeds the ${this.max}-byte limit`);
    if (all.length < 4 + len) return undefined;
    return all.subarray(4, 4 + len);
  }
}
