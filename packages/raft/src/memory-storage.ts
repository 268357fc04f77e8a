import type { PreparedInstall, RaftStorage, StoredState } from './storage.js';
import type { Entry, HardState, Snapshot, SnapshotMeta } from './types.js';

/** Storage in process memory: for tests and dev mode. Survives a RaftNode restart within the process. */
export class MemoryStorage implements RaftStorage {
  private hs: HardState | undefined;
  private snap: Snapshot | undefined;
  private entries: Entry[] = [];

  async load(): Promise<StoredState> {
    const after = this.snap?.meta.index ?? 0;
    return { hardState: this.hs && { ...this.hs }, snapshot: this.snap, entries: this.entries.filter((e) => e.index > after) };
  }

  async append(entries: Entry[], hardState: HardState | undefined, _sync: boolean): Promise<void> {
    if (entries.length) {
      const first = entries[0].index;
      while (this.entries.length && this.entries[this.entries.length - 1].index >= first) this.entries.pop();
      for (const e of entries) this.entries.push(e);
    }
    if (hardState) this.hs = { ...hardState };
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    if (!this.snap || snapshot.meta.index > this.snap.meta.index) this.snap = snapshot;
  }

  async installSnapshot(snapshot: Snapshot): Promise<void> {
    // In memory by definition: a snapshot received into a file is read in whole.
    this.snap = snapshot.data || !snapshot.source ? snapshot : { meta: snapshot.meta, data: await gather(snapshot.source.open()) };
    this.entries = [];
  }

  async prepareInstall(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>): Promise<PreparedInstall> {
    const data = await gather(chunks);
    return {
      commit: async () => {
        this.snap = { meta, data };
        this.entries = [];
      },
      abort: async () => undefined,
    };
  }

  async compact(index: number): Promise<void> {
    let i = 0;
    while (i < this.entries.length && this.entries[i].index <= index) i++;
    if (i) this.entries = this.entries.slice(i);
  }

  async readSnapshot(): Promise<Snapshot | undefined> {
    return this.snap;
  }

  async close(): Promise<void> {}
}

async function gather(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}
