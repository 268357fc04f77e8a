// The one tar (ustar) writer and reader: snapshots (state/snapshot-archive.ts) and `conclave debug` captures are
// gzipped tars. Regular files only, names up to 100 bytes: all either writes, and all either reads back.

export class TarError extends Error {
  override name = 'TarError';
}

/** A tar of the files, in order, with the end-of-archive blocks. */
export function writeTar(files: ReadonlyArray<readonly [name: string, data: Uint8Array]>, mtimeSeconds: number): Buffer {
  const parts: Buffer[] = [];
  for (const [name, data] of files) {
    parts.push(tarHeader(name, data.length, mtimeSeconds), Buffer.from(data.buffer, data.byteOffset, data.byteLength), tarPadding(data.length));
  }
  parts.push(tarEnd());
  return Buffer.concat(parts);
}

/**
 * The 512-byte header of a regular file of `size` bytes. With tarPadding and tarEnd, a tar can be written
 * as a stream (header, the file's bytes as they come, padding), which is how snapshots of a large state
 * are sent without holding the whole tar.
 */
export function tarHeader(name: string, size: number, mtimeSeconds: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new TarError(`tar: name longer than 100 bytes: ${name}`);
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'ascii');
  h.write('0000000\0', 108, 'ascii');
  h.write('0000000\0', 116, 'ascii');
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'ascii');
  h.write(mtimeSeconds.toString(8).padStart(11, '0') + '\0', 136, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0' + '00', 257, 'ascii');
  h.write(headerChecksum(h).toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

/** Zeros that round a file of `size` bytes up to the 512-byte block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((512 - (size % 512)) % 512);
}

/** The two zero blocks that end an archive. */
export function tarEnd(): Buffer {
  return Buffer.alloc(1024);
}

/**
 * A 512-byte header block read: the file's name and size, or undefined for a zero block (the end of the
 * archive). Throws TarError when the block is not a header. For readers that get a tar as a stream.
 */
export function parseTarHeader(header: Uint8Array): { name: string; size: number } | undefined {
  if (header.every((b) => b === 0)) return undefined;
  const name = cString(header.subarray(0, 100));
  const size = parseInt(cString(header.subarray(124, 136)).trim() || '0', 8);
  if (!Number.isSafeInteger(size) || size < 0) throw new TarError(`bad tar header for ${JSON.stringify(name)}`);
  const sum = parseInt(cString(header.subarray(148, 156)).trim(), 8);
  if (sum !== headerChecksum(header)) throw new TarError(`tar header checksum mismatch for ${JSON.stringify(name)}`);
  return { name, size };
}

/** The files of a tar by name (views into `tar`); throws TarError saying what is wrong. */
export function readTar(tar: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let at = 0;
  while (at + 512 <= tar.length) {
    const parsed = parseTarHeader(tar.subarray(at, at + 512));
    if (!parsed) break;
    const { name, size } = parsed;
    const start = at + 512;
    if (start + size > tar.length) throw new TarError(`truncated inside ${JSON.stringify(name)}`);
    files.set(name, tar.subarray(start, start + size));
    at = start + Math.ceil(size / 512) * 512;
  }
  return files;
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
