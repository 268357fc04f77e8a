// The /v1/snapshot archive: a gzipped tar, like Consul's, holding meta.json, state.bin (the state machine's
// snapshot bytes) and SHA256SUMS. The checksums are verified before anything is restored, so a truncated or
// altered file is refused instead of half-applied. Our own format: not interchangeable with Consul's state.bin.

import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { TarError, readTar, writeTar } from '@conclave/toolkit';

export const SNAPSHOT_FORMAT = 'conclave-msgpack-v1';
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

export function buildSnapshotArchive(state: Uint8Array, index: number, term = 1, now = Date.now()): Buffer {
  const meta: SnapshotMeta = {
    Version: 1,
    ID: `${term}-${index}-${now}`,
    Index: index,
    Term: term,
    Size: state.byteLength,
    Format: SNAPSHOT_FORMAT,
  };
  const metaBytes = Buffer.from(JSON.stringify(meta, null, 2) + '\n');
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

/** Unpacks and verifies an archive; throws SnapshotArchiveError saying what is wrong. */
export function readSnapshotArchive(archive: Uint8Array): SnapshotArchive {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive, { maxOutputLength: MAX_SNAPSHOT_BYTES });
  } catch (err) {
    throw new SnapshotArchiveError(`snapshot is not a gzip archive: ${(err as Error).message}`);
  }
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
    if (expected.get(name) !== sha256(bytes)) throw new SnapshotArchiveError(`checksum mismatch for ${name}: the snapshot is damaged`);
  }
  let meta: SnapshotMeta;
  try {
    meta = JSON.parse(metaBytes.toString('utf8')) as SnapshotMeta;
  } catch (err) {
    throw new SnapshotArchiveError(`meta.json is not JSON: ${(err as Error).message}`);
  }
  if (meta.Format !== SNAPSHOT_FORMAT)
    throw new SnapshotArchiveError(`snapshot format ${JSON.stringify(meta.Format)} is not ${SNAPSHOT_FORMAT} (not a Conclave snapshot?)`);
  return { meta, state: new Uint8Array(state) };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
