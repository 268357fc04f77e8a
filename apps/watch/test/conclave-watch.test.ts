// The conclave-watch binary against a real dev agent: prints the current value once without a handler, and runs
// a handler for the first result and each change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
// The agent-side helpers live with the agent's end-to-end tests.
import { startDevAgent, type AgentProcess } from '../../agent/test/support/agent-process.js';

const WATCH_BIN = fileURLToPath(new URL('../bin/conclave-watch.js', import.meta.url));
const execFileP = promisify(execFile);
let agent: AgentProcess;

beforeAll(async () => {
  agent = await startDevAgent(['-node', 'watch-bin']);
  await fetch(`http://${agent.httpAddr}/v1/kv/app/mode`, { method: 'PUT', body: 'blue' });
});

afterAll(async () => {
  await agent?.stop();
});

describe('conclave-watch', () => {
  it('prints the current value as Consul JSON and exits without a handler', async () => {
    const { stdout } = await execFileP(process.execPath, [WATCH_BIN, '-http-addr', agent.httpAddr, '-type', 'key', '-key', 'app/mode']);
    const value = JSON.parse(stdout) as { Key: string; Value: string };
    expect(value.Key).toBe('app/mode');
    expect(Buffer.from(value.Value, 'base64').toString()).toBe('blue');
  });

  it('runs a handler for the first result and for each change, until SIGTERM', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'conclave-watch-')), 'calls');
    const proc = spawn(process.execPath, [WATCH_BIN, '-http-addr', agent.httpAddr, '-type', 'key', '-key', 'app/mode', `cat >> ${out}; echo >> ${out}`], {
      stdio: 'ignore',
    });
    const calls = () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter((l) => l.trim() !== '') : []);
    await waitFor('first call', async () => calls().length === 1, { timeoutMs: 15000, intervalMs: 100 });
    await fetch(`http://${agent.httpAddr}/v1/kv/app/mode`, { method: 'PUT', body: 'green' });
    await waitFor('call after change', async () => calls().length === 2, { timeoutMs: 15000, intervalMs: 100 });
    expect(Buffer.from((JSON.parse(calls()[1]!) as { Value: string }).Value, 'base64').toString()).toBe('green');
    const code = await new Promise<number | null>((resolve) => {
      proc.once('exit', (c) => resolve(c));
      proc.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });

  it('says what is missing when no type is given', async () => {
    const res = await execFileP(process.execPath, [WATCH_BIN, '-http-addr', agent.httpAddr]).catch((e: { code: number; stderr: string }) => e);
    expect((res as { code: number }).code).toBe(1);
    expect((res as { stderr: string }).stderr).toContain('Watch type must be specified');
  });
});
