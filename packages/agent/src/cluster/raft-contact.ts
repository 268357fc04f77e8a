// consul.raft.leader.lastContact without reaching into Raft: the transport is wrapped so every inbound Raft
// message stamps when its sender was last heard, and while this server leads it samples, every leader lease
// (hashicorp/raft's checkLeaderLease: 500 ms times raft_multiplier), how long ago each other server was heard.
import type { NodeId, RaftTransport } from '@conclave/raft';

export class RaftContact {
  private readonly heard = new Map<NodeId, number>();
  private timer: NodeJS.Timeout | undefined;

  /** The transport Raft is given: the same one, with inbound messages stamped. */
  wrap(t: RaftTransport): RaftTransport {
    return {
      start: (h) =>
        t.start({
          onMessage: (m) => {
            this.heard.set(m.from, performance.now());
            h.onMessage(m);
          },
          onUnreachable: h.onUnreachable,
        }),
      send: (m) => t.send(m),
      ...(t.flush ? { flush: () => t.flush!() } : {}),
      sendSnapshot: (m, s) => t.sendSnapshot(m, s),
      // Kept optional, as on the transport: present only when the wrapped one streams snapshots.
      ...(t.sendSnapshotStream ? { sendSnapshotStream: t.sendSnapshotStream.bind(t) } : {}),
      close: () => t.close(),
    };
  }

  /** Milliseconds since `id` was last heard from, or undefined when never. */
  heardAgoMs(id: NodeId): number | undefined {
    const at = this.heard.get(id);
    return at === undefined ? undefined : performance.now() - at;
  }

  /** While leading: every `leaseMs`, `sample(ms)` for each of `peers()` heard from at least once. */
  leading(leader: boolean, leaseMs: number, peers: () => NodeId[], sample: (ms: number) => void): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (!leader) return;
    this.timer = setInterval(() => {
      const now = performance.now();
      for (const p of peers()) {
        const at = this.heard.get(p);
        if (at !== undefined) sample(now - at);
      }
    }, leaseMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
