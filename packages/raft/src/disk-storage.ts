import { constants, mkdirSync, readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { open, readFile, rename, unlink, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { StorageError } from './errors.js';
import { silentLogger, type RaftLogger } from './logger.js';
import { cryptoSeed } from './random.js';
import type { PreparedInstall, RaftStorage, SnapshotStream, StoredState } from './storage.js';
import { EntryType, type ConfState, type Entry, type HardState, type Snapshot, type SnapshotMeta, type SnapshotSource } from './types.js';

export interface DiskStorageOptions {
  dir: string;
  /** Roll to a new segment file past this size. Default 64 MiB. */
  segmentBytes?: number;
  /** Where repairs are reported (a torn tail truncated at start, as a warning). Default: silent. */
  logger?: RaftLogger;
  /** A stored snapshot up to this size is read whole at start; a larger one is verified and handed out as a
   * stream (`source`). Default 64 MiB. */
  loadWholeBytes?: number;
}

// Record: u32 length of (type + payload) | u32 crc32 of (type + payload) | u8 type | payload
const HEADER = 8;
const REC_ENTRY = 1;
const REC_HARDSTATE = 2;
// "Drop every entry before this record" when the stored snapshot carries the same nonce: written before
// a snapshot from the leader is renamed into place, so a crash between the two leaves the old log whole.
const REC_RESET = 3;
const SNAP_MAGIC = 0x52534e50; // "RSNP"
/** A stored snapshot up to this size is read whole at start; a larger one is verified and restored as a stream. */
const LOAD_WHOLE_BYTES = 64 << 20;

interface Segment {
  seq: number;
  path: string;
  maxIndex: number;
}

/** A snapshot file written but for its header (DiskStorage.spool). */
interface Spooled {
  fh: FileHandle;
  metaJson: Buffer;
  crc: number;
}

const segName = (seq: number) => `log-${String(seq).padStart(16, '0')}.seg`;

// Segments are opened with O_DSYNC where the platform has it (Linux, macOS, the BSDs): an append is on disk when
// its one write returns, i.e. one trip through libuv's thread pool (and one wait for a busy event loop to pick up
// the completion) instead of two, a write and then an fdatasync. On a follower that trip is on every write's
// commit path. Every write to a segment is then durable, also one asked for without sync (RaftNode asks for
// none: it writes only entries or a changed term or vote, which must be synced anyway).
const DSYNC = constants.O_DSYNC ?? 0;
const SEGMENT_FLAGS = DSYNC ? constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | DSYNC : 'a';

/**
 * The durable log: append-only segment files of CRC-checked records. Entries and hard state share one
 * stream, so a Ready costs one write and one fdatasync. A later entry record at an index replaces that
 * index and everything after it (conflict truncation without rewriting). On start a torn or corrupt
 * tail of the newest segment is cut off and logged. Snapshots: temp file, fsync, rename, fsync dir.
 * (With O_DSYNC, see SEGMENT_FLAGS, the write and the fdatasync are one call.)
 */
export class DiskStorage implements RaftStorage {
  private readonly dir: string;
  private readonly segmentBytes: number;
  private readonly logger: RaftLogger;
  private readonly loadWholeBytes: number;
  private segments: Segment[] = [];
  private fh: FileHandle | undefined;
  private size = 0;
  private lastHard: HardState | undefined;
  private snapMeta: SnapshotMeta | undefined;
  private snapNonce = 0;
  /** Serializes what replaces snapshot.snap: a streamed save finishing in the background vs one from the leader. */
  private snapLock: Promise<unknown> = Promise.resolve();

  constructor(opts: DiskStorageOptions) {
    if (!opts.dir) throw new StorageError('DiskStorage needs a directory (dir)');
    this.dir = opts.dir;
    this.segmentBytes = opts.segmentBytes ?? 64 << 20;
    this.logger = opts.logger ?? silentLogger;
    this.loadWholeBytes = opts.loadWholeBytes ?? LOAD_WHOLE_BYTES;
  }

  async load(): Promise<StoredState> {
    mkdirSync(this.dir, { recursive: true });
    const snapshot = await this.loadSnapshot();
    const after = snapshot?.meta.index ?? 0;
    const names = readdirSync(this.dir)
      .filter((n) => /^log-\d{16}\.seg$/.test(n))
      .sort();
    // load() runs again when RaftNode restarts from disk after a failed write.
    this.segments = [];
    let entries: Entry[] = [];
    let hard: HardState | undefined;
    for (const [i, name] of names.entries()) {
      const path = join(this.dir, name);
      const buf = readFileSync(path);
      const seg: Segment = { seq: Number(name.slice(4, 20)), path, maxIndex: 0 };
      let off = 0;
      while (off < buf.length) {
        const bad = (why: string) => {
          if (i !== names.length - 1) {
            throw new StorageError(`raft log ${path} is corrupt at byte ${off} (${why}) and it is not the newest segment; restore this node from a snapshot or remove its data directory to rejoin empty`);
          }
          this.logger.warn(`truncating torn/corrupt tail of ${path} at byte ${off} of ${buf.length} (${why})`, {
            file: path,
            offset: off,
            size: buf.length,
            reason: why,
          });
        };
        if (off + HEADER > buf.length) {
          bad('short header');
          break;
        }
        const len = buf.readUInt32LE(off);
        const crc = buf.readUInt32LE(off + 4);
        if (len < 1 || off + HEADER + len > buf.length) {
          bad('length beyond end');
          break;
        }
        const body = buf.subarray(off + HEADER, off + HEADER + len);
        if (crc32(body) !== crc) {
          bad('checksum mismatch');
          break;
        }
        const type = body[0];
        if (type === REC_ENTRY) {
          let e: Entry;
          try {
            e = decodeEntry(body);
          } catch (err) {
            bad(`undecodable entry: ${(err as Error).message}`);
            break;
          }
          if (e.index > seg.maxIndex) seg.maxIndex = e.index;
          if (e.index > after) {
            // A rewrite of an index drops it and everything after it.
            while (entries.length && entries[entries.length - 1].index >= e.index) entries.pop();
            if (entries.length && entries[entries.length - 1].index !== e.index - 1) {
              throw new StorageError(`raft log ${path} has a gap before index ${e.index}; the data directory is damaged`);
            }
            if (!entries.length && e.index !== after + 1) {
              // Entries before this one were compacted into a snapshot we no longer have: unusable.
              throw new StorageError(`raft log ${path} starts at index ${e.index} but the snapshot ends at ${after}; the data directory is damaged`);
            }
            entries.push(e);
          }
        } else if (type === REC_HARDSTATE) {
          try {
            hard = decodeHard(body);
          } catch (err) {
            bad(`undecodable hard state: ${(err as Error).message}`);
            break;
          }
        } else if (type === REC_RESET) {
          if (body.length >= 5 && this.snapNonce !== 0 && body.readUInt32LE(1) === this.snapNonce) entries = [];
        } else {
          bad(`unknown record type ${type}`);
          break;
        }
        off += HEADER + len;
      }
      if (off < buf.length) await truncate(path, off);
      this.segments.push(seg);
      if (i === names.length - 1) this.size = off;
    }
    this.lastHard = hard;
    if (!this.segments.length) await this.roll();
    else this.fh = await open(this.segments[this.segments.length - 1].path, SEGMENT_FLAGS);
    return { hardState: hard, snapshot, entries };
  }

  private async roll(): Promise<void> {
    // The old segment must be complete on disk before a newer one can be: only the newest may be torn.
    if (!DSYNC) await this.fh?.datasync();
    await this.fh?.close();
    const seq = this.segments.length ? this.segments[this.segments.length - 1].seq + 1 : 1;
    const path = join(this.dir, segName(seq));
    this.fh = await open(path, SEGMENT_FLAGS);
    this.segments.push({ seq, path, maxIndex: 0 });
    this.size = 0;
    await this.syncDir();
    // Every segment starts with the current hard state, so old segments can be deleted freely.
    if (this.lastHard) {
      const b = encodeHard(this.lastHard);
      await this.fh.write(b);
      this.size += b.length;
    }
  }

  async append(entries: Entry[], hardState: HardState | undefined, sync: boolean): Promise<void> {
    if (!this.fh) throw new StorageError('DiskStorage.append before load()');
    if (!entries.length && !hardState) return;
    const parts: Buffer[] = [];
    const seg = this.segments[this.segments.length - 1];
    for (const e of entries) {
      parts.push(encodeEntry(e));
      if (e.index > seg.maxIndex) seg.maxIndex = e.index;
    }
    if (hardState) {
      parts.push(encodeHard(hardState));
      this.lastHard = { ...hardState };
    }
    const buf = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    await this.fh.write(buf);
    this.size += buf.length;
    if (sync && !DSYNC) await this.fh.datasync();
    if (this.size >= this.segmentBytes) await this.roll();
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.snapLock.then(fn, fn);
    this.snapLock = run.catch(() => undefined);
    return run;
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.locked(() => this.writeSnapshot(snapshot));
  }

  /**
   * Streams the snapshot into snapshot.stream.tmp with a running CRC, then (under the lock) renames it into
   * place unless a newer snapshot got there first. Same file format as writeSnapshot: the header, whose
   * CRC is known only at the end, is written last at offset 0.
   */
  async saveSnapshotStream(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>): Promise<boolean> {
    const tmp = join(this.dir, 'snapshot.stream.tmp');
    const spooled = await this.spool(tmp, meta, chunks);
    try {
      return await this.locked(async () => {
        if (this.snapMeta && meta.index <= this.snapMeta.index) return false;
        await this.finishSpooled(spooled, tmp, meta, this.snapNonce);
        return true;
      });
    } finally {
      await spooled.fh.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined); // gone after a rename; left over after a failure
    }
  }

  async prepareInstall(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>): Promise<PreparedInstall> {
    const tmp = join(this.dir, 'snapshot.install.tmp');
    const spooled = await this.spool(tmp, meta, chunks);
    const abort = async () => {
      await spooled.fh.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
    };
    return {
      abort,
      commit: () =>
        this.locked(async () => {
          try {
            const nonce = await this.writeReset();
            await this.finishSpooled(spooled, tmp, meta, nonce);
            await this.compact(meta.index);
          } finally {
            await abort();
          }
        }),
    };
  }

  /**
   * Writes the metadata and the chunks to `tmp` in the snapshot file's format, all but the 16-byte header
   * (its CRC is known only at the end), and syncs the data: what is left for finishSpooled is quick.
   */
  private async spool(tmp: string, meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>): Promise<Spooled> {
    const metaJson = Buffer.from(JSON.stringify(meta));
    const fh = await open(tmp, 'w');
    try {
      let crc = crc32(metaJson);
      let at = 16;
      await fh.write(metaJson, 0, metaJson.length, at);
      at += metaJson.length;
      let batch: Uint8Array[] = [];
      let batched = 0;
      const flush = async () => {
        await fh.writev(batch, at);
        at += batched;
        batch = [];
        batched = 0;
      };
      for await (const c of chunks) {
        crc = crc32(c, crc);
        batch.push(c);
        batched += c.byteLength;
        if (batched >= 1 << 20) await flush(); // ~1 MiB writes, not one per frame
      }
      if (batched) await flush();
      await fh.datasync();
      return { fh, metaJson, crc: crc >>> 0 };
    } catch (err) {
      await fh.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  /** Under the lock: the header, fsync, rename into place. */
  private async finishSpooled(spooled: Spooled, tmp: string, meta: SnapshotMeta, nonce: number): Promise<void> {
    const head = Buffer.alloc(16);
    head.writeUInt32LE(SNAP_MAGIC, 0);
    head.writeUInt32LE(spooled.metaJson.length, 4);
    head.writeUInt32LE(nonce, 8);
    head.writeUInt32LE(spooled.crc, 12);
    await spooled.fh.write(head, 0, 16, 0);
    await spooled.fh.sync();
    await rename(tmp, join(this.dir, 'snapshot.snap'));
    await this.syncDir();
    this.snapMeta = meta;
    this.snapNonce = nonce;
  }

  // A local snapshot keeps the nonce of the last reset, so that reset still hides the old log behind it.
  private async writeSnapshot(snapshot: Snapshot, nonce = this.snapNonce): Promise<void> {
    if (this.snapMeta && snapshot.meta.index <= this.snapMeta.index) return;
    if (!snapshot.data) throw new StorageError('saveSnapshot needs the snapshot bytes');
    const metaJson = Buffer.from(JSON.stringify(snapshot.meta));
    const head = Buffer.alloc(16);
    head.writeUInt32LE(SNAP_MAGIC, 0);
    head.writeUInt32LE(metaJson.length, 4);
    head.writeUInt32LE(nonce, 8);
    // No concatenated copy of the state: the CRC runs over both parts in turn, a slice at a time so a
    // snapshot from the leader of a large state does not stall the event loop.
    head.writeUInt32LE(await crc32Sliced(snapshot.data, crc32(metaJson)), 12);
    const tmp = join(this.dir, 'snapshot.tmp');
    const fh = await open(tmp, 'w');
    try {
      await fh.writev([head, metaJson, snapshot.data]);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.dir, 'snapshot.snap'));
    await this.syncDir();
    this.snapMeta = snapshot.meta;
    this.snapNonce = nonce;
  }

  installSnapshot(snapshot: Snapshot): Promise<void> {
    return this.locked(() => this.install(snapshot));
  }

  private async install(snapshot: Snapshot): Promise<void> {
    if (!this.fh) throw new StorageError('DiskStorage.installSnapshot before load()');
    if (!snapshot.data && snapshot.source) {
      // Received into a file by the transport: copied a megabyte at a time, never held whole.
      const tmp = join(this.dir, 'snapshot.tmp');
      const spooled = await this.spool(tmp, snapshot.meta, snapshot.source.open());
      try {
        const nonce = await this.writeReset();
        await this.finishSpooled(spooled, tmp, snapshot.meta, nonce);
      } finally {
        await spooled.fh.close().catch(() => undefined);
        await unlink(tmp).catch(() => undefined);
      }
    } else {
      const nonce = await this.writeReset();
      this.snapMeta = undefined;
      await this.writeSnapshot(snapshot, nonce);
    }
    // Entries at or below the snapshot are ignored at load; later ones will be rewritten by the leader.
    await this.compact(snapshot.meta.index);
  }

  /** The reset record a snapshot replacing the whole log is tied to; answers its nonce. */
  private async writeReset(): Promise<number> {
    if (!this.fh) throw new StorageError('DiskStorage: a snapshot install before load()');
    const nonce = cryptoSeed() || 1; // any nonzero value no earlier snapshot carried
    const p = Buffer.alloc(4);
    p.writeUInt32LE(nonce, 0);
    const rec = record(REC_RESET, p);
    await this.fh.write(rec);
    this.size += rec.length;
    if (!DSYNC) await this.fh.datasync();
    return nonce;
  }

  async compact(index: number): Promise<void> {
    const keep: Segment[] = [];
    for (const [i, s] of this.segments.entries()) {
      if (i < this.segments.length - 1 && s.maxIndex <= index) await unlink(s.path).catch(() => undefined);
      else keep.push(s);
    }
    if (keep.length !== this.segments.length) {
      this.segments = keep;
      await this.syncDir();
    }
  }

  async readSnapshot(): Promise<Snapshot | undefined> {
    // Read from disk when a follower needs it, rather than keeping the bytes in memory all the time.
    if (!this.snapMeta) return undefined;
    const path = join(this.dir, 'snapshot.snap');
    return this.parseSnapshot(path, await readFile(path)).snap;
  }

  async openSnapshot(): Promise<SnapshotStream | undefined> {
    if (!this.snapMeta) return undefined;
    const path = join(this.dir, 'snapshot.snap');
    // Open once: a rename by a newer save while this is read leaves this descriptor on the old file.
    const fh = await open(path, 'r');
    try {
      const head = Buffer.alloc(16);
      await fh.read(head, 0, 16, 0);
      const { size: fileSize } = await fh.stat();
      if (head.readUInt32LE(0) !== SNAP_MAGIC) throw new StorageError(`${path} is not a raft snapshot`);
      const mlen = head.readUInt32LE(4);
      if (16 + mlen > fileSize) throw new StorageError(`${path} is damaged: its metadata length ${mlen} is beyond the file's ${fileSize} bytes`);
      const metaJson = Buffer.alloc(mlen);
      await fh.read(metaJson, 0, mlen, 16);
      let meta: SnapshotMeta;
      try {
        meta = JSON.parse(metaJson.toString()) as SnapshotMeta;
      } catch (err) {
        throw new StorageError(`${path} is damaged: its metadata does not parse (${(err as Error).message})`);
      }
      const expected = head.readUInt32LE(12);
      let closed = false;
      const close = async () => {
        if (closed) return;
        closed = true;
        await fh.close();
      };
      async function* chunks(): AsyncGenerator<Uint8Array> {
        let crc = crc32(metaJson);
        try {
          for await (const c of fh.createReadStream({ start: 16 + mlen, highWaterMark: 1 << 20, autoClose: false })) {
            crc = crc32(c as Buffer, crc);
            yield c as Buffer;
          }
        } finally {
          await close();
        }
        if (crc >>> 0 !== expected) throw new StorageError(`${path} fails its checksum; the disk is damaged`);
      }
      return { meta, size: fileSize - 16 - mlen, chunks: chunks(), close };
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /**
   * The stored snapshot at start. A large one is not read into memory: its checksum is verified by reading
   * it once a megabyte at a time, and it is handed out as a `source` the state machine restores from as a
   * stream (a 1 GB state would otherwise be held twice, as file bytes and as the state built from them).
   */
  private async loadSnapshot(): Promise<Snapshot | undefined> {
    const path = join(this.dir, 'snapshot.snap');
    if (!existsSync(path)) return undefined;
    if (statSync(path).size <= this.loadWholeBytes) {
      const { snap, nonce } = this.parseSnapshot(path, readFileSync(path));
      this.snapMeta = snap.meta;
      this.snapNonce = nonce;
      return snap;
    }
    const fh = await open(path, 'r');
    let nonce: number;
    try {
      const head = Buffer.alloc(16);
      await fh.read(head, 0, 16, 0);
      nonce = head.readUInt32LE(8);
    } finally {
      await fh.close();
    }
    this.snapMeta = { index: 0, term: 0, conf: { voters: [], learners: [] } }; // openSnapshot needs one
    const verified = await this.openSnapshot();
    if (!verified) throw new StorageError(`${path} vanished while it was read`);
    for await (const _ of verified.chunks) {
      // Read through for the checksum (the chunks throw at the end when it fails); nothing is kept.
    }
    const meta = verified.meta;
    if (!Number.isSafeInteger(meta.index) || !Number.isSafeInteger(meta.term) || typeof meta.conf !== 'object' || meta.conf === null)
      throw new StorageError(`${path} is damaged: its metadata is not a snapshot's (index, term, conf)`);
    this.snapMeta = { index: meta.index, term: meta.term, conf: meta.conf };
    this.snapNonce = nonce;
    const size = verified.size;
    const source: SnapshotSource = {
      size,
      open: () =>
        (async function* (storage: DiskStorage) {
          const s = await storage.openSnapshot();
          if (!s || s.meta.index !== meta.index) throw new StorageError(`${path} was replaced while it was restored`);
          yield* s.chunks;
        })(this),
    };
    return { meta: this.snapMeta, source };
  }

  /** Pure: a read racing a newer save must not change what this storage believes is current. */
  private parseSnapshot(path: string, buf: Buffer): { snap: Snapshot; nonce: number } {
    if (buf.length < 16 || buf.readUInt32LE(0) !== SNAP_MAGIC) throw new StorageError(`${path} is not a raft snapshot`);
    const body = buf.subarray(16);
    const nonce = buf.readUInt32LE(8);
    if (crc32(body) !== buf.readUInt32LE(12)) {
      throw new StorageError(`${path} fails its checksum; it was renamed into place only after fsync, so the disk is damaged`);
    }
    // The header's length and nonce are outside the checksum: a damaged length must not reach JSON.parse.
    const mlen = buf.readUInt32LE(4);
    if (mlen > body.length) throw new StorageError(`${path} is damaged: its metadata length ${mlen} is beyond the file's ${body.length} bytes`);
    let meta: SnapshotMeta;
    try {
      meta = JSON.parse(body.subarray(0, mlen).toString()) as SnapshotMeta;
    } catch (err) {
      throw new StorageError(`${path} is damaged: its metadata does not parse (${(err as Error).message})`);
    }
    if (typeof meta !== 'object' || meta === null || !Number.isSafeInteger(meta.index) || !Number.isSafeInteger(meta.term) || typeof meta.conf !== 'object' || meta.conf === null)
      throw new StorageError(`${path} is damaged: its metadata is not a snapshot's (index, term, conf)`);
    return { snap: { meta: { index: meta.index, term: meta.term, conf: meta.conf as ConfState }, data: body.subarray(mlen) }, nonce };
  }

  private async syncDir(): Promise<void> {
    const d = await open(this.dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }

  async close(): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
  }
}

function record(type: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER + 1 + payload.length);
  out.writeUInt32LE(1 + payload.length, 0);
  out[HEADER] = type;
  payload.copy(out, HEADER + 1);
  out.writeUInt32LE(crc32(out.subarray(HEADER)), 4);
  return out;
}

function encodeEntry(e: Entry): Buffer {
  const p = Buffer.allocUnsafe(13 + e.data.length);
  p.writeUIntLE(e.index, 0, 6);
  p.writeUIntLE(e.term, 6, 6);
  p[12] = e.type;
  p.set(e.data, 13);
  return record(REC_ENTRY, p);
}

function decodeEntry(body: Buffer): Entry {
  const type = body[13];
  return {
    index: body.readUIntLE(1, 6),
    term: body.readUIntLE(7, 6),
    type: type === EntryType.ConfChange ? EntryType.ConfChange : EntryType.Normal,
    data: body.subarray(14),
  };
}

function encodeHard(h: HardState): Buffer {
  const vote = Buffer.from(h.vote);
  const p = Buffer.allocUnsafe(12 + vote.length);
  p.writeUIntLE(h.term, 0, 6);
  p.writeUIntLE(h.commit, 6, 6);
  vote.copy(p, 12);
  return record(REC_HARDSTATE, p);
}

function decodeHard(body: Buffer): HardState {
  return { term: body.readUIntLE(1, 6), commit: body.readUIntLE(7, 6), vote: body.subarray(13).toString() };
}

/** crc32 of data continuing from `crc`, yielding to the event loop between 16 MiB slices (~10 ms each). */
async function crc32Sliced(data: Uint8Array, crc: number): Promise<number> {
  const SLICE = 16 << 20;
  for (let at = 0; at < data.length; at += SLICE) {
    if (at > 0) await new Promise((r) => setImmediate(r));
    crc = crc32(data.subarray(at, Math.min(data.length, at + SLICE)), crc);
  }
  return crc >>> 0;
}
