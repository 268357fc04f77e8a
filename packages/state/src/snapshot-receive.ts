// PUT /v1/snapshot, streamed: the archive is gunzipped and untarred as it arrives, state.bin written to a
// temporary file and hashed on the way, meta.json and SHA256SUMS kept (they are small); the checksums are
// verified once the archive has ended, before anything is restored. Consul's snapshot.Read works the same way
// (its own temporary file), and the errors are its texts, so a truncated or altered archive is refused with
// the words Consul's users know, and nothing changes. Memory stays at a few chunks whatever the state's size.

import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from './lazy-zlib.js';
import { TarError, lazyNode, parseTarHeader } from '@conclave/toolkit';
import { SNAPSHOT_FORMAT, SnapshotArchiveError, type SnapshotMeta } from './snapshot-archive.js';

/** Archives written before streamed snapshots; still restorable. */
const SNAPSHOT_FORMATS = [SNAPSHOT_FORMAT, 'conclave-msgpack-v1'];
/** Largest state.bin a restore writes to disk (a guard against a gzip bomb filling it). */
export const MAX_RESTORE_BYTES = 2 ** 36;
/** meta.json and SHA256SUMS are a few hundred bytes; anything this large is not one of ours. */
const MAX_SMALL_FILE = 1 << 20;
/** state.bin is written in batches of about this much. */
const WRITE_BATCH = 1 << 20;

/** A verified archive's state.bin in a temporary file. */
export interface ReceivedSnapshot {
  meta: SnapshotMeta;
  /** Bytes of state.bin. */
  size: number;
  /** state.bin from its start; may be called more than once. */
  open(): AsyncIterable<Uint8Array>;
  /** Removes the temporary file. */
  discard(): Promise<void>;
}

/** Consul's wrapping of what snapshot.read found wrong. */
function readError(why: string): SnapshotArchiveError {
  return new SnapshotArchiveError(`failed to read snapshot file: ${why}`);
}

/**
 * Reads an archive from `body` into a temporary file and verifies it; throws SnapshotArchiveError (Consul's
 * text) when it is not a good archive, after removing the file. Errors of `body` itself (a client that went
 * away, a size limit) pass through as they are.
 */
export async function receiveSnapshotArchive(
  body: AsyncIterable<Uint8Array>,
  opts: { tmpDir?: string; maxStateBytes?: number } = {},
): Promise<ReceivedSnapshot> {
  const maxState = opts.maxStateBytes ?? MAX_RESTORE_BYTES;
  const dir = await mkdtemp(join(opts.tmpDir ?? tmpdir(), 'conclave-restore-'));
  const discard = () => rm(dir, { recursive: true, force: true });
  const path = join(dir, 'state.bin');
  try {
    const fh = await open(path, 'w');
    let size = 0;
    const hashes = new Map<string, Hash>([
      ['meta.json', lazyNode.crypto().createHash('sha256')],
      ['state.bin', lazyNode.crypto().createHash('sha256')],
    ]);
    const small = new Map<string, Buffer[]>();
    try {
      let header: Buffer = Buffer.alloc(0);
      let file: { name: string; left: number; pad: number } | undefined;
      let ended = false;
      let produced = false;
      let batch: Uint8Array[] = [];
      let batched = 0;
      const flush = async () => {
        if (!batched) return;
        await fh.writev(batch);
        batch = [];
        batched = 0;
      };
      const consume = async (chunk: Buffer) => {
        let at = 0;
        while (at < chunk.length && !ended) {
          if (!file) {
            const take = Math.min(512 - header.length, chunk.length - at);
            header = header.length ? Buffer.concat([header, chunk.subarray(at, at + take)]) : chunk.subarray(at, at + take);
            at += take;
            if (header.length < 512) break;
            let h: { name: string; size: number } | undefined;
            try {
              h = parseTarHeader(header);
            } catch (err) {
              if (err instanceof TarError) throw readError(`failed reading snapshot: ${err.message}`);
              throw err;
            }
            header = Buffer.alloc(0);
            if (!h) {
              ended = true; // what follows is the second zero block and gzip's own padding
              break;
            }
            if (h.name !== 'meta.json' && h.name !== 'state.bin' && h.name !== 'SHA256SUMS' && h.name !== 'SHA256SUMS.sealed')
              throw readError(`unexpected file ${JSON.stringify(h.name)} in snapshot`);
            if (h.name === 'state.bin' ? h.size > maxState : h.size > MAX_SMALL_FILE)
              throw readError(`${h.name} of ${h.size} bytes is larger than ${h.name === 'state.bin' ? maxState : MAX_SMALL_FILE} bytes`);
            file = { name: h.name, left: h.size, pad: (512 - (h.size % 512)) % 512 };
          } else if (file.left > 0) {
            const take = Math.min(file.left, chunk.length - at);
            const part = chunk.subarray(at, at + take);
            at += take;
            file.left -= take;
            hashes.get(file.name)?.update(part);
            if (file.name === 'state.bin') {
              size += take;
              batch.push(part);
              batched += take;
              if (batched >= WRITE_BATCH) await flush();
            } else if (file.name !== 'SHA256SUMS.sealed') {
              small.set(file.name, [...(small.get(file.name) ?? []), part]);
            }
          } else {
            const take = Math.min(file.pad, chunk.length - at);
            at += take;
            file.pad -= take;
          }
          if (file && file.left === 0 && file.pad === 0) {
            if (!small.has(file.name) && file.name !== 'state.bin') small.set(file.name, []);
            file = undefined;
          }
        }
      };
      try {
        await pipeline(body, createGunzip(), async (out: AsyncIterable<Buffer>) => {
          for await (const chunk of out) {
            produced = true;
            await consume(chunk);
          }
        });
      } catch (err) {
        if (err instanceof SnapshotArchiveError) throw err;
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'Z_BUF_ERROR') throw readError('failed reading snapshot: unexpected EOF');
        if (typeof code === 'string' && code.startsWith('Z_')) {
          if (!produced) throw new SnapshotArchiveError('failed to decompress snapshot: gzip: invalid header');
          throw readError(`failed reading snapshot: ${(err as Error).message}`);
        }
        throw err; // the body's own failure (e.g. too large, or the client went away)
      }
      if (file || header.length) throw readError('failed reading snapshot: unexpected EOF');
      await flush();
      await fh.sync();
    } finally {
      await fh.close();
    }
    verifySums(hashes, small.get('SHA256SUMS'));
    const metaBytes = Buffer.concat(small.get('meta.json') ?? []);
    let meta: SnapshotMeta;
    try {
      meta = JSON.parse(metaBytes.toString('utf8')) as SnapshotMeta;
    } catch (err) {
      throw readError(`failed to decode snapshot metadata: ${(err as Error).message}`);
    }
    if (typeof meta !== 'object' || meta === null || !SNAPSHOT_FORMATS.includes(meta.Format))
      throw readError(`snapshot format ${JSON.stringify(meta?.Format)} is not ${SNAPSHOT_FORMAT} (not a Conclave snapshot?)`);
    return { meta, size, discard, open: () => createReadStream(path, { highWaterMark: 1 << 20 }) };
  } catch (err) {
    await discard();
    throw err;
  }
}

/** Consul's hashList.DecodeAndVerify: every line names a file we hashed and matches it, and none is left out. */
function verifySums(hashes: Map<string, Hash>, sums: Buffer[] | undefined): void {
  const fail = (why: string) => readError(`failed checking integrity of snapshot: ${why}`);
  const actual = new Map([...hashes].map(([name, h]) => [name, h.digest('hex')]));
  const seen = new Set<string>();
  for (const line of Buffer.concat(sums ?? []).toString('utf8').split('\n')) {
    if (line === '') continue;
    const m = /^([0-9a-fA-F]+) {2}(\S+)$/.exec(line);
    if (!m) throw fail(`unexpected line in SHA256SUMS: ${JSON.stringify(line)}`);
    const expected = actual.get(m[2]!);
    if (expected === undefined) throw fail(`list missing hash for ${JSON.stringify(m[2])}`);
    if (m[1]!.toLowerCase() !== expected) throw fail(`hash check failed for ${JSON.stringify(m[2])}`);
    seen.add(m[2]!);
  }
  for (const name of actual.keys()) if (!seen.has(name)) throw fail(`file missing for ${JSON.stringify(name)}`);
}
