// Sessions, events and snapshots on a real dev agent (the built binary): the agent's TTL timers invalidate an
// unrenewed session, `conclave event` fires into the agent's buffer, `conclave snapshot` saves, inspects and
// restores the same KV, catalog and sessions.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { runCli, startDevAgent, type AgentProcess } from './support/agent-process.js';

let agent: AgentProcess;
let env: NodeJS.ProcessEnv;
const dir = mkdtempSync(join(tmpdir(), 'conclave-sess-'));

beforeAll(async () => {
  agent = await startDevAgent();
  env = { CONSUL_HTTP_ADDR: agent.httpAddr };
});
afterAll(async () => {
  await agent?.stop();
});

const http = (path: string, init?: RequestInit) => fetch(`http://${agent.httpAddr}${path}`, init);

describe('sessions on the agent', () => {
  it('a TTL session that is not renewed is destroyed after 2 x TTL and its lock released', { timeout: 60_000 }, async () => {
    const { ID } = (await (await http('/v1/session/create', { method: 'PUT', body: '{"TTL":"10s","LockDelay":"1ms"}' })).json()) as { ID: string };
    expect(await (await http(`/v1/kv/ttl/k?acquire=${ID}`, { method: 'PUT', body: 'x' })).text()).toBe('true');
    const renewed = (await (await http(`/v1/session/renew/${ID}`, { method: 'PUT' })).json()) as Array<{ ID: string; TTL: string }>;
    expect(renewed[0]).toMatchObject({ ID, TTL: '10s' });
    const start = Date.now();
    await waitFor('session expiry', async () => ((await (await http(`/v1/session/info/${ID}`)).json()) as unknown[]).length === 0, { timeoutMs: 40_000, intervalMs: 100 });
    expect(Date.now() - start).toBeGreaterThanOrEqual(15_000);
    const [e] = (await (await http('/v1/kv/ttl/k')).json()) as Array<Record<string, unknown>>;
    expect(e).not.toHaveProperty('Session');
    expect((await http(`/v1/session/renew/${ID}`, { method: 'PUT' })).status).toBe(404);
  });

  it('kv put -acquire/-release through the CLI', async () => {
    const { ID } = (await (await http('/v1/session/create', { method: 'PUT' })).json()) as { ID: string };
    expect((await runCli(['kv', 'put', '-acquire', '-session', ID, 'cli/lock', 'v'], env)).code).toBe(0);
    const [e] = (await (await http('/v1/kv/cli/lock')).json()) as Array<{ Session: string; LockIndex: number }>;
    expect(e).toMatchObject({ Session: ID, LockIndex: 1 });
    expect((await runCli(['kv', 'put', '-release', '-session', ID, 'cli/lock', 'v'], env)).code).toBe(0);
    expect(await (await http('/v1/kv/cli/lock')).json()).not.toContainEqual(expect.objectContaining({ Session: ID }));
  });
});

describe('conclave event', () => {
  it('fires an event the agent lists, with filters and payload', async () => {
    const res = await runCli(['event', '-name', 'deploy', 'v42'], env);
    expect(res.code).toBe(0);
    const id = /^Event ID: ([0-9a-f-]{36})$/m.exec(res.stdout)![1];
    const list = (await (await http('/v1/event/list?name=deploy')).json()) as Array<Record<string, unknown>>;
    expect(list).toEqual([
      { ID: id, Name: 'deploy', Payload: Buffer.from('v42').toString('base64'), NodeFilter: '', ServiceFilter: '', TagFilter: '', Version: 1, LTime: 1 },
    ]);
    // A node filter that does not match this agent: fired, but not delivered here.
    expect((await runCli(['event', '-name', 'elsewhere', '-node', '^no-such-node$'], env)).code).toBe(0);
    expect(await (await http('/v1/event/list?name=elsewhere')).json()).toEqual([]);
    const bad = await runCli(['event', '-name', 'x', '-tag', 'y'], env);
    expect(bad.code).toBe(1);
    expect((await runCli(['event'], env)).stderr).toContain('Event name must be specified');
  });
});

describe('conclave snapshot', () => {
  it('saves, inspects and restores the same state', async () => {
    await http('/v1/kv/snap/a?flags=16210313421097356768', { method: 'PUT', body: '1' });
    const file = join(dir, 'backup.snap');
    const saved = await runCli(['snapshot', 'save', file], env);
    expect(saved.code).toBe(0);
    expect(saved.stdout).toMatch(/^Saved and verified snapshot to index \d+$/m);
    const inspected = await runCli(['snapshot', 'inspect', file], env);
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toMatch(/ Index\s+\d+/);
    const kvBefore = await (await http('/v1/kv/?recurse')).text();
    const nodesBefore = await (await http('/v1/catalog/nodes')).text();
    await http('/v1/kv/snap/?recurse', { method: 'DELETE' });
    await http('/v1/kv/later', { method: 'PUT', body: 'x' });
    const restored = await runCli(['snapshot', 'restore', file], env);
    expect(restored.code).toBe(0);
    expect(await (await http('/v1/kv/?recurse')).text()).toBe(kvBefore);
    expect(await (await http('/v1/catalog/nodes')).text()).toBe(nodesBefore);
    expect(kvBefore).toContain('"Flags":16210313421097356768');
    const broken = join(dir, 'missing.snap');
    expect((await runCli(['snapshot', 'restore', broken], env)).code).toBe(1);
  });
});
