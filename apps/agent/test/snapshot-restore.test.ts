// PUT /v1/snapshot of a state larger than one Raft message (64 MiB) on a three-server cluster: the archive is
// streamed into a file on the leader, installed there as its Raft snapshot, and reaches the followers by a
// multi-chunk InstallSnapshot (never as a log entry, which the transport would refuse). Afterwards every
// server answers from the restored state, and writes go on as usual. The save and the restore are asked of a
// client agent, as `consul snapshot save|restore` usually are: both stream through it and through a server
// (a follower hands them on to the leader), never held whole in one RPC message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@conclave/test-support/wait-for';
import { allocate, startClusterAgent, stopAgent, type ClusterAgent } from './support/cluster.js';

const names = ['rst-1', 'rst-2', 'rst-3'];
const agents: ClusterAgent[] = [];
let client: ClusterAgent;
let root = '';

/** 144 values of 512 KiB (the largest a KV value may be): state.bin is ~75 MB, over the 64 MiB message limit. */
const VALUES = 144;
const VALUE_BYTES = 512 * 1024;

async function leader(): Promise<ClusterAgent> {
  const addr = (await (await fetch(`http://${agents[0]!.httpAddr}/v1/status/leader`)).json()) as string;
  const a = agents.find((x) => addr.endsWith(`:${x.ports.server}`));
  if (!a) throw new Error(`no agent at ${addr}`);
  return a;
}

async function staleRaw(a: ClusterAgent, key: string): Promise<Buffer | undefined> {
  const res = await fetch(`http://${a.httpAddr}/v1/kv/${key}?stale&raw`);
  return res.status === 200 ? Buffer.from(await res.arrayBuffer()) : undefined;
}

beforeAll(async () => {
  const specs = [];
  for (const n of names) {
    const spec = await allocate(n, true, root || undefined);
    root ||= join(spec.dataDir, '..');
    specs.push(spec);
  }
  const seed = `127.0.0.1:${specs[0]!.ports.serf}`;
  agents.push(...(await Promise.all(specs.map((s) => startClusterAgent(s, ['-bootstrap-expect', '3', '-retry-join', seed, '-retry-interval', '1s'])))));
  client = await startClusterAgent(await allocate('rst-c', false, root), ['-retry-join', seed, '-retry-interval', '1s']);
  await waitFor('a leader', async () => (await (await fetch(`http://${agents[0]!.httpAddr}/v1/status/leader`)).json()) !== '', { timeoutMs: 30000, intervalMs: 100 });
  await waitFor('the client answers through a server', async () => (await fetch(`http://${client.httpAddr}/v1/kv/none`)).status === 404, { timeoutMs: 30000, intervalMs: 100 });
}, 90000);

afterAll(async () => {
  await Promise.all([...agents, ...(client ? [client] : [])].map((a) => stopAgent(a, 'SIGKILL')));
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('PUT /v1/snapshot of more than 64 MiB', () => {
  it('restores through InstallSnapshot on every server', async () => {
    const lead = await leader();
    const values = Array.from({ length: VALUES }, () => randomBytes(VALUE_BYTES));
    for (let i = 0; i < VALUES; i += 8) {
      await Promise.all(
        values.slice(i, i + 8).map(async (v, j) => {
          const res = await fetch(`http://${lead.httpAddr}/v1/kv/big/${i + j}`, { method: 'PUT', body: v });
          expect(await res.text()).toBe('true');
        }),
      );
    }
    const saved = await fetch(`http://${client.httpAddr}/v1/snapshot`);
    expect(saved.status).toBe(200);
    expect(saved.headers.get('x-consul-index')).toMatch(/^[1-9]\d*$/);
    const archive = Buffer.from(await saved.arrayBuffer());
    expect(archive.length).toBeGreaterThan(64 << 20);
    // A follower hands a save to the leader the same way.
    const viaFollower = await fetch(`http://${agents.find((a) => a !== lead)!.httpAddr}/v1/snapshot`);
    expect(viaFollower.status).toBe(200);
    expect((await viaFollower.arrayBuffer()).byteLength).toBeGreaterThan(64 << 20);

    // Changes after the save, which the restore must undo.
    await fetch(`http://${lead.httpAddr}/v1/kv/big/?recurse`, { method: 'DELETE' });
    await fetch(`http://${lead.httpAddr}/v1/kv/after-save`, { method: 'PUT', body: 'x' });
    for (const a of agents) await waitFor(`${a.name} saw the changes`, async () => (await staleRaw(a, 'after-save')) !== undefined, { timeoutMs: 10000, intervalMs: 50 });

    const restored = await fetch(`http://${client.httpAddr}/v1/snapshot`, { method: 'PUT', body: archive });
    expect(await restored.text()).toBe('');
    expect(restored.status).toBe(200);

    for (const a of agents) {
      await waitFor(`${a.name} has the restored state`, async () => (await staleRaw(a, 'after-save')) === undefined && (await staleRaw(a, 'big/0')) !== undefined, {
        timeoutMs: 60000,
        intervalMs: 100,
      });
      for (const i of [0, 77, VALUES - 1]) expect(Buffer.compare((await staleRaw(a, `big/${i}`))!, values[i]!)).toBe(0);
    }
    // The followers got it as a Raft snapshot, not as an entry: their last snapshot is the restore's index.
    const leaderStats = async (a: ClusterAgent) =>
      ((await (await fetch(`http://${a.httpAddr}/v1/agent/self`)).json()) as { Stats: { raft: Record<string, string> } }).Stats.raft;
    const restoreIndex = Number((await leaderStats(lead)).last_snapshot_index);
    for (const a of agents) expect(Number((await leaderStats(a)).last_snapshot_index)).toBe(restoreIndex);

    // Writes go on, on the restored state, on every server.
    const res = await fetch(`http://${lead.httpAddr}/v1/kv/after-restore`, { method: 'PUT', body: 'y' });
    expect(await res.text()).toBe('true');
    for (const a of agents) await waitFor(`${a.name} has the next write`, async () => (await staleRaw(a, 'after-restore'))?.toString() === 'y', { timeoutMs: 10000, intervalMs: 50 });
  }, 180000);
});
