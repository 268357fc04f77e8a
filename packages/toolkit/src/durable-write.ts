// Files an agent or consul-template must not lose or half-write (rendered templates, the known-peers list, the
// node id, snapshots): write a temp file in the destination's directory, fsync it, rename it over the destination,
// then fsync the directory so the rename itself survives a crash. Readers see the old file or the new one, never
// a mix. consul-template's extras are options: keep the mode, back up the old file, create missing directories,
// and leave an unchanged file alone.
import * as fs from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface DurableWriteOptions {
  /** File mode, e.g. 0o600; default: the existing file's mode, else 0o644. */
  mode?: number;
  /** Keep the previous file as `<path>.bak` (an older backup moves to `<path>.old.bak`), as consul-template's backup. */
  backup?: boolean;
  /** Create missing parent directories. Default true (consul-template's create_dest_dirs). */
  createDirs?: boolean;
  /** Write nothing when the file already holds exactly these bytes (and the mode, if given). Default false. */
  skipUnchanged?: boolean;
}

const toBuffer = (data: string | Uint8Array): Buffer => (typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data));
// Unique among writers: the process ID tells live processes apart and the counter this process's writes; the
// random part keeps a restarted process with the same ID (PID 1 in a container) off a temp file that a crash
// left behind, which the exclusive open would refuse. Math.random, not crypto: a name, not a secret.
let tempSeq = 0;
const tempName = (path: string): string =>
  join(dirname(path), `.${basename(path)}.${process.pid}.${++tempSeq}.${Math.random().toString(36).slice(2, 10)}.tmp`);
const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENOENT';

/** Writes `data` to `path` durably (see the header). Resolves true when written, false when skipped as unchanged. */
export async function writeFileDurable(path: string, data: string | Uint8Array, options: DurableWriteOptions = {}): Promise<boolean> {
  const bytes = toBuffer(data);
  let existingMode: number | undefined;
  try {
    const st = await fs.promises.stat(path);
    existingMode = st.mode & 0o7777;
    if (options.skipUnchanged && st.size === bytes.length && (options.mode === undefined || options.mode === existingMode)) {
      if ((await fs.promises.readFile(path)).equals(bytes)) return false;
    }
  } catch (e) {
    if (!isMissing(e)) throw e;
  }
  const dir = dirname(path);
  if (options.createDirs ?? true) await fs.promises.mkdir(dir, { recursive: true });
  const tmp = tempName(path);
  const mode = options.mode ?? existingMode ?? 0o644;
  const fh = await fs.promises.open(tmp, 'wx', mode);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
    await fh.chmod(mode);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    if (options.backup && existingMode !== undefined) {
      const bak = `${path}.bak`;
      await fs.promises.rename(bak, `${path}.old.bak`).catch((e: unknown) => {
        if (!isMissing(e)) throw e;
      });
      await fs.promises.link(path, bak);
    }
    await fs.promises.rename(tmp, path);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await syncDir(dir);
  return true;
}

/** writeFileDurable for startup and shutdown paths that cannot await. */
export function writeFileDurableSync(path: string, data: string | Uint8Array, options: DurableWriteOptions = {}): boolean {
  const bytes = toBuffer(data);
  let existingMode: number | undefined;
  try {
    const st = fs.statSync(path);
    existingMode = st.mode & 0o7777;
    if (options.skipUnchanged && st.size === bytes.length && (options.mode === undefined || options.mode === existingMode)) {
      if (fs.readFileSync(path).equals(bytes)) return false;
    }
  } catch (e) {
    if (!isMissing(e)) throw e;
  }
  const dir = dirname(path);
  if (options.createDirs ?? true) fs.mkdirSync(dir, { recursive: true });
  const tmp = tempName(path);
  const mode = options.mode ?? existingMode ?? 0o644;
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    fs.writeFileSync(fd, bytes);
    fs.fsyncSync(fd);
    fs.fchmodSync(fd, mode);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  try {
    if (options.backup && existingMode !== undefined) {
      const bak = `${path}.bak`;
      try {
        fs.renameSync(bak, `${path}.old.bak`);
      } catch (e) {
        if (!isMissing(e)) throw e;
      }
      fs.linkSync(path, bak);
    }
    fs.renameSync(tmp, path);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  syncDirSync(dir);
  return true;
}

// Some platforms and filesystems cannot fsync a directory; the file itself is already on disk then.
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await fs.promises.open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // best effort
  }
}

function syncDirSync(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // best effort
  }
}
