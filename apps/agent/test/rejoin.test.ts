// -rejoin (Consul/Serf): an agent restarted on its data dir after a crash rejoins the members it knew; after a
// graceful leave it stays out unless started with -rejoin (or rejoin_after_leave), while -join always applies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './support/agent-process.js';
import { allocate, startClusterAgent, stopAgent, type ClusterAgent } from './support/cluster.js';

/** Consul's member status codes in /v1/agent/members. */
const ALIVE = 1;
const LEFT = 3;

let server: ClusterAgent;
let serverSpec: Awaited<ReturnType<typeof allocate>>;
let clientSpec: Awaited<ReturnType<typeof allocate>>;
let client: ClusterAgent | undefined;

async function members(agent: ClusterAgent): Promise<Array<{ Name: string; Status: number }>> {
  return (await (await fetch(`http://${agent.httpAddr}/v1/agent/members`)).json()) as Array<{ Name: string; Status: number }>;
}

async function statusOn(agent: ClusterAgent, name: string): Promise<number | undefined> {
  return (await members(agent)).find((m) => m.Name === name)?.Status;
}

async function startClient(args: string[]): Promise<ClusterAgent> {
  client = await startClusterAgent(clientSpec, ['-dns-port', '-1', ...args]);
  return client;
}

/** `conclave leave` against the client: a graceful leave, then the agent exits. */
async function leaveGracefully(agent: ClusterAgent): Promise<void> {
  const exited = new Promise<number | null>((resolve) => agent.proc.once('exit', resolve));
  const r = await runCli(['leave', '-http-addr', agent.httpAddr]);
  expect(r.code, r.stderr).toBe(0);
  expect(await exited).toBe(0);
  await waitFor('c1 left on the server', async () => (await statusOn(server, 'c1')) === LEFT, { timeoutMs: 15000, intervalMs: 100 });
}

/** Waits for the client's start-time join decision (logged after HTTP is up), then returns its member view. */
async function afterJoinDecision(agent: ClusterAgent, line: RegExp): Promise<Array<{ Name: string; Status: number }>> {
  await waitFor(`log line ${line}`, async () => line.test(agent.output()), { timeoutMs: 15000, intervalMs: 100 });
  return members(agent);
}

beforeAll(async () => {
  serverSpec = await allocate('s1', true);
  clientSpec = await allocate('c1', false, join(serverSpec.dataDir, '..'));
  server = await startClusterAgent(serverSpec, ['-bootstrap-expect', '1']);
}, 30000);

afterAll(async () => {
  await Promise.all([server, client].filter((a): a is ClusterAgent => a !== undefined).map((a) => stopAgent(a, 'SIGKILL')));
});

describe('rejoining after a restart', () => {
  it('rejoins the members it knew after a crash (kill -9), without -join', { timeout: 60000 }, async () => {
    let c = await startClient(['-join', `127.0.0.1:${serverSpec.ports.serf}`]);
    await waitFor('c1 alive on the server', async () => (await statusOn(server, 'c1')) === ALIVE, { timeoutMs: 15000, intervalMs: 100 });
    await stopAgent(c, 'SIGKILL');
    c = await startClient([]);
    await waitFor('s1 alive on the restarted c1', async () => (await statusOn(c, 's1')) === ALIVE, { timeoutMs: 15000, intervalMs: 100 });
    await waitFor('c1 alive again on the server', async () => (await statusOn(server, 'c1')) === ALIVE, { timeoutMs: 15000, intervalMs: 100 });
  });

  it('stays out after a graceful leave unless started with -rejoin', { timeout: 60000 }, async () => {
    await leaveGracefully(client!);
    let c = await startClient([]);
    const view = await afterJoinDecision(c, /not rejoining previously known members/);
    expect(view.map((m) => m.Name)).toEqual(['c1']);
    expect(await statusOn(server, 'c1')).toBe(LEFT);

    // A crash of the agent that stayed out keeps the leave: it still does not rejoin by itself.
    await stopAgent(c, 'SIGKILL');
    c = await startClient([]);
    expect((await afterJoinDecision(c, /not rejoining previously known members/)).map((m) => m.Name)).toEqual(['c1']);

    await stopAgent(c, 'SIGKILL');
    c = await startClient(['-rejoin']);
    await afterJoinDecision(c, /Ignoring the previous leave/);
    await waitFor('c1 alive on the server after -rejoin', async () => (await statusOn(server, 'c1')) === ALIVE, { timeoutMs: 15000, intervalMs: 100 });
    expect(await statusOn(c, 's1')).toBe(ALIVE);
  });

  it('honours rejoin_after_leave from a config file', { timeout: 60000 }, async () => {
    await leaveGracefully(client!);
    const file = join(clientSpec.dataDir, '..', 'rejoin.json');
    writeFileSync(file, JSON.stringify({ rejoin_after_leave: true }));
    const c = await startClient(['-config-file', file]);
    await afterJoinDecision(c, /Ignoring the previous leave/);
    await waitFor('c1 alive on the server (rejoin_after_leave)', async () => (await statusOn(server, 'c1')) === ALIVE, { timeoutMs: 15000, intervalMs: 100 });
  });

  it('always applies -join after a leave, and a later crash rejoins as before', { timeout: 60000 }, async () => {
    await leaveGracefully(client!);
    let c = await startClient(['-join', `127.0.0.1:${serverSpec.ports.serf}`]);
    await waitFor('c1 alive on the server after -join', async () => (await statusOn(server, 'c1')) === ALIVE, { timeoutMs: 15000, intervalMs: 100 });
    // Joined again: the recorded leave is gone, so a crash and a plain restart rejoin by themselves.
    await stopAgent(c, 'SIGKILL');
    c = await startClient([]);
    await waitFor('s1 alive on c1 after the crash', async () => (await statusOn(c, 's1')) === ALIVE, { timeoutMs: 15000, intervalMs: 100 });
    expect(c.output()).not.toMatch(/not rejoining/);
  });
});
