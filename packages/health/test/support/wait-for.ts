import { readFileSync } from 'node:fs';

/**
 * Polls until `cond` holds. The bound only turns a hang into a readable failure: a test waits on the
 * condition, never on a fixed delay, so a loaded machine makes it slower, not red.
 */
export async function waitFor(
  cond: () => boolean,
  what: string,
  { timeoutMs = 10_000, intervalMs = 5 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (cond()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** True while the process exists and is not a zombie waiting to be reaped (Linux /proc). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
