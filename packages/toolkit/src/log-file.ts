// Consul's -log-file: the agent's lines also go to a file, rotated by size and age (agent/logging/logfile.go).
// The file being written keeps the configured name (`consul.log` when log_file names a directory); at rotation
// it is renamed `<name>-<unix nanoseconds><ext>` and a new one is started. log_rotate_max_files keeps that many
// archives (the oldest go first), 0 keeps all, -1 keeps none. As in Consul the check happens before each write
// (no timer), the file is truncated when opened, and a file may pass rotate_bytes by the line that crossed it.
// Writes are synchronous, as hclog's are: lines land in order and a crash loses none that were logged.
import { closeSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

export interface LogFileOptions {
  /** log_file: a file path, or a directory (ending in a separator) for `consul.log` in it. */
  path: string;
  /** log_rotate_bytes: rotate once the file holds this many bytes; 0 = no size limit. */
  rotateBytes?: number;
  /** log_rotate_duration in ms; default 24 h. */
  rotateDurationMs?: number;
  /** log_rotate_max_files: archives kept; 0 = all, negative = none. */
  maxFiles?: number;
  /** Milliseconds since the epoch; a test's clock. */
  now?: () => number;
  /** Told once when writing fails (disk full, file removed from under us); later failures are silent. */
  onError?: (err: Error) => void;
}

const DEFAULT_ROTATE_MS = 24 * 60 * 60 * 1000;

export class LogFile {
  readonly dir: string;
  readonly fileName: string;
  private readonly stem: string;
  private readonly ext: string;
  private fd = -1;
  private created = 0;
  private bytes = 0;
  private lastStamp = 0n;
  private failed = false;
  private readonly now: () => number;

  /** Opens (truncates) the file; throws with the path and the reason when it cannot. */
  constructor(private readonly o: LogFileOptions) {
    const isDir = /[\\/]$/.test(o.path);
    this.dir = isDir ? o.path : dirname(o.path);
    this.fileName = isDir ? 'consul.log' : basename(o.path);
    // Consul: no extension → archives get `.log`; the extension is split off the name for the archive pattern.
    const ext = extname(this.fileName);
    this.ext = ext === '' ? '.log' : ext;
    this.stem = ext === '' ? this.fileName : this.fileName.slice(0, -ext.length);
    this.now = o.now ?? Date.now;
    this.open();
  }

  /** The file being written. */
  get path(): string {
    return join(this.dir, this.fileName);
  }

  /** Writes one line (a newline is added), rotating first when the size or age limit is reached. */
  write(line: string): void {
    try {
      this.rotateIfDue();
      const buf = Buffer.from(line + '\n', 'utf8');
      this.bytes += buf.length;
      writeSync(this.fd, buf);
    } catch (err) {
      if (!this.failed) this.o.onError?.(err as Error);
      this.failed = true;
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** Archive names of this log in the directory, oldest first. */
  archives(): string[] {
    const prefix = this.stem + '-';
    return readdirSync(this.dir)
      .filter((f) => f.startsWith(prefix) && f.endsWith(this.ext) && /^\d+$/.test(f.slice(prefix.length, f.length - this.ext.length)))
      .sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  }

  private open(): void {
    try {
      this.fd = openSync(this.path, 'w', 0o640);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new Error(`Failed to setup logging: open ${this.path}: ${describe(e)}`, { cause: err });
    }
    this.created = this.now();
    this.bytes = 0;
  }

  private rotateIfDue(): void {
    const max = this.o.rotateBytes ?? 0;
    const age = this.now() - this.created;
    if (!((max > 0 && this.bytes >= max) || age >= (this.o.rotateDurationMs || DEFAULT_ROTATE_MS))) return;
    this.close();
    renameSync(this.path, join(this.dir, `${this.stem}-${this.stamp()}${this.ext}`));
    this.prune();
    this.open();
  }

  // Unix nanoseconds, as Consul names archives; strictly increasing so two rotations in one millisecond
  // never overwrite each other.
  private stamp(): string {
    let ns = BigInt(Math.trunc(this.now())) * 1_000_000n;
    if (ns <= this.lastStamp) ns = this.lastStamp + 1n;
    this.lastStamp = ns;
    return ns.toString();
  }

  private prune(): void {
    const keep = this.o.maxFiles ?? 0;
    if (keep === 0) return;
    const all = this.archives();
    const drop = keep < 0 ? all : all.slice(0, Math.max(0, all.length - keep));
    for (const f of drop) unlinkSync(join(this.dir, f));
  }
}

function describe(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return e.message;
  }
}
