// A follower that fell behind the leader's compacted log catches up by InstallSnapshot, and meanwhile keeps
// answering ?stale reads from the state it had (the restore is streamed and yields to the event loop; it
// replaces the tables only once the snapshot is whole). Three server processes; raft_snapshot_threshold is
// lowered so the leader snapshots and compacts after a few hundred writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@conclave/test-support/wait-for';
import { allocate, startClusterAgent, stopAgent, type ClusterAgent } from './support/cluster.js';

const names = ['snap-1', 'snap-2', 'snap-3'];
const specs = new Map<string, Awaited<ReturnType<typeof allocate>>>();
const agents = new Map<string, ClusterAgent>();
let seed = '';
let root = '';

const SNAPSHOT_HCL = ['-hcl', 'raft_snapshot_threshold = 200', '-hcl', 'raft_trailing_logs = 20'];

async function start(name: string): Promise<ClusterAgent> {
  const a = await startClusterAgent(specs.get(name)!, ['-bootstrap-expect', '3', '-retry-join', seed, '-retry-interval', '1s', ...SNAPSHOT_HCL]);
  agents.set(name, a);
  return a;
}

async function staleGet(a: ClusterAgent, key: string): Promise<{ status: number; value: string | undefined }> {
  const res = await fetch(`http://${a.httpAddr}/v1/kv/${key}?stale&raw`);
  return { status: res.status, value: res.status === 200 ? await res.text() : undefined };
}

async function raftStats(a: ClusterAgent): Promise<Record<string, string>> {
  const self = (await (await fetch(`http://${a.httpAddr}/v1/agent/self`)).json()) as { Stats: { raft: Record<string, string> } };
  return self.Stats.raft;
}

beforeAll(async () => {
  for (const n of names) {
    const spec = await allocate(n, true, root || undefined);
    root ||= join(spec.dataDir, '..');
    specs.set(n, spec);
  }
  seed = `127.0.0.1:${specs.get('snap-1')!.ports.serf}`;
  await Promise.all(names.map(start));
  await waitFor('a leader', async () => (await (await fetch(`http://${agents.get('snap-1')!.httpAddr}/v1/status/leader`)).json()) !== '', {
    timeoutMs: 30000,
    intervalMs: 100,
  });
}, 90000);

afterAll(async () => {
  await Promise.all([...agents.values()].map((a) => stopAgent(a, 'SIGKILL')));
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a follower catching up by snapshot', () => {
  it('keeps answering stale reads from its old state until the snapshot is restored', async () => {
    const writer = async (key: string, value: string) => {
      for (const a of agents.values()) {
        if (a.proc.exitCode !== null || a.proc.signalCode !== null) continue;
        const res = await fetch(`http://${a.httpAddr}/v1/kv/${key}`, { method: 'PUT', body: value }).catch(() => undefined);
        if (res?.ok && (await res.text()) === 'true') return;
      }
      throw new Error(`no server took the write of ${key}`);
    };
    await writer('seen', 'before');
    const leaderAddr = (await (await fetch(`http://${agents.get('snap-1')!.httpAddr}/v1/status/leader`)).json()) as string;
    // The follower to stop: any server whose Raft address is not the leader's.
    const lagging = [...agents.values()].find((a) => !leaderAddr.endsWith(`:${a.ports.server}`))!;
    await waitFor('the follower has the first write', async () => (await staleGet(lagging, 'seen')).value === 'before', { timeoutMs: 10000, intervalMs: 50 });
    await stopAgent(lagging, 'SIGKILL');

    // Enough entries that the leader snapshots and compacts past everything the follower has, with values
    // large enough that the snapshot is more than a few transport chunks.
    const big = 'x'.repeat(16 * 1024);
    for (let round = 0; round < 20; round++) await Promise.all(Array.from({ length: 20 }, (_, i) => writer(`bulk/${round}/${i}`, big)));
    await writer('last', 'after');
    const others = [...agents.values()].filter((a) => a !== lagging);
    await waitFor('the leader snapshotted and compacted', async () => {
      for (const a of others) if (Number((await raftStats(a)).last_snapshot_index) > 200) return true;
      return undefined;
    }, { timeoutMs: 20000, intervalMs: 100 });

    const restarted = await start(lagging.name);
    // Its own log replays the entries it had (the commit index is on disk); from then on every read counts.
    await waitFor('the follower serves its old state', async () => (await staleGet(restarted, 'seen')).value === 'before', { timeoutMs: 10000, intervalMs: 5 });
    // Read as fast as the follower answers until it has caught up; every read must be answered.
    const answers: Array<{ status: number; value: string | undefined }> = [];
    let caughtUp = false;
    const reading = (async () => {
      while (!caughtUp) answers.push(await staleGet(restarted, 'seen'));
    })();
    await waitFor('the follower caught up', async () => (await staleGet(restarted, 'last')).value === 'after', { timeoutMs: 30000, intervalMs: 20 });
    caughtUp = true;
    await reading;
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.status !== 200 || a.value !== 'before')).toEqual([]);
    // It did catch up by snapshot: its own Raft reports one past the compacted prefix.
    expect(Number((await raftStats(restarted)).last_snapshot_index)).toBeGreaterThan(200);
    expect((await staleGet(restarted, 'bulk/19/19')).value).toBe(big);
  }, 120000);
});
