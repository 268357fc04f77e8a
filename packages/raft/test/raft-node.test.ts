import { mkdtempSync, readdirSync, rmSync, statSync, appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { DiskStorage, NotLeaderError, RaftNode, WsTransport, MemoryStorage, type RaftNodeOptions, type StateMachine } from '../src/index.js';
import { lineLogger } from './line-logger.js';

class Kv implements StateMachine {
  data = new Map<string, string>();
  apply(e: { data: Uint8Array }): unknown {
    const { k, v } = JSON.parse(new TextDecoder().decode(e.data)) as { k: string; v: string };
    this.data.set(k, v);
    return this.data.size;
  }
  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify([...this.data]));
  }
  async restore(b: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    this.data = await decode(b);
  }
  async prepareRestore(chunks: AsyncIterable<Uint8Array>): Promise<() => void> {
    const data = await decode(chunks);
    return () => {
      this.data = data;
    };
  }
}

async function decode(b: Uint8Array | AsyncIterable<Uint8Array>): Promise<Map<string, string>> {
  const parts: Uint8Array[] = [];
  if (b instanceof Uint8Array) parts.push(b);
  else for await (const c of b) parts.push(c);
  return new Map(JSON.parse(Buffer.concat(parts).toString()) as Array<[string, string]>);
}

/** Counts snapshots received from a leader. */
class WatchedDisk extends DiskStorage {
  installs = 0;
  override async installSnapshot(...a: Parameters<DiskStorage['installSnapshot']>): Promise<void> {
    this.installs++;
    return super.installSnapshot(...a);
  }
}

const cmd = (k: string, v: string) => new TextEncoder().encode(JSON.stringify({ k, v }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Member {
  id: string;
  dir: string;
  port: number;
  node: RaftNode;
  kv: Kv;
  logs: string[];
  disk: WatchedDisk;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c().catch(() => undefined);
});

const ids = ['a', 'b', 'c'];
const opts = { tickMs: 20, snapshotThreshold: 40, trailingLogs: 5 };

async function makeMember(id: string, dir: string, port: number, peers: Record<string, string>, extra: Partial<RaftNodeOptions> = {}): Promise<Member> {
  const logs: string[] = [];
  const transport = new WsTransport({ id, port, peers, chunkBytes: 64 });
  await transport.listen();
  const kv = new Kv();
  const disk = new WatchedDisk({ dir, logger: lineLogger(logs) });
  const node = new RaftNode({
    id,
    storage: disk,
    transport,
    fsm: kv,
    bootstrap: ids,
    ...opts,
    ...extra,
    logger: lineLogger(logs),
  });
  await node.start();
  cleanups.push(() => node.stop());
  return { id, dir, port: transport.address().port, node, kv, logs, disk };
}

async function cluster(extra: (id: string) => Partial<RaftNodeOptions> = () => ({})): Promise<Member[]> {
  // Pick free ports by listening on 0, then hand every node the others' addresses.
  const probes = ids.map((id) => new WsTransport({ id }));
  const ports = await Promise.all(probes.map((t) => t.listen()));
  await Promise.all(probes.map((t) => t.close()));
  const peers = Object.fromEntries(ids.map((id, i) => [id, `127.0.0.1:${ports[i]}`]));
  const members: Member[] = [];
  for (const [i, id] of ids.entries()) {
    const dir = mkdtempSync(join(tmpdir(), `raft-node-${id}-`));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    members.push(await makeMember(id, dir, ports[i], peers, extra(id)));
  }
  return members;
}

const peersOf = (ms: Member[]) => Object.fromEntries(ms.map((m) => [m.id, `127.0.0.1:${m.port}`]));

async function leaderOf(ms: Member[]): Promise<Member> {
  return waitFor('a leader', () => ms.find((m) => m.node.isLeader() && ms.filter((o) => o.node.leader() === m.id).length >= 2), { timeoutMs: 10_000 });
}

describe('RaftNode over ws with on-disk logs', () => {
  it('replicates, survives the leader being killed, and serves linearizable reads', async () => {
    const ms = await cluster();
    let lead = await leaderOf(ms);
    const acked: string[] = [];
    const follower = ms.find((m) => m !== lead)!;
    await expect(follower.node.propose(cmd('x', '1'))).rejects.toThrow(NotLeaderError);
    for (let i = 0; i < 30; i++) {
      const r = await lead.node.propose(cmd(`k${i}`, `v${i}`));
      expect(r.index).toBeGreaterThan(0);
      acked.push(`k${i}`);
    }
    // Concurrent proposals are batched into shared appends.
    await Promise.all(Array.from({ length: 50 }, (_, i) => lead.node.propose(cmd(`c${i}`, `w${i}`)).then(() => acked.push(`c${i}`))));
    // A read barrier on a follower sees every acknowledged write.
    await follower.node.readBarrier();
    for (const k of acked) expect(follower.kv.data.has(k)).toBe(true);

    // Kill the leader.
    const old = lead;
    await old.node.stop();
    const rest = ms.filter((m) => m !== old);
    lead = await leaderOf(rest);
    expect(lead).not.toBe(old);
    for (let i = 0; i < 10; i++) {
      await lead.node.propose(cmd(`after${i}`, 'x'));
      acked.push(`after${i}`);
    }
    for (const k of acked) expect(lead.kv.data.has(k)).toBe(true);

    // The old leader restarts from its disk and catches up (by log or by snapshot).
    const back = await makeMember(old.id, old.dir, old.port, peersOf(ms));
    const all = [...rest, back];
    await lead.node.readBarrier();
    const target = lead.node.appliedIndex();
    await waitFor('old leader caught up', () => back.node.appliedIndex() >= target, { timeoutMs: 10_000 });
    await back.node.readBarrier();
    for (const k of acked) expect(back.kv.data.has(k)).toBe(true);
    expect(all).toHaveLength(3);
    expect([...back.kv.data].sort()).toEqual([...lead.kv.data].sort());
    expect(back.node.lastContact()).toBeLessThan(5000);
    expect(lead.node.lastContact()).toBe(0);
  });

  it('followers whose sockets to a dead leader reset elect a new one without waiting for their election timeout', async () => {
    // b and c would wait 10-20 minutes of silence before campaigning; only the transport's report of the
    // dropped connection can make them elect a leader within this test.
    const ms = await cluster((id) => (id === 'a' ? {} : { electionTicks: 30_000 }));
    const a = await waitFor('a leads', () => ms.find((m) => m.id === 'a' && m.node.isLeader() && ms.every((o) => o.node.leader() === 'a')), { timeoutMs: 10_000 });
    await a.node.propose(cmd('before', '1'));
    await a.node.stop();
    const rest = ms.filter((m) => m !== a);
    const lead = await leaderOf(rest);
    await lead.node.propose(cmd('after', '1'));
    expect(lead.kv.data.get('before')).toBe('1');
  });

  it('no acknowledged write is lost when the leader is killed under concurrent load', async () => {
    const ms = await cluster();
    await leaderOf(ms);
    const acked = new Set<string>();
    let stop = false;
    let n = 0;
    const alive = new Set(ms);
    const writers = Array.from({ length: 16 }, async () => {
      while (!stop) {
        const lead = [...alive].find((m) => m.node.isLeader());
        if (!lead) {
          await sleep(5);
          continue;
        }
        const k = `w${n++}`;
        try {
          await lead.node.propose(cmd(k, 'v'));
          acked.add(k);
        } catch {
          await sleep(5); // not leader any more, stopped, or outcome unknown: not counted as acknowledged
        }
      }
    });
    // Writes acknowledged under the first leader, however long that takes on a loaded machine.
    await waitFor('writes under the first leader', () => acked.size >= 20, { timeoutMs: 10_000 });
    const old = [...alive].find((m) => m.node.isLeader())!;
    const before = acked.size;
    alive.delete(old);
    await old.node.stop(); // the leader dies mid-stream
    const lead = await leaderOf([...alive]);
    await waitFor('writes under the new leader', () => acked.size > before + 20, { timeoutMs: 10_000 });
    stop = true;
    await Promise.all(writers);
    await lead.node.readBarrier();
    for (const m of alive) {
      await m.node.readBarrier();
      for (const k of acked) expect(m.kv.data.has(k), `${m.id} lost ${k}`).toBe(true);
    }
    expect(before).toBeGreaterThan(0);
  });

  it('a follower with a corrupted log tail repairs it at restart and catches up via snapshot', async () => {
    const ms = await cluster();
    const lead = await leaderOf(ms);
    for (let i = 0; i < 10; i++) await lead.node.propose(cmd(`k${i}`, `v${i}`));
    const f = ms.find((m) => m !== lead)!;
    await waitFor('follower applied', () => f.node.appliedIndex() >= lead.node.appliedIndex(), { timeoutMs: 10_000 });
    await f.node.stop();
    // Damage the tail of the newest segment: flip bytes in the last record and add garbage.
    const segs = readdirSync(f.dir).filter((n) => n.endsWith('.seg')).sort();
    const file = join(f.dir, segs[segs.length - 1]);
    const b = readFileSync(file);
    b[b.length - 3] ^= 0xff;
    writeFileSync(file, b);
    appendFileSync(file, Buffer.from('garbage!'));
    const sizeBefore = statSync(file).size;
    // Meanwhile the cluster moves on far enough that the leader compacts past the follower.
    for (let i = 0; i < 80; i++) await lead.node.propose(cmd(`m${i}`, `v${i}`));
    const back = await makeMember(f.id, f.dir, f.port, peersOf(ms));
    expect(back.logs.join('\n')).toMatch(/truncating torn\/corrupt tail/);
    expect(statSync(file).size).toBeLessThan(sizeBefore);
    await lead.node.readBarrier();
    const target = lead.node.appliedIndex();
    await waitFor('repaired follower caught up', () => back.node.appliedIndex() >= target, { timeoutMs: 10_000 });
    expect([...back.kv.data].sort()).toEqual([...lead.kv.data].sort());
    // The leader had compacted past it: the snapshot was streamed (in 64-byte chunks).
    expect(back.disk.installs).toBeGreaterThanOrEqual(1);
  });

  it('restores a snapshot on the leader; the followers receive it by InstallSnapshot, and writes go on after it', async () => {
    const ms = await cluster();
    const lead = await leaderOf(ms);
    for (let i = 0; i < 10; i++) await lead.node.propose(cmd(`old${i}`, 'x'));
    const restored = new TextEncoder().encode(JSON.stringify(Array.from({ length: 200 }, (_, i) => [`r${i}`, `v${i}`])));
    // Offered in small pieces, as a file is read.
    const source = {
      size: restored.length,
      open: () =>
        (async function* () {
          for (let at = 0; at < restored.length; at += 100) yield restored.subarray(at, at + 100);
        })(),
    };
    const before = lead.node.lastIndex();
    const { index } = await lead.node.restoreSnapshot(source);
    expect(index).toBe(before + 1);
    for (const m of ms) {
      await waitFor(`${m.id} restored`, () => m.node.appliedIndex() >= index + 1, { timeoutMs: 10_000 });
      expect(m.kv.data.has('old0')).toBe(false);
      expect(m.kv.data.get('r199')).toBe('v199');
      expect(m.node.stats().last_snapshot_index).toBe(String(index));
    }
    // The followers got it as a snapshot (streamed in 64-byte chunks), not as an entry.
    for (const m of ms.filter((x) => x !== lead)) expect(m.disk.installs).toBe(1);
    await lead.node.propose(cmd('after', 'y'));
    for (const m of ms) await waitFor(`${m.id} applied the next write`, () => m.kv.data.get('after') === 'y', { timeoutMs: 10_000 });
    // A restart comes back from the restored snapshot and the entries after it.
    const f = ms.find((m) => m !== lead)!;
    await f.node.stop();
    const back = await makeMember(f.id, f.dir, f.port, peersOf(ms));
    await waitFor('restarted follower applied', () => back.node.appliedIndex() >= index + 2, { timeoutMs: 10_000 });
    expect([...back.kv.data].sort()).toEqual([...lead.kv.data].sort());
  });

  it('refuses a restore off the leader, and one whose snapshot does not read changes nothing', async () => {
    const ms = await cluster();
    const lead = await leaderOf(ms);
    await lead.node.propose(cmd('keep', '1'));
    const f = ms.find((m) => m !== lead)!;
    const bad = { size: 3, open: () => (async function* () { yield new Uint8Array([1, 2, 3]); })() };
    await expect(f.node.restoreSnapshot(bad)).rejects.toThrow(NotLeaderError);
    await expect(lead.node.restoreSnapshot(bad)).rejects.toThrow(/JSON/);
    expect(lead.kv.data.get('keep')).toBe('1');
    expect(lead.node.stats().last_snapshot_index).toBe('0');
    // Proposals held back during the attempt go ahead.
    await lead.node.propose(cmd('next', '2'));
    for (const m of ms) await waitFor(`${m.id} applied`, () => m.kv.data.get('next') === '2', { timeoutMs: 10_000 });
  });

  it('a node whose port is taken fails to start with the listen error and stays stopped', async () => {
    const t1 = new WsTransport({ id: 'x' });
    const port = await t1.listen();
    cleanups.push(() => t1.close());
    const node = new RaftNode({ id: 'y', storage: new MemoryStorage(), transport: new WsTransport({ id: 'y', port }), fsm: new Kv(), bootstrap: ['y'] });
    await expect(node.start()).rejects.toThrow(/EADDRINUSE/);
    await expect(node.propose(cmd('a', 'b'))).rejects.toThrow(/not running/);
  });

  it('adds a learner, promotes it and removes a server', async () => {
    const ms = await cluster();
    const lead = await leaderOf(ms);
    for (let i = 0; i < 5; i++) await lead.node.propose(cmd(`k${i}`, 'v'));
    const t = new WsTransport({ id: 'd', peers: peersOf(ms) });
    await t.listen();
    const kv = new Kv();
    const d = new RaftNode({ id: 'd', storage: new MemoryStorage(), transport: t, fsm: kv, ...opts });
    await d.start();
    cleanups.push(() => d.stop());
    for (const m of ms) (m.node as unknown as { o: { transport: WsTransport } }).o.transport.setPeer('d', `127.0.0.1:${t.address().port}`);
    // addServer = addLearner, wait until caught up, addVoter.
    await lead.node.addServer('d', { maxLag: 0 });
    await waitFor('d applied', () => d.appliedIndex() >= lead.node.appliedIndex(), { timeoutMs: 10_000 });
    expect(kv.data.size).toBe(5);
    expect(lead.node.configuration().voters).toEqual(['a', 'b', 'c', 'd']);
    const victim = ms.find((m) => m !== lead)!;
    await lead.node.removeServer(victim.id);
    expect(lead.node.configuration().voters).not.toContain(victim.id);
    await lead.node.propose(cmd('after', 'x'));
    await waitFor('d applied', () => kv.data.has('after'), { timeoutMs: 10_000 });
  });
});
