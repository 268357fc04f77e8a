// A server that joins a cluster with a long log is added as a non-voter and promoted once it has caught up —
// even when no gossip event comes after the join (before, promotion was only looked at on membership events,
// so a server that was still catching up when the join's events were over stayed a non-voter for good; found
// by tools/faults' membership nemesis).
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { join } from 'node:path';
import { allocate, startClusterAgent, stopAgent, type ClusterAgent } from './support/cluster.js';

const agents: ClusterAgent[] = [];
afterAll(async () => {
  await Promise.all(agents.map((a) => stopAgent(a, 'SIGKILL')));
});

interface RaftServer {
  Node: string;
  Voter: boolean;
}

describe('a server joining a cluster with a long log', () => {
  it('is promoted to voter once it has caught up', { timeout: 120_000 }, async () => {
    const s1Spec = await allocate('s1', true);
    const s2Spec = await allocate('s2', true, join(s1Spec.dataDir, '..'));
    const s1 = await startClusterAgent(s1Spec, ['-bootstrap-expect', '1', '-dns-port', '-1']);
    agents.push(s1);
    await waitFor('s1 leads', async () => JSON.parse(await (await fetch(`http://${s1.httpAddr}/v1/status/leader`)).text()), { timeoutMs: 30_000, intervalMs: 100 });
    // Far more than the promotion lag (64 entries), and big enough that catching up outlasts the join's events.
    const value = 'v'.repeat(16 << 10);
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 150; i++) {
          const r = await fetch(`http://${s1.httpAddr}/v1/kv/fill/${w}/${i}`, { method: 'PUT', body: value });
          expect(r.status).toBe(200);
        }
      }),
    );
    const s2 = await startClusterAgent(s2Spec, ['-join', `127.0.0.1:${s1Spec.ports.serf}`, '-dns-port', '-1']);
    agents.push(s2);
    const voters = await waitFor(
      's2 a voter',
      async () => {
        const conf = (await (await fetch(`http://${s1.httpAddr}/v1/operator/raft/configuration`)).json()) as { Servers: RaftServer[] };
        const s = conf.Servers.find((x) => x.Node === 's2');
        return s?.Voter ? conf.Servers : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(voters.map((s) => s.Node).sort()).toEqual(['s1', 's2']);
  });
});
