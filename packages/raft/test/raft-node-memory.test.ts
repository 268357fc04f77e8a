import { describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import {
  MemoryNetwork,
  MemoryStorage,
  NotLeaderError,
  RaftNode,
  StoppedError,
  TimeoutError,
  type Entry,
  type HardState,
  type Message,
  type RaftTransport,
  type StateMachine,
} from '../src/index.js';

class Counter implements StateMachine {
  n = 0;
  apply(): unknown {
    return ++this.n;
  }
  snapshot(): Uint8Array {
    return new TextEncoder().encode(String(this.n));
  }
  restore(b: Uint8Array): void {
    this.n = Number(new TextDecoder().decode(b));
  }
}

/** Storage that records what the node asks it to write. */
class RecordingStorage extends MemoryStorage {
  writes: { entries: number; hardState?: HardState; sync: boolean }[] = [];
  override append(entries: Entry[], hardState: HardState | undefined, sync: boolean): Promise<void> {
    this.writes.push({ entries: entries.length, hardState: hardState && { ...hardState }, sync });
    return super.append(entries, hardState, sync);
  }
}

/** A transport that holds messages until flush() or the end of the event-loop turn, as WsTransport does, and
 * counts what flush() sent. */
function coalescing(inner: RaftTransport): RaftTransport & { flushed: number } {
  let held: Message[] = [];
  let scheduled = false;
  const t = {
    flushed: 0,
    start: (h: Parameters<RaftTransport['start']>[0]) => inner.start(h),
    send(m: Message) {
      held.push(m);
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          const out = held;
          held = [];
          for (const x of out) inner.send(x);
        });
      }
    },
    flush() {
      const out = held;
      held = [];
      t.flushed += out.length;
      for (const x of out) inner.send(x);
    },
    sendSnapshot: (m: Message, s: Parameters<RaftTransport['sendSnapshot']>[1]) => inner.sendSnapshot(m, s),
    close: () => inner.close(),
  };
  return t;
}

describe('RaftNode in memory', () => {
  it('writes a hard state only with entries or a new term or vote, and a restart still finds every write', async () => {
    // A Ready whose only change is the commit index is not written (a restarted node takes the commit index
    // from the leader again); under load that was one write and one wait for the disk per round.
    const net = new MemoryNetwork();
    const ids = ['a', 'b', 'c'];
    const disks = ids.map(() => new RecordingStorage());
    const fsms = ids.map(() => new Counter());
    const transports = ids.map((id) => coalescing(net.transport(id)));
    const make = (i: number, fsm = fsms[i]) =>
      new RaftNode({ id: ids[i], storage: disks[i], transport: transports[i], fsm, bootstrap: ids, tickMs: 5 });
    const nodes = ids.map((_, i) => make(i));
    await Promise.all(nodes.map((n) => n.start()));
    try {
      const lead = await waitFor('leader', () => nodes.find((n) => n.isLeader()), { timeoutMs: 8000 });
      for (let i = 0; i < 20; i++) await lead.propose(new Uint8Array([1]));
      await Promise.all(Array.from({ length: 100 }, () => lead.propose(new Uint8Array([1]))));
      await Promise.all(nodes.map((n) => n.readBarrier()));
      for (const d of disks) {
        expect(d.writes.length).toBeGreaterThan(0);
        for (const w of d.writes) expect(w.entries > 0 || w.sync, JSON.stringify(w)).toBe(true);
      }
      // The commit index still reaches the disk, with the next entries: after 20 writes one at a time (indexes 3
      // to 22 after the bootstrap entry and the leader's empty one) at least the 19th's commit is there.
      expect(Math.max(...disks.flatMap((d) => d.writes.map((w) => w.hardState?.commit ?? 0)))).toBeGreaterThan(20);
      // Appends and acknowledgements were handed to the transport's flush, not left for the end of the turn.
      for (const t of transports) expect(t.flushed).toBeGreaterThan(0);
      // A follower restarted on its storage applies every write again, from the leader's commit index.
      const fi = nodes.findIndex((n) => n !== lead);
      await nodes[fi].stop();
      const fresh = new Counter();
      nodes[fi] = make(fi, fresh);
      await nodes[fi].start();
      await lead.propose(new Uint8Array([1]));
      await waitFor('restarted follower caught up', () => fresh.n === 121, { timeoutMs: 8000 });
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });

  it('single-node dev mode: elects itself, commits, reads, snapshots, restarts from storage', async () => {
    const net = new MemoryNetwork();
    const storage = new MemoryStorage();
    const fsm = new Counter();
    const events: string[] = [];
    const node = new RaftNode({ id: 'dev', storage, transport: net.transport('dev'), fsm, bootstrap: ['dev'], tickMs: 5, snapshotThreshold: 10, trailingLogs: 2 });
    node.on('leader', (l) => events.push(`leader:${l}`));
    await node.start();
    await waitFor('leader', () => node.isLeader(), { timeoutMs: 8000 });
    const results = await Promise.all(Array.from({ length: 25 }, () => node.propose(new Uint8Array([1]))));
    expect(results.map((r) => r.result).sort((a, b) => (a as number) - (b as number))).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    await node.readBarrier();
    expect(fsm.n).toBe(25);
    expect(events).toEqual(['leader:dev']);
    expect(node.lastContact()).toBe(0);
    expect(node.stats()).toMatchObject({ state: 'Leader', last_contact: '0', num_peers: '0', applied_index: String(node.appliedIndex()) });
    await node.stop();
    await expect(node.propose(new Uint8Array([1]))).rejects.toThrow(StoppedError);
    // Restart on the same storage: snapshot + replay rebuild the state machine.
    const fsm2 = new Counter();
    const again = new RaftNode({ id: 'dev', storage, transport: net.transport('dev'), fsm: fsm2, bootstrap: ['dev'], tickMs: 5 });
    await again.start();
    await waitFor('replayed', () => fsm2.n === 25, { timeoutMs: 8000 });
    await waitFor('leader again', () => again.isLeader(), { timeoutMs: 8000 });
    await again.propose(new Uint8Array([1]));
    expect(fsm2.n).toBe(26);
    await again.stop();
  });

  it('three nodes: followers refuse proposals, a partitioned minority cannot confirm reads', async () => {
    const net = new MemoryNetwork();
    const ids = ['a', 'b', 'c'];
    const nodes = ids.map(
      (id) => new RaftNode({ id, storage: new MemoryStorage(), transport: net.transport(id), fsm: new Counter(), bootstrap: ids, tickMs: 5, readTimeoutMs: 300, proposeTimeoutMs: 300 }),
    );
    await Promise.all(nodes.map((n) => n.start()));
    try {
      const lead = await waitFor('leader', () => nodes.find((n) => n.isLeader()), { timeoutMs: 8000 });
      await lead.propose(new Uint8Array([1]));
      const f = nodes.find((n) => n !== lead)!;
      await expect(f.propose(new Uint8Array([1]))).rejects.toBeInstanceOf(NotLeaderError);
      await f.readBarrier();
      // Many concurrent reads share ReadIndex rounds and all complete.
      await Promise.all([...Array.from({ length: 200 }, () => f.readBarrier()), ...Array.from({ length: 200 }, () => lead.readBarrier())]);
      // Cut the follower off: its read barrier cannot be confirmed.
      for (const o of nodes) if (o !== f) net.disconnect(f.id, o.id);
      await expect(f.readBarrier()).rejects.toBeInstanceOf(TimeoutError);
      for (const o of nodes) if (o !== f) net.reconnect(f.id, o.id);
      await waitFor('follower rejoined', () => f.leader() !== undefined, { timeoutMs: 8000 });
      await f.readBarrier();
      // An isolated leader's proposal cannot commit: the caller gets a TimeoutError (outcome unknown).
      const l2 = await waitFor('leader', () => nodes.find((n) => n.isLeader()), { timeoutMs: 8000 });
      for (const o of nodes) if (o !== l2) net.disconnect(l2.id, o.id);
      const err = await l2.propose(new Uint8Array([9])).catch((e) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      for (const o of nodes) if (o !== l2) net.reconnect(l2.id, o.id);
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });
});
