// Exec mode and signals end to end: the built conclave-template supervises a real child process (a shell
// script that logs the signals it gets) while rendering from a built `conclave agent -dev`: the child starts
// only after the first complete render, is restarted (or signalled with -exec-reload-signal) when the file
// changes, receives forwarded signals, and conclave-template exits with the child's code. SIGHUP reloads the
// configuration files; retries give up after -consul-retry-attempts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { freePort } from '@conclave/test-support/free-port';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevAgent, type AgentProcess } from '../../agent/test/support/agent-process.js';

const TEMPLATE_BIN = fileURLToPath(new URL('../bin/conclave-template.js', import.meta.url));

// Logs "<event> <pid> <file contents>" lines; IGNORE_INT=1 makes it ignore SIGINT (for the kill timeout).
const CHILD_SCRIPT = `#!/bin/sh
echo "start $$ $(cat "$OUT") addr=$CONSUL_HTTP_ADDR secret=$SECRET_X keep=$KEEP_X" >> "$LOG"
trap 'echo "hup $$ $(cat "$OUT")" >> "$LOG"' HUP
trap 'echo "usr1 $$" >> "$LOG"' USR1
trap 'echo "usr2 $$" >> "$LOG"' USR2
trap 'echo "term $$" >> "$LOG"; exit 3' TERM
if [ "$IGNORE_INT" = 1 ]; then trap 'echo "int-ignored $$" >> "$LOG"' INT; else trap 'echo "int $$" >> "$LOG"; exit 0' INT; fi
while :; do sleep 0.05; done
`;

let agent: AgentProcess;
let dir: string;
const running: ChildProcess[] = [];

interface Run {
  proc: ChildProcess;
  output(): string;
  exit: Promise<number | null>;
}

function startTemplate(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const proc = spawn(process.execPath, [TEMPLATE_BIN, '-log-level', 'debug', '-consul-addr', agent.httpAddr, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  running.push(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, output: () => out, exit };
}

async function put(key: string, value: string): Promise<void> {
  const res = await fetch(`http://${agent.httpAddr}/v1/kv/${key}`, { method: 'PUT', body: value });
  expect(res.status).toBe(200);
}

function logLines(log: string): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}

/** Files for one scenario: template, output, child log, and the child script. */
function scenario(name: string, key: string) {
  const base = join(dir, name);
  const tpl = `${base}.ctmpl`;
  writeFileSync(tpl, `value={{ key "${key}" }}`);
  const script = join(dir, 'child.sh');
  return { tpl, out: `${base}.out`, log: `${base}.log`, script, env: { OUT: `${base}.out`, LOG: `${base}.log` } };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-template-exec-'));
  writeFileSync(join(dir, 'child.sh'), CHILD_SCRIPT);
  chmodSync(join(dir, 'child.sh'), 0o755);
  agent = await startDevAgent(['-node', 'exec-1']);
}, 60000);

afterAll(async () => {
  // A failed test can leave a process running: stop it gracefully first so that it stops its own child.
  const alive = running.filter((p) => p.exitCode === null && p.signalCode === null);
  for (const p of alive) p.kill('SIGINT');
  await Promise.all(alive.map((p) => new Promise((r) => {
    const t = setTimeout(() => { p.kill('SIGKILL'); r(undefined); }, 5000);
    p.once('exit', () => { clearTimeout(t); r(undefined); });
  })));
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('conclave-template -exec', () => {
  it('starts the child after the first render, restarts it on change, and exits with its code', async () => {
    const s = scenario('restart', 'exec/a');
    const run = startTemplate(['-template', `${s.tpl}:${s.out}`, '-exec', s.script, '-exec-kill-timeout', '5s'], {
      ...s.env,
      SECRET_X: 'hidden',
      KEEP_X: 'kept',
    });
    await new Promise((r) => setTimeout(r, 1000));
    // The key does not exist yet: nothing rendered, so no child either.
    expect(logLines(s.log)).toEqual([]);
    await put('exec/a', 'one');
    await waitFor('child started', async () => logLines(s.log).length === 1, { timeoutMs: 15000, intervalMs: 50 });
    const [start] = logLines(s.log);
    // The file was complete before the child started, and the runner exported the agent address.
    expect(start).toMatch(new RegExp(`^start \\d+ value=one addr=${agent.httpAddr} secret=hidden keep=kept$`));
    const firstPid = start!.split(' ')[1];

    await put('exec/a', 'two');
    // No reload signal: the old child gets the kill signal (SIGINT) and a new one starts.
    await waitFor('child restarted', async () => logLines(s.log).length === 3, { timeoutMs: 15000, intervalMs: 50 });
    const [, stopped, restarted] = logLines(s.log);
    expect(stopped).toBe(`int ${firstPid}`);
    expect(restarted).toMatch(/^start \d+ value=two /);
    const secondPid = restarted!.split(' ')[1];
    expect(secondPid).not.toBe(firstPid);

    // Signals other than the kill and reload signals are forwarded.
    run.proc.kill('SIGUSR1');
    run.proc.kill('SIGUSR2');
    await waitFor('forwarded', async () => logLines(s.log).length === 5, { timeoutMs: 10000, intervalMs: 50 });
    expect(logLines(s.log).slice(3).sort()).toEqual([`usr1 ${secondPid}`, `usr2 ${secondPid}`]);

    // SIGTERM goes to the child, which exits 3: so does conclave-template.
    run.proc.kill('SIGTERM');
    expect(await run.exit).toBe(3);
    expect(logLines(s.log).at(-1)).toBe(`term ${secondPid}`);
    expect(run.output()).toContain('[ERR] (cli) child process exited with code 3');
  });

  it('sends -exec-reload-signal instead of restarting, and filters the child environment', async () => {
    const s = scenario('reload', 'exec/b');
    await put('exec/b', 'one');
    const cfg = join(dir, 'reload.hcl');
    writeFileSync(
      cfg,
      `exec {
  command = "${s.script}"
  kill_timeout = "5s"
  env {
    denylist = ["SECRET_*"]
    custom = ["KEEP_X=custom"]
  }
}
`,
    );
    const run = startTemplate(['-config', cfg, '-template', `${s.tpl}:${s.out}`, '-exec-reload-signal', 'SIGHUP'], { ...s.env, SECRET_X: 'hidden', KEEP_X: 'parent' });
    await waitFor('child started', async () => logLines(s.log).length === 1, { timeoutMs: 15000, intervalMs: 50 });
    expect(logLines(s.log)[0]).toMatch(/^start \d+ value=one addr=.* secret= keep=custom$/);
    const pid = logLines(s.log)[0]!.split(' ')[1];
    await put('exec/b', 'two');
    await waitFor('reload signal', async () => logLines(s.log).length === 2, { timeoutMs: 15000, intervalMs: 50 });
    // The signal is sent after the new file is written.
    expect(logLines(s.log)[1]).toBe(`hup ${pid} value=two`);
    // The kill signal (SIGINT) stops conclave-template and, through its kill signal, the child: 12.
    run.proc.kill('SIGINT');
    expect(await run.exit).toBe(12);
    expect(logLines(s.log).at(-1)).toBe(`int ${pid}`);
    expect(run.output()).toContain('Cleaning up...');
  });

  it('kills a child that ignores the kill signal after -exec-kill-timeout', async () => {
    const s = scenario('stubborn', 'exec/c');
    await put('exec/c', 'x');
    const run = startTemplate(['-template', `${s.tpl}:${s.out}`, '-exec', s.script, '-exec-kill-timeout', '300ms'], { ...s.env, IGNORE_INT: '1' });
    await waitFor('child started', async () => logLines(s.log).length === 1, { timeoutMs: 15000, intervalMs: 50 });
    const pid = Number(logLines(s.log)[0]!.split(' ')[1]);
    run.proc.kill('SIGINT');
    expect(await run.exit).toBe(12);
    expect(logLines(s.log).at(-1)).toBe(`int-ignored ${pid}`);
    // SIGKILLed: the process is gone.
    expect(() => process.kill(pid, 0)).toThrow();
    expect(run.output()).toContain('did not exit within 300 ms of SIGINT');
  });

  it('-once with -exec waits for the child and exits with its code', async () => {
    const s = scenario('once', 'exec/d');
    await put('exec/d', 'done');
    const run = startTemplate(['-once', '-template', `${s.tpl}:${s.out}`, '-exec', `sh -c 'cat "${s.out}" > "${s.log}"; exit 7'`]);
    expect(await run.exit).toBe(7);
    expect(readFileSync(s.log, 'utf8')).toBe('value=done');
  });

  it('exits with a runner error when the child cannot start', async () => {
    const s = scenario('missing', 'exec/d');
    const run = startTemplate(['-template', `${s.tpl}:${s.out}`, '-exec', join(dir, 'no-such-binary')]);
    expect(await run.exit).toBe(14);
    expect(run.output()).toContain('child: spawn');
  });
});

describe('conclave-template signals and retries', () => {
  it('SIGHUP reloads the configuration files and templates', async () => {
    const s = scenario('hup', 'exec/e');
    await put('exec/e', 'v');
    const out2 = join(dir, 'hup2.out');
    const cfg = join(dir, 'hup.hcl');
    writeFileSync(cfg, `template {\n  source = "${s.tpl}"\n  destination = "${s.out}"\n}\n`);
    const run = startTemplate(['-config', cfg]);
    await waitFor('first render', async () => existsSync(s.out), { timeoutMs: 15000, intervalMs: 50 });
    expect(readFileSync(s.out, 'utf8')).toBe('value=v');
    // A new template block, and a changed template text, both picked up by the reload.
    writeFileSync(cfg, `template {\n  source = "${s.tpl}"\n  destination = "${s.out}"\n}\ntemplate {\n  contents = "second={{ key \\"exec/e\\" }}"\n  destination = "${out2}"\n}\n`);
    writeFileSync(s.tpl, 'changed={{ key "exec/e" }}');
    run.proc.kill('SIGHUP');
    await waitFor('reloaded', async () => existsSync(out2) && readFileSync(s.out, 'utf8') === 'changed=v', { timeoutMs: 15000, intervalMs: 50 });
    expect(readFileSync(out2, 'utf8')).toBe('second=v');
    expect(run.output()).toContain('Reloading configuration...');
    // A configuration broken on reload ends the process with the config error code.
    writeFileSync(cfg, 'template {');
    run.proc.kill('SIGHUP');
    expect(await run.exit).toBe(15);
  });

  it('SIGUSR1 without a child is ignored (the process keeps rendering)', async () => {
    const s = scenario('usr1', 'exec/f');
    await put('exec/f', '1');
    const run = startTemplate(['-template', `${s.tpl}:${s.out}`]);
    await waitFor('render', async () => existsSync(s.out), { timeoutMs: 15000, intervalMs: 50 });
    run.proc.kill('SIGUSR1');
    await new Promise((r) => setTimeout(r, 300));
    await put('exec/f', '2');
    await waitFor('still rendering', async () => readFileSync(s.out, 'utf8') === 'value=2', { timeoutMs: 15000, intervalMs: 50 });
    expect(run.proc.exitCode).toBe(null);
    run.proc.kill('SIGINT');
    expect(await run.exit).toBe(12);
  });

  it('gives up after -consul-retry-attempts with a runner error', async () => {
    const s = scenario('retry', 'exec/g');
    const closed = await freePort();
    const proc = spawn(process.execPath, [TEMPLATE_BIN, '-consul-addr', `127.0.0.1:${closed}`, '-template', `${s.tpl}:${s.out}`, '-consul-retry-attempts', '2', '-retry', '10ms'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(proc);
    let out = '';
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => proc.once('exit', r));
    expect(code).toBe(14);
    expect(out).toContain('(exceeded maximum retries)');
    expect(out.match(/retry attempt/g)?.length).toBe(2);
  });
});
