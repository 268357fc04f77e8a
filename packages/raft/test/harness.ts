import { Raft, type RaftConfig } from '../src/raft.js';
import { seededRandom } from '../src/random.js';
import type { Entry, HardState, Message, Snapshot } from '../src/types.js';

/** A tiny synchronous cluster for scripted core tests: messages are delivered only when asked. */
export class Net {
  nodes = new Map<string, Raft>();
  disks = new Map<string, { hs?: HardState; entries: Entry[]; snap?: Snapshot }>();
  applied = new Map<string, Entry[]>();
  queue: Message[] = [];
  /** Drop messages for which this returns true. */
  filter: (m: Message) => boolean = () => false;

  constructor(ids: string[], voters = ids, opts: Partial<RaftConfig> = {}) {
    const boot = Raft.bootstrap(voters);
    let seed = 1;
    for (const id of ids) {
      const isVoter = voters.includes(id);
      this.disks.set(id, { hs: isVoter ? boot.hardState : undefined, entries: isVoter ? [...boot.entries] : [] });
      this.nodes.set(
        id,
        new Raft({ id, random: seededRandom(seed++), hardState: isVoter ? boot.hardState : undefined, entries: isVoter ? boot.entries : [], ...opts }),
      );
      this.applied.set(id, []);
    }
  }

  get(id: string): Raft {
    return this.nodes.get(id)!;
  }

  /** Runs every node's Ready loop, queueing messages. */
  flush(): void {
    for (const [id, r] of this.nodes) {
      while (r.hasReady()) {
        const rd = r.ready();
        const d = this.disks.get(id)!;
        if (rd.snapshot) {
          d.snap = rd.snapshot;
          d.entries = [];
        }
        if (rd.entries.length) {
          const first = rd.entries[0].index;
          d.entries = d.entries.filter((e) => e.index < first).concat(rd.entries);
        }
        if (rd.hardState) d.hs = rd.hardState;
        for (const m of rd.messages) {
          if (m.type === 9 /* Snap */) m.snapshot = { meta: m.snapshot!.meta, data: new Uint8Array([1]) };
          if (!this.filter(m)) this.queue.push(m);
        }
        this.applied.get(id)!.push(...rd.committedEntries);
        r.advance();
      }
    }
  }

  /** Delivers messages until the network is quiet. Returns the number delivered. */
  stabilize(max = 10000): number {
    let n = 0;
    this.flush();
    while (this.queue.length && n < max) {
      const q = this.queue;
      this.queue = [];
      for (const m of q) {
        const r = this.nodes.get(m.to);
        if (r) r.step(m);
        n++;
      }
      this.flush();
    }
    return n;
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) for (const r of this.nodes.values()) r.tick();
  }

  /** Drops every message to or from id. */
  isolate(id: string): void {
    this.filter = (m) => m.to === id || m.from === id;
  }

  heal(): void {
    this.filter = () => false;
  }

  leader(): Raft | undefined {
    return [...this.nodes.values()].find((r) => r.state === 'leader');
  }
}

export const data = (s: string) => new TextEncoder().encode(s);
export const text = (e: Entry) => new TextDecoder().decode(e.data);
