import type { Entry, HardState, Snapshot, SnapshotMeta } from './types.js';

/** A snapshot written to a side file, not yet the stored one (RaftStorage.prepareInstall). */
export interface PreparedInstall {
  /** Makes it the stored snapshot and drops the log behind it, as installSnapshot does: a few fsyncs. */
  commit(): Promise<void>;
  /** Removes the side file. */
  abort(): Promise<void>;
}

/** A stored snapshot read as a stream (RaftStorage.openSnapshot). */
export interface SnapshotStream {
  meta: SnapshotMeta;
  /** Bytes of the state. */
  size: number;
  chunks: AsyncIterable<Uint8Array>;
  /** Releases the file when the chunks are not read to their end (reading them to the end releases it too). */
  close(): Promise<void>;
}

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
  /** A snapshot received from the leader replaces the whole log (its bytes in `data`, or streamed from `source`). */
  installSnapshot(snapshot: Snapshot): Promise<void>;
  /**
   * Optional: the slow half of an installSnapshot, for a restore on the leader (RaftNode.restoreSnapshot):
   * the bytes are written to a side file in the background while the node goes on; commit() then swaps it
   * in quickly, from the node's loop.
   */
  prepareInstall?(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>): Promise<PreparedInstall>;
  /** May drop entries up to and including index (they are in a saved snapshot). */
  compact(index: number): Promise<void>;
  /** The stored snapshot's bytes, for sending to a follower. */
  readSnapshot(): Promise<Snapshot | undefined>;
  /**
   * Optional: the stored snapshot as a stream, for sending to a follower without reading it whole. The
   * chunks throw at the end if the bytes fail their checksum (so a damaged file is never fully sent).
   */
  openSnapshot?(): Promise<SnapshotStream | undefined>;
  close(): Promise<void>;
}
