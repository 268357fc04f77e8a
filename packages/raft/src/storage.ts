import type { Entry, HardState, Snapshot } from './types.js';

/** What a node finds in storage when it starts. */
export interface StoredState {
  hardState?: HardState;
  /** The newest snapshot, with its bytes. */
  snapshot?: Snapshot;
  /** Entries after the snapshot, contiguous. */
  entries: Entry[];
}

/**
 * Durable state for one node. The driver calls these in Ready order and awaits each: a resolved
 * `append(…, sync = true)` means the bytes are on stable storage.
 */
export interface RaftStorage {
  load(): Promise<StoredState>;
  /** Appends entries (an entry at an existing index replaces it and everything after) and the hard state. */
  append(entries: Entry[], hardState: HardState | undefined, sync: boolean): Promise<void>;
  /** Stores a snapshot durably (the previous one is replaced atomically). */
  saveSnapshot(snapshot: Snapshot): Promise<void>;
  /** A snapshot received from the leader replaces the whole log. */
  installSnapshot(snapshot: Snapshot): Promise<void>;
  /** May drop entries up to and including index (they are in a saved snapshot). */
  compact(index: number): Promise<void>;
  /** The stored snapshot's bytes, for sending to a follower. */
  readSnapshot(): Promise<Snapshot | undefined>;
  close(): Promise<void>;
}
