// `conclave lock` as the built binary against a real dev agent: Consul's key layout and uint64 flags, mutual
// exclusion, semaphores, -timeout, child exit codes, release on exit and on a signal.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { CONCLAVE_BIN, runCli, startDevAgent, type AgentProcess } from './support/agent-process.js';

let agent: AgentProcess;
let env: NodeJS.ProcessEnv;
const dir = mkdtempSync(join(tmpdir(), 'conclave-lock-'));

beforeAll(async () => {
  agent = await startDevAgent();
  env = { CONSUL_HTTP_ADDR: agent.httpAddr };
});
afterAll(async () => {
  await agent?.stop();
});

const http = (path: string) => fetch(`http://${agent.httpAddr}${path}`);

function startLock(args: string[]) {
  const proc = spawn(process.execPath, [CONCLAVE_BIN, 'lock', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, exited, output: () => out };
}

describe('conclave lock', () => {
  it('runs the child under the lock at <prefix>/.lock with the lock flag, reports its failure as Consul does and cleans up', async () => {
    const check = join(dir, 'held.json');
    const res = await runCli(['lock', 'app/leader', `curl -s http://${agent.httpAddr}/v1/kv/app/leader/.lock > ${check}; exit 7`], env);
    // Consul's lock does not pass the child's status on: exit 0, or 2 with -child-exit-code.
    expect([res.code, res.stderr]).toEqual([0, 'Error running handler: exit status 7\n']);
    const strict = await runCli(['lock', '-child-exit-code', '/app/leader', 'exit 7'], env);
    expect(strict.code).toBe(2);
    const held = readFileSync(check, 'utf8');
    expect(held).toContain('"Flags":3304740253564472344');
    expect(held).toMatch(/"Session":"[0-9a-f-]{36}"/);
    // Released and removed; the session is destroyed.
    expect((await http('/v1/kv/app/leader/.lock')).status).toBe(404);
    expect(await (await http('/v1/session/list')).json()).toEqual([]);
    expect((await runCli(['lock', 'app/leader', 'true'], env)).code).toBe(0);
  });

  it('gives mutual exclusion: concurrent holders never overlap', async () => {
    const log = join(dir, 'mutex.log');
    const runs = ['1', '2', '3'].map((n) => runCli(['lock', 'mutex', `echo start-${n} >> ${log}; sleep 0.4; echo end-${n} >> ${log}`], env));
    const results = await Promise.all(runs);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) {
      expect(lines[i]).toMatch(/^start-(\d)$/);
      expect(lines[i + 1]).toBe(lines[i]!.replace('start', 'end'));
    }
  });

  it('semaphore -n 2: contender keys, .lock {Limit, Holders} with the semaphore flag, at most two at once', async () => {
    const log = join(dir, 'sem.log');
    const snap = join(dir, 'sem.json');
    const runs = ['1', '2', '3'].map((n) =>
      runCli(['lock', '-n', '2', 'pool', `echo start >> ${log}; curl -s 'http://${agent.httpAddr}/v1/kv/pool/?recurse' > ${snap}.${n}; sleep 0.6; echo end >> ${log}`], env),
    );
    expect((await Promise.all(runs)).map((r) => r.code)).toEqual([0, 0, 0]);
    let running = 0;
    let max = 0;
    for (const l of readFileSync(log, 'utf8').trim().split('\n')) {
      running += l === 'start' ? 1 : -1;
      max = Math.max(max, running);
    }
    expect(max).toBeLessThanOrEqual(2);
    const seen = readFileSync(`${snap}.1`, 'utf8');
    expect(seen).toContain('"Flags":16210313421097356768');
    const entries = JSON.parse(seen) as Array<{ Key: string; Value: string | null; Session?: string }>;
    const lockEntry = entries.find((e) => e.Key === 'pool/.lock')!;
    const state = JSON.parse(Buffer.from(lockEntry.Value!, 'base64').toString()) as { Limit: number; Holders: Record<string, boolean> };
    expect(state.Limit).toBe(2);
    for (const id of Object.keys(state.Holders)) expect(entries.some((e) => e.Key === `pool/${id}` && e.Session === id)).toBe(true);
    // Everyone left: no contender keys and no .lock remain.
    expect((await http('/v1/kv/pool/?recurse')).status).toBe(404);
  });

  it('-timeout gives up while another process holds the lock', async () => {
    const holder = startLock(['busy', 'sleep 30']);
    await waitFor('the first holder', async () => (await http('/v1/kv/busy/.lock')).status === 200, { timeoutMs: 10_000, intervalMs: 100 });
    const res = await runCli(['lock', '-timeout', '500ms', 'busy', 'echo should-not-run'], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Shutdown triggered or timeout during lock acquisition');
    expect(res.stdout).not.toContain('should-not-run');
    // The holder kept it all along.
    expect((await http('/v1/kv/busy/.lock')).status).toBe(200);
    holder.proc.kill('SIGINT');
    expect(await holder.exited).toBe(128 + 2);
  });

  it('-try is -timeout (Consul keeps it as the deprecated name of the same setting)', async () => {
    const holder = startLock(['busy-try', 'sleep 30']);
    await waitFor('the first holder', async () => (await http('/v1/kv/busy-try/.lock')).status === 200, { timeoutMs: 10_000, intervalMs: 100 });
    const res = await runCli(['lock', '-try', '300ms', 'busy-try', 'echo should-not-run'], env);
    expect([res.code, res.stderr]).toEqual([1, 'Shutdown triggered or timeout during lock acquisition\n']);
    holder.proc.kill('SIGINT');
    await holder.exited;
    const free = await runCli(['lock', '-try', '5s', 'busy-try', 'echo ran'], env);
    expect([free.code, free.stdout]).toEqual([0, 'ran\n']);
  });

  it('-pass-stdin gives the child stdin, -shell=false runs argv without a shell, CONSUL_LOCK_HELD is set', async () => {
    const piped = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const proc = spawn(process.execPath, [CONCLAVE_BIN, 'lock', '-pass-stdin', 'stdin-lock', 'cat'], { env: { ...process.env, ...env } });
      let out = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      proc.once('exit', (code) => resolve({ code, out }));
      proc.stdin.end('from stdin\n');
    });
    expect(piped).toEqual({ code: 0, out: 'from stdin\n' });
    // Without a shell `$CONSUL_LOCK_HELD` is not expanded: printf gets it literally, then the variable is checked.
    const literal = await runCli(['lock', '-shell=false', 'argv-lock', 'printf', '%s|', '$CONSUL_LOCK_HELD', 'a b'], env);
    expect([literal.code, literal.stdout]).toEqual([0, '$CONSUL_LOCK_HELD|a b|']);
    const held = await runCli(['lock', 'env-lock', 'echo held=$CONSUL_LOCK_HELD'], env);
    expect(held.stdout).toBe('held=true\n');
  });

  it('releases the lock and ends the child on SIGTERM', async () => {
    const holder = startLock(['sig', 'sleep 30']);
    await waitFor('the holder', async () => (await http('/v1/kv/sig/.lock')).status === 200, { timeoutMs: 10_000, intervalMs: 100 });
    holder.proc.kill('SIGTERM');
    const code = await holder.exited;
    expect(code).toBe(128 + 15);
    expect((await http('/v1/kv/sig/.lock')).status).toBe(404);
    expect(await (await http('/v1/session/list')).json()).toEqual([]);
  });

  it('refuses bad usage', async () => {
    expect((await runCli(['lock', 'only-prefix'], env)).stderr).toContain('Key prefix and child command must be specified');
    expect((await runCli(['lock', '-n', '0', 'p', 'true'], env)).code).toBe(1);
  });
});
