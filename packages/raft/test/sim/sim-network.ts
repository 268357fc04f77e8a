import type { RandomSource } from '../../src/random.js';
import type { RaftTransport } from '../../src/transport.js';
import type { Message, NodeId, Snapshot } from '../../src/types.js';
import type { Scheduler } from './scheduler.js';

type Handlers = Parameters<RaftTransport['start']>[0];

/**
 * The simulated network behind every node's RaftTransport: drops, delays, duplicates and reorders
 * messages, and partitions links (also one way). Messages go to whatever incarnation of the peer is up
 * when they arrive, as on a real network after a restart.
 */
export class SimNetwork {
  dropRate = 0;
  dupRate = 0;
  maxDelay = 1;
  /** Links "a>b" that carry nothing. */
  readonly blocked = new Set<string>();
  messages = 0;
  snapshotsSent = 0;
  private handlers = new Map<NodeId, Handlers>();

  constructor(
    private readonly sched: Scheduler,
    private readonly rng: RandomSource,
  ) {}

  /** The transport of one incarnation of a node; it goes silent once `alive` turns false. */
  transport(id: NodeId, alive: () => boolean): RaftTransport {
    return {
      start: async (h) => {
        if (alive()) this.handlers.set(id, h);
      },
      send: (m) => {
        if (alive()) this.send(m);
      },
      sendSnapshot: (m, snap) => (alive() ? this.sendSnapshot(m, snap) : new Promise<boolean>(() => undefined)),
      close: async () => {
        if (this.handlers.get(id) !== undefined && alive()) this.handlers.delete(id);
      },
    };
  }

  /** The node's process died: nothing reaches it until it starts again. */
  down(id: NodeId): void {
    this.handlers.delete(id);
  }

  /** `to`'s transport reports `peer` unreachable (a reset connection), `delay` ms from now. */
  unreachable(to: NodeId, peer: NodeId, delay: number): void {
    this.sched.at(this.sched.now + delay, () => this.handlers.get(to)?.onUnreachable(peer));
  }

  private send(m: Message): void {
    this.messages++;
    if (this.rng() < this.dropRate) return;
    this.sched.at(this.sched.now + 1 + Math.floor(this.rng() * this.maxDelay), () => this.deliver(m));
    if (this.rng() < this.dupRate) this.sched.at(this.sched.now + 1 + Math.floor(this.rng() * this.maxDelay * 3), () => this.deliver(m));
  }

  /** Resolves true once the peer has the snapshot, false if it was lost on the way. */
  private sendSnapshot(m: Message, snap: Snapshot): Promise<boolean> {
    this.messages++;
    this.snapshotsSent++;
    return new Promise((resolve) => {
      if (this.rng() < this.dropRate) {
        this.sched.at(this.sched.now + 1, () => resolve(false));
        return;
      }
      this.sched.at(this.sched.now + 1 + Math.floor(this.rng() * this.maxDelay), () =>
        resolve(this.deliver({ ...m, snapshot: { meta: snap.meta, data: snap.data } })),
      );
    });
  }

  private deliver(m: Message): boolean {
    const h = this.handlers.get(m.to);
    if (!h || this.blocked.has(`${m.from}>${m.to}`)) return false;
    h.onMessage(m);
    return true;
  }
}
