// `conclave exec` (Consul's remote execution over a user event and the KV store) as the built binary against dev
// agents: a shell command's output and exit code, argv without a shell, a script from stdin, the data removed
// afterwards, and an agent with remote exec off by default (`disable_remote_exec`), which ignores the job.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONCLAVE_BIN, runCli, startDevAgent, type AgentProcess } from './support/agent-process.js';

let enabled: AgentProcess;
let disabled: AgentProcess;

beforeAll(async () => {
  [enabled, disabled] = await Promise.all([
    startDevAgent(['-node', 'rexec-on', '-hcl', 'disable_remote_exec = false']),
    startDevAgent(['-node', 'rexec-off']),
  ]);
}, 60000);

afterAll(async () => {
  await Promise.all([enabled?.stop(), disabled?.stop()]);
});

// -wait is the quiet period that ends the command: generous, so that a loaded machine's first acknowledgement
// (the agent loads its HTTP client for the first job) still counts.
const execOn = (agent: AgentProcess, ...args: string[]) => runCli(['exec', '-http-addr', agent.httpAddr, '-wait', '1500ms', ...args]);
/** The printed lines without the empty ones a chunk's final newline leaves ("    node:"), which depend on how
 * the output was chunked. */
const printed = (stdout: string) => stdout.split('\n').filter((l) => !/^ {4}\S+:$/.test(l));

describe('conclave exec', () => {
  it('runs a shell command on the agent: output lines, exit code, exit 2 when a node failed, nothing left behind', async () => {
    const ok = await execOn(enabled, 'echo hello; echo oops >&2');
    expect(ok.code).toBe(0);
    expect(printed(ok.stdout)).toEqual(['    rexec-on: hello', '    rexec-on: oops', '==> rexec-on: finished with exit code 0', '1 / 1 node(s) completed / acknowledged', '']);
    const failed = await execOn(enabled, 'exit 3');
    expect(failed.code).toBe(2);
    expect(failed.stdout).toContain('==> rexec-on: finished with exit code 3\n');
    // The session is gone and the job directory deleted; the event was not buffered (Consul hands _rexec to its handler).
    expect((await fetch(`http://${enabled.httpAddr}/v1/kv/_rexec/?recurse`)).status).toBe(404);
    expect(await (await fetch(`http://${enabled.httpAddr}/v1/session/list`)).json()).toEqual([]);
    expect(await (await fetch(`http://${enabled.httpAddr}/v1/event/list?name=_rexec`)).json()).toEqual([]);
  });

  it('-shell=false runs argv as given; -verbose tells the steps; - reads a script from stdin', async () => {
    const argv = await execOn(enabled, '-verbose', '-shell=false', 'printf', '%s|', '$HOME', 'a b');
    expect(argv.code).toBe(0);
    expect(argv.stdout).toMatch(/^==> Created remote execution session: [0-9a-f-]{36}\n==> Uploaded remote execution spec\n==> Fired remote execution event: [0-9a-f-]{36}\n==> rexec-on: acknowledged\n/);
    expect(argv.stdout).toContain('    rexec-on: $HOME|a b|\n');
    expect(argv.stdout).toMatch(/Completed in \d+\.\d\d seconds\n$/);
    const script = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const proc = spawn(process.execPath, [CONCLAVE_BIN, 'exec', '-http-addr', enabled.httpAddr, '-wait', '1500ms', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      proc.once('exit', (code) => resolve({ code, out }));
      proc.stdin.end('#!/bin/sh\necho "line one"\necho "line two"\n');
    });
    expect(script.code).toBe(0);
    expect(printed(script.out).slice(0, 2)).toEqual(['    rexec-on: line one', '    rexec-on: line two']);
    const stdinNoShell = await execOn(enabled, '-shell=false', '-');
    expect([stdinNoShell.code, stdinNoShell.stderr]).toEqual([1, 'Cannot configure -shell=false when reading from stdin\n']);
    const nothing = await execOn(enabled);
    expect([nothing.code, nothing.stderr]).toEqual([1, 'Must specify a command to execute\n']);
    const tagOnly = await execOn(enabled, '-tag', 'x', 'true');
    expect(tagOnly.stderr).toBe('Cannot provide tag filter without service filter.\n');
  });

  it('an agent with remote exec off (the default) ignores the job: nothing acknowledged', async () => {
    const r = await execOn(disabled, 'echo should-not-run');
    expect([r.code, r.stdout]).toEqual([0, '0 / 0 node(s) completed / acknowledged\n']);
    expect(disabled.output()).toContain('ignoring remote exec event, disabled.');
  });
});
