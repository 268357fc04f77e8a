// Gossip membership between agents as processes: join, members table, serfHealth reconciled into the catalog,
// a killed member marked failed, force-leave.
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { spawnSync } from 'node:child_process';
import { CONCLAVE_BIN, runCli, startDevAgent, type AgentProcess } from './support/agent-process.js';

const agents: AgentProcess[] = [];
afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop('SIGKILL')));
});

async function json<T>(agent: AgentProcess, path: string): Promise<T> {
  return (await (await fetch(`http://${agent.httpAddr}${path}`)).json()) as T;
}

describe('membership', () => {
  it('joins, shows every member, reconciles serfHealth, detects a killed member and force-leaves it', async () => {
    const a = await startDevAgent(['-node', 'lb-1']);
    agents.push(a);
    const b = await startDevAgent(['-node', 'web-1', '-join', `127.0.0.1:${a.serfPort}`]);
    agents.push(b);

    await waitFor('two members on lb-1', async () => (await json<unknown[]>(a, '/v1/agent/members')).length === 2, { timeoutMs: 10000, intervalMs: 100 });
    const members = await json<Array<{ Name: string; Status: number; Tags: Record<string, string> }>>(a, '/v1/agent/members');
    expect(members.map((m) => [m.Name, m.Status, m.Tags.role, m.Tags.dc]).sort()).toEqual([
      ['lb-1', 1, 'consul', 'dc1'],
      ['web-1', 1, 'consul', 'dc1'],
    ]);

    const table = await runCli(['members', '-http-addr', a.httpAddr]);
    expect(table.code).toBe(0);
    const rows = table.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^Node\s+Address\s+Status\s+Type\s+Build\s+Protocol\s+DC/);
    expect(rows.slice(1).map((r) => r.split(/\s+/).slice(0, 4))).toEqual([
      ['lb-1', `127.0.0.1:${a.serfPort}`, 'alive', 'server'],
      ['web-1', `127.0.0.1:${b.serfPort}`, 'alive', 'server'],
    ]);

    // The joined node is a catalog node with a passing serfHealth check.
    await waitFor(
      'serfHealth passing for web-1',
      async () => {
        const checks = await json<Array<{ CheckID: string; Status: string }>>(a, '/v1/health/node/web-1');
        return checks.some((c) => c.CheckID === 'serfHealth' && c.Status === 'passing');
      },
      { timeoutMs: 10000, intervalMs: 100 },
    );

    // kill -9: no leave message, so gossip must detect the failure.
    await b.stop('SIGKILL');
    await waitFor(
      'serfHealth critical for web-1',
      async () => {
        const checks = await json<Array<{ CheckID: string; Status: string; Output: string }>>(a, '/v1/health/node/web-1');
        return checks.some((c) => c.CheckID === 'serfHealth' && c.Status === 'critical' && c.Output === 'Agent not live or unreachable');
      },
      { timeoutMs: 20000, intervalMs: 100 },
    );
    const failed = await runCli(['members', '-http-addr', a.httpAddr, '-status', 'failed']);
    expect(failed.stdout).toMatch(/web-1\s+\S+\s+failed/);

    // force-leave turns the failed member left; the leader then deregisters its node.
    const fl = await runCli(['force-leave', '-http-addr', a.httpAddr, 'web-1']);
    expect(fl.code).toBe(0);
    await waitFor('web-1 deregistered', async () => (await fetch(`http://${a.httpAddr}/v1/catalog/node/web-1`).then((r) => r.json())) === null, { timeoutMs: 15000, intervalMs: 100 });
  });
});

describe('gossip encryption', () => {
  it('joins with the same -encrypt key and refuses a node with another key', async () => {
    const key = (await runCli(['keygen'])).stdout.trim();
    const other = (await runCli(['keygen'])).stdout.trim();
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    const a = await startDevAgent(['-node', 'enc-1', '-encrypt', key]);
    agents.push(a);
    const b = await startDevAgent(['-node', 'enc-2', '-encrypt', key, '-join', `127.0.0.1:${a.serfPort}`]);
    agents.push(b);
    await waitFor('encrypted join', async () => (await json<unknown[]>(a, '/v1/agent/members')).length === 2, { timeoutMs: 10000, intervalMs: 100 });
    // -join at start is fatal when no address could be joined, as in Consul: the agent exits saying why.
    const refused = spawnSync(
      process.execPath,
      [CONCLAVE_BIN, 'agent', '-dev', '-node', 'enc-3', '-encrypt', other, '-http-port', '0', '-dns-port', '-1', '-serf-lan-port', '0', '-join', `127.0.0.1:${a.serfPort}`],
      { encoding: 'utf8', timeout: 30000 },
    );
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/Error joining address.*different keys/);
    expect((await json<unknown[]>(a, '/v1/agent/members')).length).toBe(2);
  });
});
