// The /v1/snapshot archive: a gzipped tar, like Consul's, holding meta.json, state.bin (the state machine's
// snapshot bytes) and SHA256SUMS. The checksums are verified before anything is restored, so a truncated or
// altered file is refused instead of half-applied. Our own format: not interchangeable with Consul's state.bin.
// writeSnapshotArchive/readSnapshotArchiveAsync are the streaming forms for a large state: state.bin is
// spooled to a temporary file (like Consul's snapshot.New, since tar wants its size and SHA256SUMS its
// hash before its bytes), then tarred and gzipped on a stream, so the archive is never whole in memory
// and no step blocks the event loop for the length of the state.

import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, gunzip, gunzipSync, gzipSync } from './lazy-zlib.js';
import { TarError, lazyNode, readTar, tarEnd, tarHeader, tarPadding, writeTar } from '@conclave/toolkit';
import { yieldToLoop } from './snapshot-stream.js';

/** state.bin version 2 (snapshot-stream.ts). */
export const SNAPSHOT_FORMAT = 'conclave-msgpack-v2';
/** Archives written before streamed snapshots; still restorable. */
const SNAPSHOT_FORMATS = [SNAPSHOT_FORMAT, 'conclave-msgpack-v1'];
/** Largest archive we unpack (a guard against a gzip bomb). */
export const MAX_SNAPSHOT_BYTES = 1 << 30;

export interface SnapshotMeta {
  Version: number;
  ID: string;
  Index: number;
  Term: number;
  /** Bytes of state.bin. */
  Size: number;
  Format: string;
}

export interface SnapshotArchive {
  meta: SnapshotMeta;
  state: Uint8Array;
}

/** The archive is not one of ours, or it is damaged. */
export class SnapshotArchiveError extends Error {
  override name = 'SnapshotArchiveError';
}

function snapshotMeta(size: number, index: number, term: number, now: number): SnapshotMeta {
  return { Version: 1, ID: `${term}-${index}-${now}`, Index: index, Term: term, Size: size, Format: SNAPSHOT_FORMAT };
}

function metaJson(meta: SnapshotMeta): Buffer {
  return Buffer.from(JSON.stringify(meta, null, 2) + '\n');
}

export function buildSnapshotArchive(state: Uint8Array, index: number, term = 1, now = Date.now()): Buffer {
  const metaBytes = metaJson(snapshotMeta(state.byteLength, index, term, now));
  const stateBytes = Buffer.from(state.buffer, state.byteOffset, state.byteLength);
  const sums = `${sha256(metaBytes)}  meta.json\n${sha256(stateBytes)}  state.bin\n`;
  const tar = writeTar(
    [
      ['meta.json', metaBytes],
      ['state.bin', stateBytes],
      ['SHA256SUMS', Buffer.from(sums)],
    ],
    Math.floor(now / 1000),
  );
  return gzipSync(tar);
}

/** A state stream spooled to a temporary file, ready to be written out as an archive (or discarded). */
export interface PreparedSnapshotArchive {
  readonly meta: SnapshotMeta;
  /** Writes the gzipped tar to `out` (and ends it), then removes the temporary file. */
  pipeTo(out: NodeJS.WritableStream): Promise<void>;
  /** Removes the temporary file without writing anything. */
  discard(): Promise<void>;
}

/**
 * Spools the state to a temporary file (hashing and counting it on the way) and answers what writes the
 * archive. Separate steps so an HTTP handler can still answer an error before its 200 header is out.
 */
export async function prepareSnapshotArchive(
  state: AsyncIterable<Uint8Array>,
  index: number,
  opts: { term?: number; now?: number; tmpDir?: string } = {},
): Promise<PreparedSnapshotArchive> {
  const now = opts.now ?? Date.now();
  const dir = await mkdtemp(join(opts.tmpDir ?? tmpdir(), 'conclave-snapshot-'));
  const discard = () => rm(dir, { recursive: true, force: true });
  const path = join(dir, 'state.bin');
  const hash = lazyNode.crypto().createHash('sha256');
  let size = 0;
  try {
    const fh = await open(path, 'w');
    try {
      // Frames are small; gather them into ~1 MiB writes rather than a syscall each.
      let batch: Uint8Array[] = [];
      let batched = 0;
      for await (const chunk of state) {
        hash.update(chunk);
        size += chunk.byteLength;
        batch.push(chunk);
        batched += chunk.byteLength;
        if (batched >= 1 << 20) {
          await fh.writev(batch);
          batch = [];
          batched = 0;
        }
      }
      if (batch.length) await fh.writev(batch);
    } finally {
      await fh.close();
    }
  } catch (err) {
    await discard();
    throw err;
  }
  const meta = snapshotMeta(size, index, opts.term ?? 1, now);
  const metaBytes = metaJson(meta);
  const sums = Buffer.from(`${sha256(metaBytes)}  meta.json\n${hash.digest('hex')}  state.bin\n`);
  const mtime = Math.floor(now / 1000);
  async function* tar(): AsyncGenerator<Buffer> {
    yield tarHeader('meta.json', metaBytes.length, mtime);
    yield metaBytes;
    yield tarPadding(metaBytes.length);
    yield tarHeader('state.bin', size, mtime);
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) yield chunk as Buffer;
    yield tarPadding(size);
    yield tarHeader('SHA256SUMS', sums.length, mtime);
    yield sums;
    yield tarPadding(sums.length);
    yield tarEnd();
  }
  return {
    meta,
    discard,
    async pipeTo(out) {
      try {
        // Async gzip on the zlib thread pool, paced by `out`: memory stays at a few chunks.
        await pipeline(tar, createGzip(), out);
      } finally {
        await discard();
      }
    },
  };
}

/**
 * readSnapshotArchive without blocking the event loop: gunzip runs on the zlib thread pool and the
 * checksum is computed a slice at a time.
 */
export async function readSnapshotArchiveAsync(archive: Uint8Array): Promise<SnapshotArchive> {
  const tar = await new Promise<Buffer>((resolve, reject) =>
    gunzip(archive, { maxOutputLength: MAX_SNAPSHOT_BYTES }, (err, out) =>
      err ? reject(new SnapshotArchiveError(`snapshot is not a gzip archive: ${err.message}`)) : resolve(out),
    ),
  );
  return unpackTar(tar, await sha256Sliced(stateBytesOf(tar)));
}

/** Unpacks and verifies an archive; throws SnapshotArchiveError saying what is wrong. */
export function readSnapshotArchive(archive: Uint8Array): SnapshotArchive {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive, { maxOutputLength: MAX_SNAPSHOT_BYTES });
  } catch (err) {
    throw new SnapshotArchiveError(`snapshot is not a gzip archive: ${(err as Error).message}`);
  }
  return unpackTar(tar);
}

/** state.bin's bytes in a tar, when the tar reads; unpackTar reports what is wrong otherwise. */
function stateBytesOf(tar: Buffer): Buffer | undefined {
  try {
    return readTar(tar).get('state.bin');
  } catch {
    return undefined;
  }
}

async function sha256Sliced(bytes: Uint8Array | undefined): Promise<string | undefined> {
  if (!bytes) return undefined;
  const hash = lazyNode.crypto().createHash('sha256');
  const SLICE = 8 << 20; // ~20 ms of SHA-256 on a slow core
  for (let at = 0; at < bytes.length; at += SLICE) {
    hash.update(bytes.subarray(at, Math.min(bytes.length, at + SLICE)));
    if (at + SLICE < bytes.length) await yieldToLoop();
  }
  return hash.digest('hex');
}

/** `stateSum` is state.bin's hash when the caller already computed it. */
function unpackTar(tar: Buffer, stateSum?: string): SnapshotArchive {
  let files: Map<string, Buffer>;
  try {
    files = readTar(tar);
  } catch (err) {
    if (!(err instanceof TarError)) throw err;
    throw new SnapshotArchiveError(err.message.startsWith('truncated') ? `snapshot is ${err.message}` : err.message);
  }
  const metaBytes = files.get('meta.json');
  const state = files.get('state.bin');
  const sums = files.get('SHA256SUMS');
  if (!metaBytes || !state || !sums) throw new SnapshotArchiveError('snapshot lacks meta.json, state.bin or SHA256SUMS');
  const expected = new Map<string, string>();
  for (const line of sums.toString('utf8').split('\n')) {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (m) expected.set(m[2]!, m[1]!);
  }
  for (const [name, bytes] of [
    ['meta.json', metaBytes],
    ['state.bin', state],
  ] as const) {
    const actual = name === 'state.bin' && stateSum !== undefined ? stateSum : sha256(bytes);
    if (expected.get(name) !== actual) throw new SnapshotArchiveError(`checksum mismatch for ${name}: the snapshot is damaged`);
  }
  let meta: SnapshotMeta;
  try {
    meta = JSON.parse(metaBytes.toString('utf8')) as SnapshotMeta;
  } catch (err) {
    throw new SnapshotArchiveError(`meta.json is not JSON: ${(err as Error).message}`);
  }
  if (!SNAPSHOT_FORMATS.includes(meta.Format))
    throw new SnapshotArchiveError(`snapshot format ${JSON.stringify(meta.Format)} is not ${SNAPSHOT_FORMAT} (not a Conclave snapshot?)`);
  return { meta, state: new Uint8Array(state) };
}

function sha256(bytes: Uint8Array): string {
  return lazyNode.crypto().createHash('sha256').update(bytes).digest('hex');
}
