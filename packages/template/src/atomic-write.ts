// Writes a rendered file the way consul-template does: nothing when the bytes are already there;
// otherwise a temp file in the destination's directory, fsync, chmod (perms, else the existing mode,
// else 0644), optional backup (<dst>.bak, the previous backup kept as <dst>.old.bak), atomic rename.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode, e.g. 0o644; default: the existing file's mode, else 0o644. */
  perms?: number;
  backup?: boolean;
  /** Create missing parent directories (consul-template's create_dest_dirs, default true). */
  createDestDirs?: boolean;
}

/** Returns true when the file was (re)written, false when it already held `contents`. */
export async function writeFileAtomic(dst: string, contents: string, options: AtomicWriteOptions = {}): Promise<boolean> {
  const data = Buffer.from(contents, 'utf8');
  let existingMode: number | undefined;
  try {
    const st = await fs.stat(dst);
    existingMode = st.mode & 0o7777;
    if (st.size === data.length) {
      const current = await fs.readFile(dst);
      if (current.equals(data) && (options.perms === undefined || options.perms === existingMode)) return false;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const dir = dirname(dst);
  if (options.createDestDirs ?? true) await fs.mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(dst)}.${randomBytes(6).toString('hex')}.tmp`);
  const mode = options.perms ?? existingMode ?? 0o644;
  const fh = await fs.open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
    await fh.chmod(mode);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    if (options.backup && existingMode !== undefined) {
      const bak = `${dst}.bak`;
      await fs.rename(bak, `${dst}.old.bak`).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
      await fs.link(dst, bak);
    }
    await fs.rename(tmp, dst);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  // Like consul-template, the directory is not fsynced: readers see either the old or the new file, and
  // the data itself is on disk before the rename.
  return true;
}
