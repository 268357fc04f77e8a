import type { Entry, HardState, Snapshot, SnapshotMeta } from './types.js';

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
  /**
   * Optional: stores a snapshot whose bytes arrive as a stream (StateMachine.snapshot() returning an
   * AsyncIterable), without holding them all. Resolves false when a newer snapshot was stored meanwhile
   * (e.g. installed from the leader), in which case this one is dropped. Without it the node gathers the
   * chunks and calls saveSnapshot.
   */
  saveSnapshotStream?(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>): Promise<boolean>;
  /** A snapshot received from the leader replaces the whole log. */
  installSnapshot(snapshot: Snapshot): Promise<void>;
  /** May drop entries up to and including index (they are in a saved snapshot). */
  compact(index: number): Promise<void>;
  /** The stored snapshot's bytes, for sending to a follower. */
  readSnapshot(): Promise<Snapshot | undefined>;
  close(): Promise<void>;
}
