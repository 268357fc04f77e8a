import type { Message, NodeId } from './types.js';

interface ReadRequest {
  index: number;
  req: Message;
  acks: Set<NodeId>;
}

/**
 * ReadIndex requests waiting for a heartbeat round to confirm leadership. A quorum of acks for one
 * request also confirms every request queued before it.
 */
export class ReadOnly {
  private pending = new Map<string, ReadRequest>();
  private queue: string[] = [];

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.queue.length;
  }

  /** Returns false when the request is a duplicate or the queue is full (the request is dropped). */
  add(index: number, req: Message): boolean {
    const ctx = req.context ?? '';
    if (this.pending.has(ctx) || this.queue.length >= this.limit) return false;
    this.pending.set(ctx, { index, req, acks: new Set() });
    this.queue.push(ctx);
    return true;
  }

  /** Records an ack and returns the number of acks for ctx, or 0 if ctx is unknown. */
  recvAck(from: NodeId, ctx: string): Set<NodeId> | undefined {
    const r = this.pending.get(ctx);
    if (!r) return undefined;
    r.acks.add(from);
    return r.acks;
  }

  /** Removes and returns every request up to and including ctx. */
  advance(ctx: string): { index: number; req: Message }[] {
    const i = this.queue.indexOf(ctx);
    if (i < 0) return [];
    const out = this.queue.splice(0, i + 1).map((c) => {
      const r = this.pending.get(c)!;
      this.pending.delete(c);
      return r;
    });
    // Later requests are confirmed at their own index only when their own round completes.
    return out.map((r) => ({ index: r.index, req: r.req }));
  }

  lastPendingContext(): string | undefined {
    return this.queue[this.queue.length - 1];
  }

  reset(): void {
    this.pending.clear();
    this.queue = [];
  }
}
