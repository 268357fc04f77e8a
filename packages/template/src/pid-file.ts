// consul-template's pid_file / -pid-file: the process id is written when the runner starts and removed when
// it stops. Written atomically (temporary file + rename) so a supervisor never reads a half-written pid.
import { promises as fs } from 'node:fs';
import { writeFileDurable, type Logger } from '@conclave/toolkit';

export class PidFile {
  private path: string | undefined;

  constructor(
    private readonly pid: number,
    private readonly log: () => Pick<Logger, 'info' | 'debug' | 'warn'>,
  ) {}

  /**
   * Makes `path` (undefined or "" = none) the pid file: a different previous one is removed first (a reload
   * that changes pid_file). Throws consul-template's "runner: could not ..." error when it cannot be written.
   */
  async use(path: string | undefined): Promise<void> {
    const next = path === '' ? undefined : path;
    if (next === this.path) return;
    await this.remove();
    if (next === undefined) return;
    this.log().info(`creating pid file at ${JSON.stringify(next)}`);
    try {
      // No newline, as consul-template writes it (`%d`); mode 0644 rather than Go's 0666-minus-umask.
      await writeFileDurable(next, String(this.pid), { createDirs: false });
    } catch (e) {
      throw new Error(`runner: could not write to pid file: ${(e as Error).message}`);
    }
    this.path = next;
  }

  /** Removes the pid file, if one was written; failures are logged, never thrown (we are exiting). */
  async remove(): Promise<void> {
    const path = this.path;
    if (path === undefined) return;
    this.path = undefined;
    this.log().debug(`removing pid file at ${JSON.stringify(path)}`);
    try {
      await fs.rm(path);
    } catch (e) {
      this.log().warn(`(runner) could not remove pid at ${JSON.stringify(path)}: ${(e as Error).message}`);
    }
  }
}
