// The KV table with tombstones, applied deterministically at log indexes. Index rules (Consul's):
// a single key answers its ModifyIndex, a missing key the table index; a list answers the highest
// ModifyIndex among the entries and tombstones under its prefix (so deletes move it), else the table index.
// Locks (acquire/release) are decided in @conclave/state (kv-locks.ts) with the session table; a plain set keeps LockIndex and
// Session, as Consul does.

import { WatchHub, WatchSet } from '@conclave/toolkit';
import type { QueryResult } from '@conclave/catalog';
import type { KvCommand } from './kv-commands.js';
import { SortedKeys } from './sorted-keys.js';

export interface KvEntry {
  Key: string;
  /** Canonical decimal uint64. */
  Flags: string;
  /** null when empty. */
  Value: Uint8Array | null;
  LockIndex: number;
  /** '' when no session holds the key. */
  Session: string;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface KvSnapshot {
  entries: KvEntry[];
  tombstones: Array<[string, number]>;
  tableIndex: number;
}

export const kvKeyTopic = (key: string): string => 'kv.key:' + key;

export class KvState {
  private entries = new Map<string, KvEntry>();
  /** All live keys, sorted, for prefix scans. */
  private sorted = new SortedKeys();
  private tombstones = new Map<string, number>();
  private tableIndex = 0;
  /** Snapshot cursors in progress: each keeps the entries as they were when it began (see snapshotCursor). */
  private cursors = new Set<FrozenKeys>();

  constructor(private readonly hub: WatchHub = new WatchHub()) {}

  apply(cmd: KvCommand, index: number): boolean {
    switch (cmd.type) {
      case 'kv.set':
        this.set(cmd.Key, cmd.Value, cmd.Flags, index);
        return true;
      case 'kv.cas': {
        const cur = this.entries.get(cmd.Key);
        if (cmd.Index === 0 ? cur !== undefined : cur?.ModifyIndex !== cmd.Index) return false;
        this.set(cmd.Key, cmd.Value, cmd.Flags, index);
        return true;
      }
      case 'kv.delete':
        this.delete(cmd.Key, index);
        return true;
      case 'kv.delete-cas': {
        const cur = this.entries.get(cmd.Key);
        if (!cur) return true;
        if (cur.ModifyIndex !== cmd.Index) return false;
        this.delete(cmd.Key, index);
        return true;
      }
      case 'kv.delete-tree':
        this.deleteTree(cmd.Key, index);
        return true;
      case 'kv.reap-tombstones':
        for (const [k, i] of [...this.tombstones]) if (i <= cmd.ReapIndex) this.tombstones.delete(k);
        return true;
      default:
        return false;
    }
  }

  private set(key: string, value: Uint8Array | null, flags: string, index: number): void {
    const cur = this.entries.get(key);
    const entry: KvEntry = {
      Key: key,
      Flags: flags,
      Value: value && value.length > 0 ? ownBytes(value) : null,
      LockIndex: cur?.LockIndex ?? 0,
      Session: cur?.Session ?? '',
      CreateIndex: cur?.CreateIndex ?? index,
      ModifyIndex: index,
    };
    if (!cur) this.sorted.insert(key);
    else if (this.cursors.size) this.preserve(key, cur);
    this.entries.set(key, entry);
    this.tableIndex = index;
    this.hub.notifyKey(kvKeyTopic(key), key);
  }

  private delete(key: string, index: number): void {
    const cur = this.entries.get(key);
    if (!cur) return;
    if (this.cursors.size) this.preserve(key, cur);
    this.entries.delete(key);
    this.sorted.remove(key);
    this.tombstones.set(key, index);
    this.tableIndex = index;
    this.hub.notifyKey(kvKeyTopic(key), key);
  }

  private deleteTree(prefix: string, index: number): void {
    const removed = this.sorted.withPrefix(prefix);
    if (removed.length === 0) return;
    for (const key of removed) {
      this.sorted.remove(key);
      if (this.cursors.size) this.preserve(key, this.entries.get(key)!);
      this.entries.delete(key);
      this.tombstones.set(key, index);
    }
    this.tableIndex = index;
    for (const key of removed) this.hub.notifyTopic(kvKeyTopic(key));
    this.hub.notifyTree(prefix);
  }

  // ---- primitives for locks, session invalidation and transactions (kv-ops.ts decides, these store) ----

  /** The stored entry for key (read it, never mutate it). */
  entry(key: string): KvEntry | undefined {
    return this.entries.get(key);
  }

  /** Stores a whole entry as given (its ModifyIndex should be `index`) and wakes the key's watchers. */
  putEntry(entry: KvEntry, index: number): void {
    const value = entry.Value;
    const stored: KvEntry = { ...entry, Value: value && value.length > 0 ? ownBytes(value) : null };
    const cur = this.entries.get(entry.Key);
    if (!cur) this.sorted.insert(entry.Key);
    else if (this.cursors.size) this.preserve(entry.Key, cur);
    this.entries.set(entry.Key, stored);
    this.tableIndex = index;
    this.hub.notifyKey(kvKeyTopic(entry.Key), entry.Key);
  }

  /** Deletes one key (leaving a tombstone); false when it did not exist. */
  removeKey(key: string, index: number): boolean {
    if (!this.entries.has(key)) return false;
    this.delete(key, index);
    return true;
  }

  /** Deletes every key with the prefix. */
  removeTree(prefix: string, index: number): void {
    this.deleteTree(prefix, index);
  }

  /** Live entries whose key starts with prefix, sorted, without registering a watch. */
  entriesUnder(prefix: string): KvEntry[] {
    return this.sorted.withPrefix(prefix).map((k) => this.entries.get(k)!);
  }

  // ---- queries; returned entries are the stored records: read them, never mutate them ----

  /** GET /v1/kv/:key. */
  get(key: string, ws?: WatchSet): QueryResult<KvEntry | undefined> {
    ws?.addTopic(kvKeyTopic(key));
    const e = this.entries.get(key);
    return { index: e ? e.ModifyIndex : this.tableIndex, value: e };
  }

  /** GET /v1/kv/:prefix?recurse: sorted by key. */
  list(prefix: string, ws?: WatchSet): QueryResult<KvEntry[]> {
    ws?.addPrefix(prefix);
    const under = this.sorted.withPrefix(prefix);
    const out: KvEntry[] = [];
    let max = 0;
    for (let i = 0; i < under.length; i++) {
      const e = this.entries.get(under[i]!)!;
      out.push(e);
      if (e.ModifyIndex > max) max = e.ModifyIndex;
    }
    return { index: this.listIndex(prefix, max), value: out };
  }

  /** GET /v1/kv/:prefix?keys[&separator=]: keys cut after the first separator past the prefix, de-duplicated. */
  keys(prefix: string, separator: string, ws?: WatchSet): QueryResult<string[]> {
    ws?.addPrefix(prefix);
    const under = this.sorted.withPrefix(prefix);
    const out: string[] = [];
    let max = 0;
    let last: string | undefined;
    for (let i = 0; i < under.length; i++) {
      const key = under[i]!;
      const e = this.entries.get(key)!;
      if (e.ModifyIndex > max) max = e.ModifyIndex;
      if (separator) {
        const at = key.indexOf(separator, prefix.length);
        if (at >= 0) {
          const cut = key.slice(0, at + separator.length);
          if (cut !== last) out.push(cut);
          last = cut;
          continue;
        }
      }
      out.push(key);
      last = key;
    }
    return { index: this.listIndex(prefix, max), value: out };
  }

  private listIndex(prefix: string, entriesMax: number): number {
    if (prefix === '') return this.tableIndex;
    let max = entriesMax;
    for (const [k, i] of this.tombstones) if (i > max && k.startsWith(prefix)) max = i;
    return max === 0 ? this.tableIndex : max;
  }

  /**
   * The highest ModifyIndex among the entries and tombstones under `prefix` whose key `keep` accepts; 0 when
   * none. A list filtered by ACLs answers this instead of the table's index, so a write the caller cannot read
   * neither wakes its blocking query nor shows in X-Consul-Index (docs/acl.md).
   */
  indexUnder(prefix: string, keep: (key: string) => boolean): number {
    let max = 0;
    for (const key of this.sorted.withPrefix(prefix)) {
      const i = this.entries.get(key)!.ModifyIndex;
      if (i > max && keep(key)) max = i;
    }
    for (const [key, i] of this.tombstones) if (i > max && key.startsWith(prefix) && keep(key)) max = i;
    return max;
  }

  /** Highest index the KV table (entries and tombstones) has reached. */
  maxIndex(): number {
    return this.tableIndex;
  }

  /** Number of live keys and tombstones (for metrics and the reaper). */
  stats(): { keys: number; tombstones: number } {
    return { keys: this.entries.size, tombstones: this.tombstones.size };
  }

  snapshot(): KvSnapshot {
    return {
      entries: this.sorted.toArray().map((k) => this.entries.get(k)!),
      tombstones: [...this.tombstones],
      tableIndex: this.tableIndex,
    };
  }

  /**
   * A point-in-time view of the table that can be read a batch at a time while applies go on, so a
   * snapshot of a million keys never blocks the event loop for its whole length. Taking it copies only
   * the list of key chunks (SortedKeys.freeze: a chunk is copied when a change first touches it); entries
   * are immutable records, so a later change only has to keep the record it replaces (copy-on-write, in
   * preserve()). Close it when done, or every change keeps paying for it.
   */
  snapshotCursor(): KvCursor {
    const frozen: FrozenKeys = { before: new Map() };
    const keys = this.sorted.freeze();
    const tombstones = [...this.tombstones];
    const tableIndex = this.tableIndex;
    // After a restore swaps in a new Map, this one is never changed again, so reading it stays consistent.
    const source = this.entries;
    this.cursors.add(frozen);
    let at = 0;
    let chunk = 0;
    let offset = 0;
    return {
      tombstones,
      tableIndex,
      size: keys.size,
      next: (max: number): KvEntry[] | undefined => {
        if (at >= keys.size) return undefined;
        const n = Math.min(keys.size - at, max);
        const out: KvEntry[] = new Array(n);
        for (let i = 0; i < n; i++) {
          let c = keys.chunks[chunk]!;
          while (offset >= c.length) {
            c = keys.chunks[++chunk]!;
            offset = 0;
          }
          const k = c[offset++]!;
          out[i] = frozen.before.get(k) ?? source.get(k)!;
        }
        at += n;
        return out;
      },
      close: () => {
        this.cursors.delete(frozen);
      },
    };
  }

  /** Keeps the record a change replaces for every open cursor that has not kept one for this key yet. */
  private preserve(key: string, cur: KvEntry): void {
    for (const c of this.cursors) if (!c.before.has(key)) c.before.set(key, cur);
  }

  restore(s: KvSnapshot): void {
    const b = this.restoreBuilder(s.tombstones, s.tableIndex);
    b.add(s.entries);
    b.commit();
  }

  /**
   * Builds a replacement table a batch at a time (a streamed snapshot) and swaps it in at commit(), so
   * readers see the old table until the new one is whole. Entries arriving in key order (as snapshots
   * write them) need no sort; otherwise commit() sorts once.
   */
  restoreBuilder(tombstones: Array<[string, number]>, tableIndex: number): KvRestoreBuilder {
    const entries = new Map<string, KvEntry>();
    const sorted: string[] = [];
    const held: KvEntry[] = [];
    let inOrder = true;
    return {
      add: (batch: readonly KvEntry[]) => {
        for (const e of batch) {
          const v = e.Value;
          if (entries.has(e.Key)) continue;
          if (inOrder && sorted.length && !(sorted[sorted.length - 1]! < e.Key)) inOrder = false;
          sorted.push(e.Key);
          // Copy each value out of the snapshot buffer so the snapshot itself is not retained.
          const stored = { ...e, Value: v && v.length > 0 ? new Uint8Array(v) : null };
          entries.set(e.Key, stored);
          if (stored.Session) held.push(stored);
        }
      },
      commit: () => {
        if (!inOrder) sorted.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        this.entries = entries;
        this.sorted = SortedKeys.fromSorted(sorted);
        this.tombstones = new Map(tombstones);
        this.tableIndex = tableIndex;
        // Open cursors read the old Map, which nothing changes from now on: no need to preserve for them.
        this.cursors.clear();
        return held;
      },
    };
  }
}

interface FrozenKeys {
  before: Map<string, KvEntry>;
}

/** See KvState.snapshotCursor. */
export interface KvCursor {
  readonly tombstones: Array<[string, number]>;
  readonly tableIndex: number;
  /** Number of live keys in the view. */
  readonly size: number;
  /** Up to max entries in key order, or undefined at the end. */
  next(max: number): KvEntry[] | undefined;
  close(): void;
}

/** See KvState.restoreBuilder. */
export interface KvRestoreBuilder {
  add(batch: readonly KvEntry[]): void;
  /** Swaps the table in; answers the entries a session holds (so sessions need not scan every key). */
  commit(): KvEntry[];
}

/** The value itself when it owns its buffer, else a copy: a view into a log frame or socket read buffer
 * would keep the whole buffer alive as long as the key lives. */
function ownBytes(value: Uint8Array): Uint8Array {
  return value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : new Uint8Array(value);
}

/** The KV table as readers see it: queries only, nothing that changes it. */
export type KvReader = Pick<KvState, 'entry' | 'entriesUnder' | 'get' | 'list' | 'keys' | 'maxIndex' | 'indexUnder'>;
