import type { RaftStorage, StoredState } from '../../src/storage.js';
import type { Entry, HardState, Snapshot } from '../../src/types.js';
import type { Scheduler } from './scheduler.js';

/** What survives a crash: the simulated disk of one node, shared by its successive incarnations. */
export interface Disk {
  hs?: HardState;
  snap?: Snapshot;
  entries: Entry[];
}

export interface DiskHooks {
  /** Virtual milliseconds the next write takes (its fsync included). */
  latency(): number;
  /** Sees every batch of entries the driver writes, before it is written (log matching is checked here). */
  appending(entries: Entry[], disk: Disk): void;
  snapshotSaved(): void;
}

export function persistEntries(d: Disk, ents: Entry[]): void {
  if (!ents.length) return;
  const first = ents[0].index;
  while (d.entries.length && d.entries[d.entries.length - 1].index >= first) d.entries.pop();
  for (const e of ents) d.entries.push(e);
}

/**
 * RaftStorage over a Disk for one incarnation of a node. Writes take virtual time, so the driver runs
 * with writes in flight (its pipelining is exercised) and a crash can catch one: a clean crash loses
 * it, a torn crash keeps a prefix of its entries and nothing else. Snapshot writes are all or nothing,
 * as DiskStorage's rename is.
 */
export class SimStorage implements RaftStorage {
  private dead = false;
  private inFlight: Entry[] | undefined;

  constructor(
    private readonly disk: Disk,
    private readonly sched: Scheduler,
    private readonly hooks: DiskHooks,
  ) {}

  private later(write: () => void): Promise<void> {
    return new Promise((resolve) => {
      this.sched.at(this.sched.now + this.hooks.latency(), () => {
        if (this.dead) return; // the process is gone: the caller never hears back
        write();
        resolve();
      });
    });
  }

  async load(): Promise<StoredState> {
    const d = this.disk;
    const after = d.snap?.meta.index ?? 0;
    return { hardState: d.hs && { ...d.hs }, snapshot: d.snap, entries: d.entries.filter((e) => e.index > after) };
  }

  append(entries: Entry[], hardState: HardState | undefined, _sync: boolean): Promise<void> {
    this.hooks.appending(entries, this.disk);
    this.inFlight = entries;
    return this.later(() => {
      this.inFlight = undefined;
      persistEntries(this.disk, entries);
      if (hardState) this.disk.hs = { ...hardState };
    });
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.later(() => {
      if (!this.disk.snap || snapshot.meta.index > this.disk.snap.meta.index) this.disk.snap = snapshot;
      this.hooks.snapshotSaved();
    });
  }

  installSnapshot(snapshot: Snapshot): Promise<void> {
    return this.later(() => {
      this.disk.snap = snapshot;
      this.disk.entries = [];
    });
  }

  compact(index: number): Promise<void> {
    return this.later(() => {
      this.disk.entries = this.disk.entries.filter((e) => e.index > index);
    });
  }

  async readSnapshot(): Promise<Snapshot | undefined> {
    return this.disk.snap;
  }

  async close(): Promise<void> {}

  /** The process dies. With `keep`, that many entries of a write in flight reach the disk (a torn write). Returns the write's size. */
  crash(keep: (inFlight: number) => number): { kept: number; of: number } | undefined {
    this.dead = true;
    const w = this.inFlight;
    this.inFlight = undefined;
    if (!w) return undefined;
    const k = keep(w.length);
    if (k > 0) persistEntries(this.disk, w.slice(0, k));
    return { kept: k, of: w.length };
  }
}
