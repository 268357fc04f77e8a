import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { PROBE_ABORTED_OUTPUT, runScriptCheck } from '@conclave/health';
import { alive } from './support/wait-for.js';

let dir: string;

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

async function waitForFile(path: string): Promise<string> {
  await waitFor(`${path} to be written`, () => existsSync(path), { timeoutMs: 10_000 });
  return readFileSync(path, 'utf8');
}

/**
 * The run resolves once the script (the group leader) has been reaped and the output pipes are closed,
 * as Consul's cmd.Wait does. A grandchild closes its pipes early in its exit, before the kernel has
 * finished it, and it is reaped by init, not by us: its death is polled for, with a bound.
 */
async function waitGone(pid: number): Promise<void> {
  await waitFor(`process ${pid} to die`, () => !alive(pid), { timeoutMs: 5000 });
}

const base = { timeoutNs: 0, outputMaxSize: 4096 };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-health-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runScriptCheck', () => {
  it('exit 0 is passing, with stdout and stderr captured', async () => {
    const path = script('ok.sh', 'echo "all good"\necho "to stderr" >&2\nexit 0');
    const r = await runScriptCheck({ ...base, args: [path] });
    expect(r.status).toBe('passing');
    expect(r.output).toContain('all good\n');
    expect(r.output).toContain('to stderr\n');
  });

  it('exit 1 is warning', async () => {
    const r = await runScriptCheck({ ...base, args: [script('warn.sh', 'echo lagging; exit 1')] });
    expect(r).toEqual({ status: 'warning', output: 'lagging\n' });
  });

  it('exit 2 (and anything else) is critical', async () => {
    expect(await runScriptCheck({ ...base, args: [script('crit.sh', 'echo down; exit 2')] })).toEqual({
      status: 'critical',
      output: 'down\n',
    });
    expect((await runScriptCheck({ ...base, args: [script('crit3.sh', 'exit 3')] })).status).toBe('critical');
  });

  it('passes args to the program without a shell', async () => {
    const path = script('echo-args.sh', 'printf "%s|" "$@"');
    const r = await runScriptCheck({ ...base, args: [path, 'a b', '$HOME', ';exit 1'] });
    expect(r).toEqual({ status: 'passing', output: 'a b|$HOME|;exit 1|' });
  });

  it('runs a legacy script string through sh -c', async () => {
    const r = await runScriptCheck({ ...base, script: 'echo one; echo two >&2; exit 1' });
    expect(r.status).toBe('warning');
    expect(r.output).toContain('one\n');
    expect(r.output).toContain('two\n');
  });

  it('a program that cannot be started is critical with the reason', async () => {
    const r = await runScriptCheck({ ...base, args: [join(dir, 'does-not-exist')] });
    expect(r.status).toBe('critical');
    expect(r.output).toContain('ENOENT');
    const notExecutable = join(dir, 'plain.txt');
    writeFileSync(notExecutable, 'hello');
    const r2 = await runScriptCheck({ ...base, args: [notExecutable] });
    expect(r2.status).toBe('critical');
    expect(r2.output).toContain('EACCES');
  });

  it('bounds the output, keeping the end, with Consul\'s prefix', async () => {
    const r = await runScriptCheck({
      ...base,
      outputMaxSize: 100,
      script: 'i=0; while [ $i -lt 200 ]; do printf "%04d\\n" $i; i=$((i+1)); done; echo END',
    });
    const total = 200 * 5 + 4;
    expect(r.status).toBe('passing');
    expect(r.output.startsWith(`Captured 100 of ${total} bytes\n...\n`)).toBe(true);
    const kept = r.output.slice(`Captured 100 of ${total} bytes\n...\n`.length);
    expect(kept).toHaveLength(100);
    expect(kept.endsWith('0199\nEND\n')).toBe(true);
  });

  it('on timeout kills the whole process group and reports the captured output', async () => {
    const pids = join(dir, 'pids');
    const path = script(
      'hang.sh',
      `echo started\nsleep 30 &\necho "$$ $!" > ${pids}.tmp\nmv ${pids}.tmp ${pids}\nwait`,
    );
    const run = runScriptCheck({ ...base, args: [path], timeoutNs: 1e9 });
    const [shellPid, sleepPid] = (await waitForFile(pids)).trim().split(' ').map(Number);
    expect(alive(shellPid!)).toBe(true);
    expect(alive(sleepPid!)).toBe(true);
    const r = await run;
    expect(r.status).toBe('critical');
    expect(r.output).toBe('Timed out (1s) running check\n\nstarted\n');
    expect(alive(shellPid!)).toBe(false);
    await waitGone(sleepPid!);
  });

  it('a timed-out run with no output reports only the timeout', async () => {
    const r = await runScriptCheck({ ...base, timeoutNs: 200e6, script: 'exec sleep 30' });
    expect(r).toEqual({ status: 'critical', output: 'Timed out (200ms) running check' });
  });

  it('an abort kills the process group and resolves', async () => {
    const pids = join(dir, 'pids-abort');
    const path = script('hang2.sh', `sleep 30 &\necho "$$ $!" > ${pids}.tmp\nmv ${pids}.tmp ${pids}\nwait`);
    const ctl = new AbortController();
    const run = runScriptCheck({ ...base, args: [path] }, { signal: ctl.signal });
    const [shellPid, sleepPid] = (await waitForFile(pids)).trim().split(' ').map(Number);
    ctl.abort();
    expect(await run).toEqual({ status: 'critical', output: PROBE_ABORTED_OUTPUT });
    expect(alive(shellPid!)).toBe(false);
    await waitGone(sleepPid!);
  });
});
