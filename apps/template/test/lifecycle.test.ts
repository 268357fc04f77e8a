// pid_file, template_error_fatal and syslog through the built conclave-template against a built
// `conclave agent -dev`: the pid file holds the process id while it runs and is gone after every way out
// (-once, SIGINT, SIGTERM, a fatal error) and moves on a reload; a template execution error ends the process with the runner
// exit code (14) unless template_error_fatal = false, and data still missing is never such an error;
// -syslog sends the log lines to syslog through a `logger` child as well as to stderr (without a syslog socket here,
// logger's complaint is reported once and rendering goes on).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevAgent, type AgentProcess } from '../../agent/test/support/agent-process.js';

const TEMPLATE_BIN = fileURLToPath(new URL('../bin/conclave-template.js', import.meta.url));

let agent: AgentProcess;
let dir: string;
const running: ChildProcess[] = [];

interface Run {
  proc: ChildProcess;
  output(): string;
  exit: Promise<number | null>;
}

function startTemplate(args: string[]): Run {
  const proc = spawn(process.execPath, [TEMPLATE_BIN, '-log-level', 'debug', '-consul-addr', agent.httpAddr, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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

function template(name: string, text: string): { tpl: string; out: string } {
  const tpl = join(dir, `${name}.ctmpl`);
  writeFileSync(tpl, text);
  return { tpl, out: join(dir, `${name}.out`) };
}

const readPid = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-template-lifecycle-'));
  agent = await startDevAgent(['-node', 'lifecycle-1']);
}, 60000);

afterAll(async () => {
  const alive = running.filter((p) => p.exitCode === null && p.signalCode === null);
  for (const p of alive) p.kill('SIGKILL');
  await Promise.all(alive.map((p) => new Promise((r) => p.once('exit', r))));
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('conclave-template pid file', () => {
  it('-pid-file holds the pid while running and is removed after -once completes', async () => {
    const t = template('pid-once', 'v={{ key "life/once" }}');
    const pid = join(dir, 'once.pid');
    const run = startTemplate(['-once', '-pid-file', pid, '-template', `${t.tpl}:${t.out}`]);
    // The key is absent: the process waits, with its pid file in place.
    await waitFor('pid file', async () => readPid(pid) === String(run.proc.pid), { timeoutMs: 15000, intervalMs: 50 });
    expect(run.output()).toContain(`creating pid file at ${JSON.stringify(pid)}`);
    await put('life/once', 'x');
    expect(await run.exit, run.output()).toBe(0);
    expect(readFileSync(t.out, 'utf8')).toBe('v=x');
    expect(existsSync(pid)).toBe(false);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('pid_file from a config file is removed on %s', async (sig) => {
    const t = template(`pid-${sig}`, 'v={{ key "life/absent" }}');
    const pid = join(dir, `${sig}.pid`);
    const cfg = join(dir, `pid-${sig}.hcl`);
    writeFileSync(cfg, `pid_file = "${pid}"\ntemplate {\n  source = "${t.tpl}"\n  destination = "${t.out}"\n}\n`);
    const run = startTemplate(['-config', cfg]);
    await waitFor('pid file', async () => readPid(pid) === String(run.proc.pid), { timeoutMs: 15000, intervalMs: 50 });
    run.proc.kill(sig);
    expect(await run.exit, run.output()).toBe(12);
    expect(existsSync(pid)).toBe(false);
  });

  it('a reload that changes pid_file moves the file', async () => {
    const t = template('pid-reload', 'v={{ key "life/absent" }}');
    const [a, b] = [join(dir, 'reload-a.pid'), join(dir, 'reload-b.pid')];
    const cfg = join(dir, 'pid-reload.hcl');
    const write = (pid: string) => writeFileSync(cfg, `pid_file = "${pid}"\ntemplate {\n  source = "${t.tpl}"\n  destination = "${t.out}"\n}\n`);
    write(a);
    const run = startTemplate(['-config', cfg]);
    await waitFor('first pid file', async () => readPid(a) === String(run.proc.pid), { timeoutMs: 15000, intervalMs: 50 });
    write(b);
    run.proc.kill('SIGHUP');
    await waitFor('moved pid file', async () => readPid(b) === String(run.proc.pid) && !existsSync(a), { timeoutMs: 15000, intervalMs: 50 });
    run.proc.kill('SIGINT');
    expect(await run.exit, run.output()).toBe(12);
    expect(existsSync(b)).toBe(false);
  });

  it('a pid file that cannot be written is a runner error', async () => {
    const t = template('pid-bad', 'v');
    const pid = join(dir, 'no-such-dir', 'x.pid');
    const run = startTemplate(['-once', '-pid-file', pid, '-template', `${t.tpl}:${t.out}`]);
    expect(await run.exit, run.output()).toBe(14);
    expect(run.output()).toContain('runner: could not write to pid file');
    expect(existsSync(t.out)).toBe(false);
  });
});

describe('conclave-template template_error_fatal', () => {
  it('an execution error ends the process with exit code 14 by default, and removes the pid file', async () => {
    await put('life/json', '{not json');
    const t = template('fatal', '{{ with key "life/json" | parseJSON }}{{ .a }}{{ end }}');
    const pid = join(dir, 'fatal.pid');
    const run = startTemplate(['-pid-file', pid, '-template', `${t.tpl}:${t.out}`]);
    expect(await run.exit, run.output()).toBe(14);
    expect(run.output()).toMatch(new RegExp(`\\[ERR\\] \\(cli\\) ${t.tpl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: template: .*parseJSON`));
    expect(existsSync(t.out)).toBe(false);
    expect(existsSync(pid)).toBe(false);
  });

  it('missing data is not an error: the fatal default waits for the key, then renders', async () => {
    const t = template('waits', '{{ with key "life/later" | parseJSON }}a={{ .a }}{{ end }}');
    const run = startTemplate(['-once', '-template', `${t.tpl}:${t.out}`]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(run.proc.exitCode).toBe(null);
    await put('life/later', '{"a": 1}');
    expect(await run.exit, run.output()).toBe(0);
    expect(readFileSync(t.out, 'utf8')).toBe('a=1');
  });

  it.each([
    ['-template-error-fatal=false', (cfg: string) => ['-template-error-fatal=false', '-config', cfg], ''],
    ['template_error_fatal = false', (cfg: string) => ['-config', cfg], 'template_error_fatal = false\n'],
  ])('%s logs the error and keeps rendering', async (name, args, extra) => {
    const key = `life/nonfatal-${extra ? 'cfg' : 'flag'}`;
    await put(key, '{broken');
    const t = template(`nonfatal-${extra ? 'cfg' : 'flag'}`, `{{ with key "${key}" | parseJSON }}a={{ .a }}{{ end }}`);
    const cfg = join(dir, `nonfatal-${extra ? 'cfg' : 'flag'}.hcl`);
    writeFileSync(cfg, `${extra}template {\n  source = "${t.tpl}"\n  destination = "${t.out}"\n}\n`);
    const run = startTemplate(args(cfg));
    await waitFor('logged error', async () => run.output().includes('[ERR] (runner)'), { timeoutMs: 15000, intervalMs: 50 });
    expect(run.output()).toContain('parseJSON');
    expect(run.proc.exitCode, name).toBe(null);
    await put(key, '{"a": 2}');
    await waitFor('rendered after the fix', async () => existsSync(t.out) && readFileSync(t.out, 'utf8') === 'a=2', { timeoutMs: 15000, intervalMs: 50 });
    run.proc.kill('SIGINT');
    expect(await run.exit).toBe(12);
  });

  it("a template's own error_fatal = false overrides template_error_fatal", async () => {
    await put('life/own', '{bad');
    const t = template('own', '{{ key "life/own" | parseJSON }}');
    const good = template('own-good', 'ok');
    const cfg = join(dir, 'own.hcl');
    writeFileSync(cfg, `template {\n  source = "${t.tpl}"\n  destination = "${t.out}"\n  error_fatal = false\n}\ntemplate {\n  source = "${good.tpl}"\n  destination = "${good.out}"\n}\n`);
    const run = startTemplate(['-config', cfg]);
    await waitFor('other template rendered', async () => existsSync(good.out), { timeoutMs: 15000, intervalMs: 50 });
    await waitFor('logged error', async () => run.output().includes('[ERR] (runner)'), { timeoutMs: 15000, intervalMs: 50 });
    expect(run.proc.exitCode).toBe(null);
    run.proc.kill('SIGINT');
    expect(await run.exit).toBe(12);
  });
});

describe('conclave-template syslog', () => {
  it('-syslog and syslog {} start the logger child; a missing /dev/log is reported once, rendering goes on', async () => {
    const t = template('syslog', 'plain');
    const cfg = join(dir, 'syslog.hcl');
    writeFileSync(cfg, `syslog {\n  enabled = true\n  facility = "LOCAL5"\n  name = "ct"\n}\n`);
    for (const args of [['-syslog', '-syslog-facility', 'LOCAL1', '-syslog-name', 'x'], ['-config', cfg]]) {
      const run = startTemplate(['-once', ...args, '-template', `${t.tpl}:${t.out}`]);
      expect(await run.exit, run.output()).toBe(0);
      if (!existsSync('/dev/log')) expect(run.output().match(/syslog: logger: socket \/dev\/log: No such file or directory/g)?.length, run.output()).toBe(1);
      else expect(run.output()).not.toContain('syslog:');
    }
    expect(readFileSync(t.out, 'utf8')).toBe('plain');
    const bad = startTemplate(['-once', '-syslog-facility', 'LOCAL9', '-template', `${t.tpl}:${t.out}`]);
    expect(await bad.exit).toBe(15);
    expect(bad.output()).toContain('unknown syslog facility "LOCAL9"');
  });
});
