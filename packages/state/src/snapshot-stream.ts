// state.bin, version 2: the state machine's snapshot as a stream of frames, so a large state is written and
// read a batch at a time instead of as one msgpack value (version 1, which had to be packed and unpacked in
// one synchronous call: seconds of blocked event loop and a second whole copy of the state for 1 GB of KV).
//
//   'CSN2' | frame* where frame = u32 LE length | msgpack value
//   frame 1: StreamHeader (everything but the KV entries: catalog, sessions, tombstones, ACLs, prepared queries,
//            coordinates, autopilot; small next to KV)
//   frames 2..n: { kv: KvEntry[] } in key order, KV_BATCH entries each
//   last frame: { end: <number of KV entries> }, so a truncated stream is refused, not half-restored.
//
// Version 1 snapshots (a single msgpack map) are still read: see state-machine.ts load().

import { Packr } from 'msgpackr';
import type { CatalogSnapshot } from '@conclave/catalog';
import type { KvCursor, KvEntry, KvRestoreBuilder } from '@conclave/kv';
import { isPlainObject } from '@conclave/toolkit';
import type { SessionSnapshot } from './session-state.js';
import type { StoredAutopilotConfig } from './autopilot-config.js';
import type { AclSnapshot } from './acl-state.js';
import type { AclAuthSnapshot } from './acl-auth-state.js';
import type { PreparedQuerySnapshot } from './prepared-queries.js';
import type { CoordinateSnapshot } from './coordinates.js';

export const STREAM_MAGIC = Buffer.from('CSN2', 'latin1');
/** KV entries per frame: ~100 KB–1 MB of msgpack for typical values, a few ms to encode or decode. */
const KV_BATCH = 1024;
/** Work done between two yields to the event loop (the aim is no stall over 50 ms; leave room for others). */
export const SLICE_MS = 10;
/** No frame we write comes near this; a larger length is a damaged or hostile file. */
const MAX_FRAME_BYTES = 256 << 20;

// moreTypes keeps Uint8Array values as Uint8Array; no records so any reader sees plain maps.
const packr = new Packr({ useRecords: false, moreTypes: true });

export interface StreamHeader {
  version: 2;
  lastIndex: number;
  catalog: CatalogSnapshot;
  sessions: SessionSnapshot;
  kvTombstones: Array<[string, number]>;
  kvTableIndex: number;
  /** The small tables; each absent in snapshots taken before it existed. */
  autopilot?: StoredAutopilotConfig;
  acl?: AclSnapshot;
  aclAuth?: AclAuthSnapshot;
  queries?: PreparedQuerySnapshot;
  coordinates?: CoordinateSnapshot;
}

/** Thrown for a state.bin that is damaged or not one of ours (state-machine.ts rewraps it). */
export class SnapshotStreamError extends Error {
  override name = 'SnapshotStreamError';
}

/**
 * The header frame, encoded at once: catalog and session records are not copy-on-write like KV, so they
 * must be serialized at the moment the snapshot is taken, not when the stream is first read.
 */
export function headerFrame(header: StreamHeader): Uint8Array {
  return frame(header);
}

/** The frames of a snapshot: the header encoded when it was taken, then KV read lazily from an open cursor (closed at the end). */
export function* snapshotFrames(header: Uint8Array, kv: KvCursor): Generator<Uint8Array> {
  try {
    yield STREAM_MAGIC;
    yield header;
    let count = 0;
    for (let batch = kv.next(KV_BATCH); batch; batch = kv.next(KV_BATCH)) {
      count += batch.length;
      yield frame({ kv: batch });
    }
    yield frame({ end: count });
  } finally {
    kv.close();
  }
}

/** Same frames, yielding to the event loop every SLICE_MS so readers and Raft heartbeats keep running. */
export async function* sliced(frames: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let since = performance.now();
  for (const f of frames) {
    yield f;
    if (performance.now() - since >= SLICE_MS) {
      await yieldToLoop();
      since = performance.now();
    }
  }
}

export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function frame(value: unknown): Uint8Array {
  const body = packr.pack(value);
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32LE(body.length, 0);
  out.set(body, 4);
  return out;
}

/** True when the bytes start like a version 2 state.bin. */
export function isStreamSnapshot(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && Buffer.from(bytes.buffer, bytes.byteOffset, 4).equals(STREAM_MAGIC);
}

/**
 * Reads a version 2 state.bin pushed in chunks of any size. Nothing live changes: the KV entries go into a
 * detached builder and the header is kept, and finish() hands back what to swap in once the stream is whole.
 */
export class SnapshotStreamDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private sawMagic = false;
  private header: StreamHeader | undefined;
  private kv: KvRestoreBuilder | undefined;
  private count = 0;
  private ended = false;

  constructor(private readonly builder: (tombstones: Array<[string, number]>, tableIndex: number) => KvRestoreBuilder) {}

  push(chunk: Uint8Array): void {
    const c = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.pending = this.pending.length ? Buffer.concat([this.pending, c]) : c;
    if (!this.sawMagic) {
      if (this.pending.length < 4) return;
      if (!this.pending.subarray(0, 4).equals(STREAM_MAGIC)) throw new SnapshotStreamError('snapshot does not start with the CSN2 marker');
      this.sawMagic = true;
      this.pending = this.pending.subarray(4);
    }
    while (this.pending.length >= 4) {
      const len = this.pending.readUInt32LE(0);
      if (len > MAX_FRAME_BYTES) throw new SnapshotStreamError(`snapshot frame of ${len} bytes is larger than ${MAX_FRAME_BYTES}`);
      if (this.pending.length < 4 + len) break;
      const body = this.pending.subarray(4, 4 + len);
      this.pending = this.pending.subarray(4 + len);
      this.frame(body);
    }
    // Do not keep the whole last chunk alive for a few trailing bytes.
    if (this.pending.length && this.pending.length < 1 << 16) this.pending = Buffer.from(this.pending);
  }

  private frame(body: Buffer): void {
    if (this.ended) throw new SnapshotStreamError('snapshot has data after its end frame');
    let value: unknown;
    try {
      value = packr.unpack(body);
    } catch (err) {
      throw new SnapshotStreamError(`snapshot frame is not valid msgpack: ${(err as Error).message}`);
    }
    if (!isPlainObject(value)) throw new SnapshotStreamError('snapshot frame is not a map');
    if (!this.header) {
      const h = value as unknown as StreamHeader;
      if (h.version !== 2 || !Number.isSafeInteger(h.lastIndex) || !Array.isArray(h.kvTombstones) || !isPlainObject(h.catalog))
        throw new SnapshotStreamError('snapshot header frame is malformed');
      this.header = h;
      this.kv = this.builder(h.kvTombstones, h.kvTableIndex);
      return;
    }
    if (Array.isArray(value.kv)) {
      const batch = value.kv as KvEntry[];
      for (const e of batch) if (!isPlainObject(e) || typeof e.Key !== 'string') throw new SnapshotStreamError('snapshot KV entry is malformed');
      this.count += batch.length;
      this.kv!.add(batch);
      return;
    }
    if (typeof value.end === 'number') {
      if (value.end !== this.count) throw new SnapshotStreamError(`snapshot ends after ${this.count} KV entries but announces ${value.end}`);
      this.ended = true;
      return;
    }
    throw new SnapshotStreamError('snapshot frame of unknown kind');
  }

  /** The header and the KV builder to commit; throws when the stream stopped before its end frame. */
  finish(): { header: StreamHeader; kv: KvRestoreBuilder } {
    if (!this.ended || this.pending.length) throw new SnapshotStreamError('snapshot is truncated');
    return { header: this.header!, kv: this.kv! };
  }
}
