// The /v1/snapshot archive: a gzipped tar, like Consul's, holding meta.json, state.bin (the state machine's
// snapshot bytes) and SHA256SUMS. The checksums are verified before anything is restored, so a truncated or
// altered file is refused instead of half-applied. Our own format: not interchangeable with Consul's state.bin.

import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

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
  const mtime = Math.floor(now / 1000);
  const tar = Buffer.concat([
    tarEntry('meta.json', metaBytes, mtime),
    tarEntry('state.bin', stateBytes, mtime),
    tarEntry('SHA256SUMS', Buffer.from(sums), mtime),
    Buffer.alloc(1024),
  ]);
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
  const files = new Map<string, Buffer>();
  let at = 0;
  while (at + 512 <= tar.length) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const name = cString(header.subarray(0, 100));
    const size = parseInt(cString(header.subarray(124, 136)).trim() || '0', 8);
    if (!Number.isSafeInteger(size) || size < 0) throw new SnapshotArchiveError(`bad tar header for ${JSON.stringify(name)}`);
    const sum = parseInt(cString(header.subarray(148, 156)).trim(), 8);
    if (sum !== headerChecksum(header)) throw new SnapshotArchiveError(`tar header checksum mismatch for ${JSON.stringify(name)}`);
    const start = at + 512;
    if (start + size > tar.length) throw new SnapshotArchiveError(`snapshot is truncated inside ${JSON.stringify(name)}`);
    files.set(name, tar.subarray(start, start + size));
    at = start + Math.ceil(size / 512) * 512;
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

function tarEntry(name: string, data: Buffer, mtime: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'ascii');
  h.write('0000000\0', 108, 'ascii');
  h.write('0000000\0', 116, 'ascii');
  h.write(data.length.toString(8).padStart(11, '0') + '\0', 124, 'ascii');
  h.write(mtime.toString(8).padStart(11, '0') + '\0', 136, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0' + '00', 257, 'ascii');
  h.write(headerChecksum(h).toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  const pad = (512 - (data.length % 512)) % 512;
  return Buffer.concat([h, data, Buffer.alloc(pad)]);
}

/** Sum of the header bytes with the checksum field read as spaces. */
function headerChecksum(h: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum;
}

function cString(b: Uint8Array): string {
  const end = b.indexOf(0);
  return Buffer.from(b.subarray(0, end < 0 ? b.length : end)).toString('utf8');
}
