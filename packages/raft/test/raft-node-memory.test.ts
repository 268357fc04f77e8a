import { describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { MemoryNetwork, MemoryStorage, NotLeaderError, RaftNode, StoppedError, TimeoutError, type StateMachine } from '../src/index.js';

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

describe('RaftNode in memory', () => {
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
