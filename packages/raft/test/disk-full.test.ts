// A write to disk that fails (a full disk: found by tools/faults' disk-full nemesis) must not stop the node
// for good: what was in flight fails with an unknown outcome, the node restarts from what is on disk (cutting
// off the torn record the failed write left) and takes writes again once the disk has room, without applying
// anything twice and without losing what was acknowledged.
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { DiskStorage, ProposalLostError, RaftNode, WsTransport, type Entry, type HardState, type StateMachine } from '../src/index.js';

class CountingKv implements StateMachine {
  data = new Map<string, string>();
  applies = new Map<string, number>();
  apply(e: { data: Uint8Array }): unknown {
    const { k, v } = JSON.parse(new TextDecoder().decode(e.data)) as { k: string; v: string };
    this.data.set(k, v);
    this.applies.set(k, (this.applies.get(k) ?? 0) + 1);
    return this.data.size;
  }
  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify([...this.data]));
  }
  restore(b: Uint8Array): void {
    this.data = new Map(JSON.parse(new TextDecoder().decode(b)));
  }
}

/** The real DiskStorage on a disk that fills up on demand: the failing write leaves half a record behind, as a
 * write cut short by ENOSPC does, and reports the kernel's error. */
class FillingDisk extends DiskStorage {
  full = false;
  constructor(private readonly path: string) {
    super({ dir: path });
  }
  override async append(entries: Entry[], hardState: HardState | undefined, sync: boolean): Promise<void> {
    if (!this.full) return super.append(entries, hardState, sync);
    const newest = readdirSync(this.path).filter((n) => n.endsWith('.seg')).sort().at(-1)!;
    appendFileSync(join(this.path, newest), Buffer.from([0x40, 0, 0, 0, 0xde, 0xad]));
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  }
}

const cmd = (k: string, v: string) => new TextEncoder().encode(JSON.stringify({ k, v }));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function node(dir: string, storage: DiskStorage, kv: StateMachine): Promise<RaftNode> {
  const transport = new WsTransport({ id: 'a' });
  await transport.listen();
  const n = new RaftNode({ id: 'a', storage, transport, fsm: kv, bootstrap: ['a'], tickMs: 10 });
  await n.start();
  cleanups.push(() => n.stop());
  return n;
}

describe('RaftNode when the disk fills up', () => {
  it('fails the write in flight, restarts from disk, and takes writes again once there is room', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'raft-disk-full-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const disk = new FillingDisk(dir);
    const kv = new CountingKv();
    const a = await node(dir, disk, kv);
    await waitFor('a leads', () => a.isLeader());
    await a.propose(cmd('before', '1'));

    disk.full = true;
    const lost = await a.propose(cmd('during', '2')).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(ProposalLostError);
    expect((lost as ProposalLostError).outcomeUnknown).toBe(true);

    disk.full = false; // the space returns
    await waitFor('a leads again after the disk has room', () => a.isLeader(), { timeoutMs: 10_000 });
    await a.propose(cmd('after', '3'));
    expect(kv.data.get('before')).toBe('1');
    expect(kv.data.get('after')).toBe('3');
    expect(kv.data.has('during')).toBe(false);
    expect(kv.applies.get('before')).toBe(1); // the restart did not apply it a second time

    // What is on disk is whole: a fresh node over it (a process restart) has every acknowledged write.
    await a.stop();
    const kv2 = new CountingKv();
    const b = await node(dir, new DiskStorage({ dir }), kv2);
    await waitFor('b leads', () => b.isLeader());
    await b.readBarrier();
    expect([...kv2.data]).toEqual([...kv.data]);
  });
});
