// /v1/txn for KV: the whole transaction is ONE log command, applied at one index, all or nothing. Apply runs
// the operations first on an overlay (a dry run); only if none fails are they run again on the live table,
// which then cannot fail. Errors are collected for every operation, as Consul does, not just the first.

import { isCommandFailure } from '@conclave/catalog';
import { liveView, lockKey, overlayView, setKey, unlockKey } from './kv-locks.js';
import type { KvView } from './kv-locks.js';
import type { KvEntry, KvState } from '@conclave/kv';
import type { SessionState } from './session-state.js';

export const TXN_VERBS = [
  'set',
  'cas',
  'lock',
  'unlock',
  'get',
  'get-tree',
  'check-index',
  'check-session',
  'check-not-exists',
  'delete',
  'delete-tree',
  'delete-cas',
] as const;

export type TxnVerb = (typeof TXN_VERBS)[number];

/** Verbs that only read: a transaction made of these alone is served as a query, outside the log. */
export const READ_ONLY_VERBS: ReadonlySet<string> = new Set(['get', 'get-tree', 'check-index', 'check-session', 'check-not-exists']);

export interface KvTxnOp {
  Verb: string;
  Key: string;
  Value: Uint8Array | null;
  /** Canonical decimal uint64. */
  Flags: string;
  /** ModifyIndex for cas, check-index and delete-cas. */
  Index: number;
  Session: string;
}

export interface KvTxnCommand {
  type: 'kv.txn';
  Ops: KvTxnOp[];
  Now: number;
}

export interface TxnError {
  OpIndex: number;
  What: string;
}

/** What apply answers for kv.txn: Results (entries; Value kept only for get/get-tree) or Errors. */
export interface KvTxnResult {
  Results: KvEntry[] | null;
  Errors: TxnError[] | null;
}

export function isKvTxnResult(value: unknown): value is KvTxnResult {
  return typeof value === 'object' && value !== null && 'Results' in value && 'Errors' in value;
}

/** Applies a transaction at `index`: all operations or none. */
export function applyTxn(kv: KvState, sessions: SessionState, ops: readonly KvTxnOp[], index: number): KvTxnResult {
  const dry = runOps(overlayView(kv, index), sessions, ops);
  if (dry.Errors) return dry;
  return runOps(liveView(kv, sessions, index), sessions, ops);
}

/** Runs read-only operations against the table (no writes can happen: callers check READ_ONLY_VERBS). */
export function readTxn(kv: KvState, sessions: SessionState, ops: readonly KvTxnOp[]): KvTxnResult {
  return runOps(overlayView(kv, kv.maxIndex()), sessions, ops);
}

function runOps(view: KvView, sessions: SessionState, ops: readonly KvTxnOp[]): KvTxnResult {
  const results: KvEntry[] = [];
  const errors: TxnError[] = [];
  ops.forEach((op, i) => {
    const what = runKvOp(view, sessions, op, results);
    if (what !== undefined) errors.push({ OpIndex: i, What: what });
  });
  return errors.length > 0 ? { Results: null, Errors: errors } : { Results: results, Errors: null };
}

/** One operation; pushes its results and answers the error text, if any. */
export function runKvOp(view: KvView, sessions: SessionState, op: KvTxnOp, results: KvEntry[]): string | undefined {
  const key = op.Key;
  const q = JSON.stringify(key);
  const withoutValue = (e: KvEntry | undefined) => {
    if (e) results.push({ ...e, Value: null });
  };
  switch (op.Verb) {
    case 'set':
      setKey(view, key, op.Value, op.Flags);
      withoutValue(view.entry(key));
      return undefined;
    case 'cas': {
      const cur = view.entry(key);
      if (op.Index === 0 ? cur !== undefined : cur?.ModifyIndex !== op.Index) return `failed to set key ${q}, index is stale`;
      setKey(view, key, op.Value, op.Flags);
      withoutValue(view.entry(key));
      return undefined;
    }
    case 'lock': {
      const r = lockKey(view, sessions, key, op.Value, op.Flags, op.Session);
      if (isCommandFailure(r)) return r.error;
      if (!r) return `failed to lock key ${q}, lock is already held`;
      withoutValue(view.entry(key));
      return undefined;
    }
    case 'unlock': {
      const r = unlockKey(view, key, op.Value, op.Flags, op.Session);
      if (isCommandFailure(r)) return r.error;
      if (!r) return `failed to unlock key ${q}, lock isn't held, or is held by another session`;
      withoutValue(view.entry(key));
      return undefined;
    }
    case 'get': {
      const e = view.entry(key);
      if (!e) return `key ${q} doesn't exist`;
      results.push(e);
      return undefined;
    }
    case 'get-tree':
      results.push(...view.under(key));
      return undefined;
    case 'check-index': {
      const e = view.entry(key);
      if (!e) return `failed to check index, key ${q} doesn't exist`;
      if (e.ModifyIndex !== op.Index)
        return `failed index check for key ${q}, current modify index ${e.ModifyIndex} != ${op.Index}`;
      withoutValue(e);
      return undefined;
    }
    case 'check-session': {
      const e = view.entry(key);
      if (!e) return `failed to check session, key ${q} doesn't exist`;
      if (e.Session !== op.Session)
        return `failed session check for key ${q}, current session ${JSON.stringify(e.Session)} != ${JSON.stringify(op.Session)}`;
      withoutValue(e);
      return undefined;
    }
    case 'check-not-exists':
      return view.entry(key) ? `key ${q} exists` : undefined;
    case 'delete':
      view.remove(key);
      return undefined;
    case 'delete-tree':
      view.removeTree(key);
      return undefined;
    case 'delete-cas': {
      const cur = view.entry(key);
      if (cur && cur.ModifyIndex !== op.Index) return `failed to delete key ${q}, index is stale`;
      if (cur) view.remove(key);
      return undefined;
    }
    default:
      return `unknown KV verb ${JSON.stringify(op.Verb)}`;
  }
}
