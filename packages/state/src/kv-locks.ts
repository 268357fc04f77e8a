// KV locks (acquire/release) as Consul's state store does them, written once over a KvView so the same code
// serves single commands (on the live table) and transactions (first on an overlay, to roll back cleanly).

import type { CommandFailure } from '@conclave/catalog';
import type { KvEntry, KvState } from '@conclave/kv';
import type { SessionState } from './session-state.js';

/** PUT /v1/kv/<key>?acquire=<session>. `Now` is the proposer's clock (ms) for lock-delay. */
export interface KvLockCommand {
  type: 'kv.lock';
  Key: string;
  Value: Uint8Array | null;
  Flags: string;
  Session: string;
  Now: number;
}

/** PUT /v1/kv/<key>?release=<session>. */
export interface KvUnlockCommand {
  type: 'kv.unlock';
  Key: string;
  Value: Uint8Array | null;
  Flags: string;
  Session: string;
}

/** The KV table as the lock and transaction code sees it: reads, and writes stamped with one index. */
export interface KvView {
  readonly index: number;
  entry(key: string): KvEntry | undefined;
  put(entry: KvEntry): void;
  remove(key: string): void;
  removeTree(prefix: string): void;
  under(prefix: string): KvEntry[];
}

/** Writes go straight to the table (and acquired keys are noted for the session's invalidation). */
export function liveView(kv: KvState, sessions: SessionState, index: number): KvView {
  return {
    index,
    entry: (key) => kv.entry(key),
    put: (e) => {
      kv.putEntry(e, index);
      if (e.Session) sessions.noteHeld(e.Session, e.Key);
    },
    remove: (key) => void kv.removeKey(key, index),
    removeTree: (prefix) => kv.removeTree(prefix, index),
    under: (prefix) => kv.entriesUnder(prefix),
  };
}

/** Writes stay in a private overlay over the table: a dry run that touches nothing. */
export function overlayView(kv: KvState, index: number): KvView {
  const overlay = new Map<string, KvEntry | null>();
  return {
    index,
    entry: (key) => (overlay.has(key) ? (overlay.get(key) ?? undefined) : kv.entry(key)),
    put: (e) => void overlay.set(e.Key, e),
    remove: (key) => void overlay.set(key, null),
    removeTree: (prefix) => {
      for (const e of kv.entriesUnder(prefix)) overlay.set(e.Key, null);
      for (const k of overlay.keys()) if (k.startsWith(prefix)) overlay.set(k, null);
    },
    under: (prefix) => {
      const merged = new Map<string, KvEntry>();
      for (const e of kv.entriesUnder(prefix)) merged.set(e.Key, e);
      for (const [k, e] of overlay) {
        if (!k.startsWith(prefix)) continue;
        if (e) merged.set(k, e);
        else merged.delete(k);
      }
      return [...merged.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((k) => merged.get(k)!);
    },
  };
}

/** A plain set: keeps the holder and LockIndex of a locked key, as Consul does. */
export function setKey(view: KvView, key: string, value: Uint8Array | null, flags: string): void {
  const cur = view.entry(key);
  view.put({
    Key: key,
    Flags: flags,
    Value: value,
    LockIndex: cur?.LockIndex ?? 0,
    Session: cur?.Session ?? '',
    CreateIndex: cur?.CreateIndex ?? view.index,
    ModifyIndex: view.index,
  });
}

/** Acquire: false when another session holds the key; the holder re-acquiring keeps LockIndex. */
export function lockKey(
  view: KvView,
  sessions: SessionState,
  key: string,
  value: Uint8Array | null,
  flags: string,
  session: string,
): boolean | CommandFailure {
  if (!session) return { error: 'missing session' };
  if (!sessions.get(session)) return { error: `invalid session ${JSON.stringify(session)}` };
  const cur = view.entry(key);
  let lockIndex = 1;
  if (cur) {
    if (cur.Session === session) lockIndex = cur.LockIndex;
    else if (cur.Session) return false;
    else lockIndex = cur.LockIndex + 1;
  }
  view.put({
    Key: key,
    Flags: flags,
    Value: value,
    LockIndex: lockIndex,
    Session: session,
    CreateIndex: cur?.CreateIndex ?? view.index,
    ModifyIndex: view.index,
  });
  return true;
}

/** Release: only the holder may; the value and flags are written, the key stays. */
export function unlockKey(
  view: KvView,
  key: string,
  value: Uint8Array | null,
  flags: string,
  session: string,
): boolean | CommandFailure {
  if (!session) return { error: 'missing session' };
  const cur = view.entry(key);
  if (!cur || cur.Session !== session) return false;
  view.put({ ...cur, Flags: flags, Value: value, Session: '', ModifyIndex: view.index });
  return true;
}
