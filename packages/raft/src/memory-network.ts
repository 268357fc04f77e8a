import type { RaftTransport } from './transport.js';
import type { Message, NodeId, Snapshot } from './types.js';

/**
 * An in-process network for tests and single-node dev mode: transports created from one MemoryNetwork
 * deliver to each other asynchronously (next macrotask), like a socket would. disconnect() simulates a
 * down link in both directions.
 */
export class MemoryNetwork {
  private handlers = new Map<NodeId, { onMessage: (m: Message) => void; onUnreachable: (peer: NodeId) => void }>();
  private down = new Set<string>();

  transport(id: NodeId): RaftTransport {
    return {
      start: async (h) => {
        this.handlers.set(id, h);
      },
      send: (m) => this.deliver(m),
      sendSnapshot: async (m: Message, s: Snapshot) => {
        if (!this.reachable(m.from, m.to)) return false;
        this.deliver({ ...m, snapshot: { meta: s.meta, data: s.data } });
        return true;
      },
      close: async () => {
        this.handlers.delete(id);
      },
    };
  }

  disconnect(a: NodeId, b: NodeId): void {
    this.down.add(`${a}|${b}`).add(`${b}|${a}`);
  }

  reconnect(a: NodeId, b: NodeId): void {
    this.down.delete(`${a}|${b}`);
    this.down.delete(`${b}|${a}`);
  }

  private reachable(from: NodeId, to: NodeId): boolean {
    return this.handlers.has(to) && !this.down.has(`${from}|${to}`);
  }

  private deliver(m: Message): void {
    if (!this.reachable(m.from, m.to)) {
      this.handlers.get(m.from)?.onUnreachable(m.to);
      return;
    }
    setImmediate(() => {
      if (this.reachable(m.from, m.to)) this.handlers.get(m.to)?.onMessage(m);
    });
  }
}
