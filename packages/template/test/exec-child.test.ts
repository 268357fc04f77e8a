// ExecChild with real processes: reload by signal (after the splay the injected random picks), restart without
// a reload signal, forwarded signals, the kill signal's exit reported, stop() not reported, SIGKILL after the
// kill timeout, and a `sh -c` command's whole process group signalled.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { ExecChild } from '../src/exec-child.js';

const dir = mkdtempSync(join(tmpdir(), 'exec-child-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = join(dir, 'child.sh');
writeFileSync(
  script,
  `#!/bin/sh
echo "start $$" >> "$LOG"
trap 'echo "hup $$" >> "$LOG"' HUP
trap 'echo "usr2 $$" >> "$LOG"' USR2
trap 'echo "int $$" >> "$LOG"; exit 4' INT
[ "$STUBBORN" = 1 ] && trap 'echo "term-ignored $$" >> "$LOG"' TERM
while :; do sleep 0.05; done
`,
);
chmodSync(script, 0o755);

let n = 0;
function setup(extra: NodeJS.ProcessEnv = {}) {
  const log = join(dir, `log-${n++}`);
  const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
  return { log, lines, env: { ...process.env, LOG: log, ...extra } };
}

describe('ExecChild', () => {
  it('reloads by signal after the splay, forwards other signals, reports an exit caused by its kill signal', async () => {
    const { lines, env } = setup();
    const exits: number[] = [];
    const randoms: number[] = [];
    const c = new ExecChild({ command: [script], env, reloadSignal: 'SIGHUP', splayMs: 50, random: () => (randoms.push(0), 0), stdio: 'ignore', onExit: (code) => exits.push(code) });
    await c.start();
    await waitFor('start', async () => lines().length === 1, { timeoutMs: 10000, intervalMs: 20 });
    const pid = c.pid;
    await c.reload();
    await c.signal('SIGUSR2');
    await waitFor('signals', async () => lines().length === 3, { timeoutMs: 10000, intervalMs: 20 });
    expect(lines().slice(1)).toEqual([`hup ${pid}`, `usr2 ${pid}`]);
    expect(randoms.length).toBe(1);
    expect(c.pid).toBe(pid);
    await c.signal('SIGINT');
    await waitFor('exit reported', async () => exits.length === 1, { timeoutMs: 10000, intervalMs: 20 });
    expect(exits).toEqual([4]);
  });

  it('restarts without a reload signal and does not report the exits it caused', async () => {
    const { lines, env } = setup();
    const exits: number[] = [];
    const c = new ExecChild({ command: [script], env, stdio: 'ignore', onExit: (code) => exits.push(code) });
    await c.start();
    await waitFor('start', async () => lines().length === 1, { timeoutMs: 10000, intervalMs: 20 });
    const first = c.pid;
    await c.reload();
    await waitFor('restart', async () => lines().length === 3, { timeoutMs: 10000, intervalMs: 20 });
    expect(lines()[1]).toBe(`int ${first}`);
    expect(c.pid).not.toBe(first);
    await c.stop();
    expect(c.running).toBe(false);
    expect(exits).toEqual([]);
  });

  it('SIGKILLs a child that outlives the kill timeout', async () => {
    const { lines, env } = setup({ STUBBORN: '1' });
    const c = new ExecChild({ command: [script], env, killSignal: 'SIGTERM', killTimeoutMs: 100, stdio: 'ignore' });
    await c.start();
    await waitFor('start', async () => lines().length === 1, { timeoutMs: 10000, intervalMs: 20 });
    const pid = c.pid!;
    await c.stop();
    expect(lines().at(-1)).toBe(`term-ignored ${pid}`);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('signals the whole process group of a sh -c command', async () => {
    const { lines, env } = setup();
    // SIGTERM: a background job of a non-interactive sh starts with SIGINT ignored (POSIX). Only the kill signal
    // is sent: any other signal without a trap would end the outer sh first, as it would under consul-template.
    const c = new ExecChild({ command: [`${script} & wait`], env, killSignal: 'SIGTERM', stdio: 'ignore' });
    await c.start();
    await waitFor('start', async () => lines().length === 1, { timeoutMs: 10000, intervalMs: 20 });
    const inner = lines()[0]!.split(' ')[1];
    await c.stop();
    // Gone, or a zombie waiting for a reaper (its parent, the outer sh, is gone too).
    const state = () => (existsSync(`/proc/${inner}/stat`) ? readFileSync(`/proc/${inner}/stat`, 'utf8').split(') ')[1]![0] : 'gone');
    await waitFor('inner stopped', async () => ['gone', 'Z', 'X'].includes(state()), { timeoutMs: 10000, intervalMs: 20 });
  });
});
