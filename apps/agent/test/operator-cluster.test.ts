// Issue 21's operator endpoints on three server processes, through the built CLI and plain HTTP: autopilot's
// configuration is replicated (set on one server, read on another) and honoured (CleanupDeadServers off keeps a
// dead server in the Raft configuration and autopilot reports it unhealthy; turned on, the leader removes it),
// autopilot state and health, `operator raft transfer-leader` moving leadership for real (to any voter, and to a
// named one), and /v1/operator/usage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@conclave/test-support/wait-for';
import { runCli } from './support/agent-process.js';
import { allocate, startClusterAgent, stopAgent, type ClusterAgent } from './support/cluster.js';

const agents = new Map<string, ClusterAgent>();
let root = '';
const NAMES = ['op-1', 'op-2', 'op-3'];

async function get<T>(agent: ClusterAgent, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`http://${agent.httpAddr}${path}`);
  const text = await res.text();
  return { status: res.status, body: (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
}

const cli = (agent: ClusterAgent, ...args: string[]) => runCli([...args, '-http-addr', agent.httpAddr]);
const leaderName = async (a: ClusterAgent): Promise<string> => {
  const conf = (await get<{ Servers: Array<{ Node: string; Leader: boolean }> }>(a, '/v1/operator/raft/configuration')).body;
  return conf.Servers.find((s) => s.Leader)?.Node ?? '';
};
const alive = () => [...agents.values()].filter((a) => a.proc.exitCode === null && a.proc.signalCode === null);

beforeAll(async () => {
  const specs = [];
  for (const name of NAMES) {
    const spec = await allocate(name, true, root || undefined);
    root ||= join(spec.dataDir, '..');
    specs.push(spec);
  }
  const seed = `127.0.0.1:${specs[0]!.ports.serf}`;
  await Promise.all(
    specs.map(async (spec) => agents.set(spec.name, await startClusterAgent(spec, ['-bootstrap-expect', '3', '-retry-join', seed, '-retry-interval', '1s']))),
  );
  await waitFor('three voters and a leader', async () => {
    const conf = (await get<{ Servers: Array<{ Voter: boolean; Leader: boolean }> }>(agents.get('op-1')!, '/v1/operator/raft/configuration')).body;
    return conf.Servers?.filter((s) => s.Voter).length === 3 && conf.Servers.some((s) => s.Leader) ? true : undefined;
  }, { timeoutMs: 60000, intervalMs: 200 });
}, 90000);

afterAll(async () => {
  await Promise.all([...agents.values()].map((a) => stopAgent(a, 'SIGKILL')));
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('operator on a three-server cluster', () => {
  it('autopilot get-config shows the defaults the leader stored; set-config changes them on every server', async () => {
    const a = agents.get('op-1')!;
    const got = await waitFor('the stored configuration', async () => {
      const r = await cli(a, 'operator', 'autopilot', 'get-config');
      return r.code === 0 ? r : undefined;
    }, { timeoutMs: 15000, intervalMs: 200 });
    expect(got.stdout).toBe(
      [
        'CleanupDeadServers = true',
        'LastContactThreshold = 200ms',
        'MaxTrailingLogs = 250',
        'MinQuorum = 0',
        'ServerStabilizationTime = 10s',
        'RedundancyZoneTag = ""',
        'DisableUpgradeMigration = false',
        'UpgradeVersionTag = ""',
        '',
      ].join('\n'),
    );
    const set = await cli(a, 'operator', 'autopilot', 'set-config', '-cleanup-dead-servers=false', '-server-stabilization-time=1s', '-max-trailing-logs=500');
    expect([set.code, set.stdout]).toEqual([0, 'Configuration updated!\n']);
    const bad = await cli(a, 'operator', 'autopilot', 'set-config', '-last-contact-threshold=soon');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid value "soon" for flag -last-contact-threshold');
    // Replicated: another server's own state (?stale) shows it.
    const other = agents.get('op-3')!;
    await waitFor('the change on op-3', async () => {
      const c = (await get<{ CleanupDeadServers: boolean; ServerStabilizationTime: string; MaxTrailingLogs: number }>(other, '/v1/operator/autopilot/configuration?stale')).body;
      return c.CleanupDeadServers === false && c.ServerStabilizationTime === '1s' && c.MaxTrailingLogs === 500 ? true : undefined;
    }, { timeoutMs: 10000, intervalMs: 100 });
    // A CAS with a stale index is refused (false), as Consul's ?cas.
    const stale = await fetch(`http://${a.httpAddr}/v1/operator/autopilot/configuration?cas=1`, { method: 'PUT', body: '{"CleanupDeadServers":true}' });
    expect(await stale.json()).toBe(false);
  });

  it('autopilot state and health: three healthy voters, one leader', async () => {
    const a = agents.get('op-2')!;
    const state = await waitFor('a healthy cluster', async () => {
      const r = await cli(a, 'operator', 'autopilot', 'state', '-format=json');
      if (r.code !== 0) return undefined;
      const s = JSON.parse(r.stdout) as { Healthy: boolean; FailureTolerance: number; Voters: string[]; Leader: string; Servers: Record<string, { Name: string; Status: string; Healthy: boolean }> };
      return s.Healthy ? s : undefined;
    }, { timeoutMs: 15000, intervalMs: 200 });
    expect(state.Voters).toHaveLength(3);
    expect(state.FailureTolerance).toBe(1);
    expect(Object.values(state.Servers).map((s) => s.Name).sort()).toEqual(NAMES);
    expect(Object.values(state.Servers).filter((s) => s.Status === 'leader')).toHaveLength(1);
    const pretty = await cli(a, 'operator', 'autopilot', 'state');
    expect(pretty.stdout).toMatch(/^Healthy:                      true\nFailure Tolerance:            1\nOptimistic Failure Tolerance: 1\nLeader:                       \S+\nVoters:\n(   \S+\n){3}Servers:\n/);
    expect(pretty.stdout).toContain('      Node Status:     alive\n');
    const health = await get<{ Healthy: boolean; Servers: Array<{ Name: string; Healthy: boolean; SerfStatus: string }> }>(a, '/v1/operator/autopilot/health');
    expect(health.status).toBe(200);
    expect(health.body.Servers.every((s) => s.Healthy && s.SerfStatus === 'alive')).toBe(true);
  });

  it('operator raft transfer-leader moves leadership, to any voter and to a named one', async () => {
    const a = agents.get('op-1')!;
    const before = await leaderName(a);
    const r = await cli(a, 'operator', 'raft', 'transfer-leader');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'Success\n', '']);
    const after = await waitFor('a new leader', async () => {
      const l = await leaderName(a);
      return l !== '' && l !== before ? l : undefined;
    }, { timeoutMs: 10000, intervalMs: 100 });
    // Now to a named server (by its node ID, as Consul's -id), one that does not lead.
    const target = NAMES.find((n) => n !== after)!;
    const self = (await get<{ Config: { NodeID: string } }>(agents.get(target)!, '/v1/agent/self')).body;
    const named = await cli(a, 'operator', 'raft', 'transfer-leader', '-id', self.Config.NodeID);
    expect([named.code, named.stdout]).toEqual([0, 'Success\n']);
    await waitFor(`${target} leading`, async () => ((await leaderName(a)) === target ? true : undefined), { timeoutMs: 10000, intervalMs: 100 });
    const unknown = await cli(a, 'operator', 'raft', 'transfer-leader', '-id', 'no-such-server');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Error transfering leadership');
  });

  it('/v1/operator/usage counts the datacenter', async () => {
    const a = agents.get('op-2')!;
    const r = await get<{ Usage: Record<string, { Nodes: number; Services: number; ServiceInstances: number; BillableServiceInstances: number }>; Index: number }>(a, '/v1/operator/usage');
    expect(r.status).toBe(200);
    expect(r.body.Usage.dc1).toMatchObject({ Nodes: 3, Services: 1, ServiceInstances: 3, BillableServiceInstances: 0 });
    expect(r.body.Index).toBeGreaterThan(0);
  });

  it('CleanupDeadServers off keeps a dead server (unhealthy, 429); turned on, the leader removes it', async () => {
    const a = agents.get('op-1')!;
    const leader = await leaderName(a);
    const victim = agents.get(NAMES.find((n) => n !== leader)!)!;
    await stopAgent(victim, 'SIGKILL');
    const survivor = alive()[0]!;
    await waitFor('the dead server unhealthy', async () => {
      const h = await get<{ Healthy: boolean; Servers: Array<{ Name: string; Healthy: boolean; SerfStatus: string }> }>(survivor, '/v1/operator/autopilot/health');
      const v = h.body.Servers?.find((s) => s.Name === victim.name);
      return h.status === 429 && v && !v.Healthy && v.SerfStatus === 'failed' ? true : undefined;
    }, { timeoutMs: 30000, intervalMs: 200 });
    // Well past ServerStabilizationTime (1 s): still a voter, because cleanup is off.
    await new Promise((r) => setTimeout(r, 2500));
    const voters = async () =>
      (await get<{ Servers: Array<{ Node: string; Voter: boolean }> }>(survivor, '/v1/operator/raft/configuration')).body.Servers.filter((s) => s.Voter).map((s) => s.Node);
    expect(await voters()).toContain(victim.name);
    const on = await cli(survivor, 'operator', 'autopilot', 'set-config', '-cleanup-dead-servers=true');
    expect(on.code).toBe(0);
    await waitFor('the dead server removed', async () => (!(await voters()).includes(victim.name) ? true : undefined), { timeoutMs: 15000, intervalMs: 200 });
    const h = await get<{ Healthy: boolean }>(survivor, '/v1/operator/autopilot/health');
    expect([h.status, h.body.Healthy]).toEqual([200, true]);
  }, 60000);
});
