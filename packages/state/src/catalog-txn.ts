// /v1/txn with Node, Service, Check and Session operations beside KV ones (Consul 1.4+). The catalog has no
// overlay, so such a transaction runs live and, if any operation fails, every table is put back from a copy
// taken before it started (records are never mutated in place, so the copy is cheap: arrays of references).
// KV-only transactions keep the cheaper overlay path of txn.ts.

import { isCommandFailure } from '@conclave/catalog';
import type {
  CatalogState,
  CheckInput,
  CheckRecord,
  NodeRecord,
  ServiceInput,
  ServiceRecord,
} from '@conclave/catalog';
import { liveView } from './kv-locks.js';
import type { KvEntry, KvState } from '@conclave/kv';
import type { SessionState } from './session-state.js';
import { READ_ONLY_VERBS, runKvOp } from './txn.js';
import type { KvTxnOp, TxnError } from './txn.js';

export interface NodeTxnOp {
  Verb: string;
  Node: {
    ID: string;
    Node: string;
    Address: string;
    Datacenter: string;
    TaggedAddresses: Record<string, string> | null;
    Meta: Record<string, string> | null;
    ModifyIndex: number;
  };
}

export interface ServiceTxnOp {
  Verb: string;
  Node: string;
  Service: ServiceInput & { ModifyIndex: number };
}

export interface CheckTxnOp {
  Verb: string;
  Check: CheckInput & { Node: string; ModifyIndex: number };
}

export interface SessionTxnOp {
  Verb: string;
  Session: { ID: string };
}

/** One operation: exactly one of the keys is set. */
export interface TxnOp {
  KV?: KvTxnOp;
  Node?: NodeTxnOp;
  Service?: ServiceTxnOp;
  Check?: CheckTxnOp;
  Session?: SessionTxnOp;
}

export interface TxnCommand {
  type: 'txn';
  Ops: TxnOp[];
  Now: number;
}

export type TxnResultItem = { KV: KvEntry } | { Node: NodeRecord } | { Service: ServiceRecord } | { Check: CheckRecord };

/** What apply answers for a mixed transaction. */
export interface TxnResult {
  Results: TxnResultItem[] | null;
  Errors: TxnError[] | null;
}

interface Tables {
  kv: KvState;
  catalog: CatalogState;
  sessions: SessionState;
}

/** Verbs that only read, per operation kind: a transaction of these alone is served as a query. */
export function isReadOnlyTxnOp(op: TxnOp): boolean {
  if (op.KV) return READ_ONLY_VERBS.has(op.KV.Verb);
  const verb = op.Node?.Verb ?? op.Service?.Verb ?? op.Check?.Verb;
  return verb === 'get';
}

/** Runs read-only operations against the tables (callers check isReadOnlyTxnOp first). */
export function readMixedTxn(t: Tables, ops: readonly TxnOp[]): TxnResult {
  return run(t, ops, t.kv.maxIndex(), undefined);
}

/** Applies a mixed transaction at `index`, all or nothing. */
export function applyMixedTxn(t: Tables, ops: readonly TxnOp[], index: number, now?: number): TxnResult {
  const saved = { kv: t.kv.snapshot(), catalog: t.catalog.snapshot(), sessions: t.sessions.snapshot() };
  const result = run(t, ops, index, now);
  if (result.Errors) {
    t.kv.restore(saved.kv);
    t.catalog.restore(saved.catalog);
    t.sessions.restore(saved.sessions);
  }
  return result;
}

function run(t: Tables, ops: readonly TxnOp[], index: number, now: number | undefined): TxnResult {
  const results: TxnResultItem[] = [];
  const errors: TxnError[] = [];
  const view = liveView(t.kv, t.sessions, index);
  const touchedNodes = new Set<string>();
  ops.forEach((op, i) => {
    let what: string | undefined;
    if (op.KV) {
      const kvResults: KvEntry[] = [];
      what = runKvOp(view, t.sessions, op.KV, kvResults);
      for (const e of kvResults) results.push({ KV: e });
    } else if (op.Node) what = nodeOp(t.catalog, op.Node, index, results, touchedNodes);
    else if (op.Service) what = serviceOp(t.catalog, op.Service, index, results, touchedNodes);
    else if (op.Check) what = checkOp(t.catalog, op.Check, index, results, touchedNodes);
    else if (op.Session) what = sessionOp(t.sessions, op.Session, index, now);
    else what = 'no operation specified';
    if (what !== undefined) errors.push({ OpIndex: i, What: what });
  });
  if (errors.length > 0) return { Results: null, Errors: errors };
  // Sessions bound to checks or nodes this transaction made critical or removed go now, as after any catalog write.
  for (const node of touchedNodes) t.sessions.checkNode(node, index);
  return { Results: results, Errors: null };
}

function nodeOp(c: CatalogState, op: NodeTxnOp, index: number, out: TxnResultItem[], touched: Set<string>): string | undefined {
  const n = op.Node;
  const q = JSON.stringify(n.Node);
  const cur = c.getNode(n.Node);
  const register = (): string | undefined => {
    const r = c.apply(
      { type: 'catalog.register', Node: n.Node, ID: n.ID, Address: n.Address, Datacenter: n.Datacenter, TaggedAddresses: n.TaggedAddresses, NodeMeta: n.Meta },
      index,
    );
    if (isCommandFailure(r)) return r.error;
    touched.add(n.Node);
    out.push({ Node: c.getNode(n.Node)! });
    return undefined;
  };
  switch (op.Verb) {
    case 'get':
      if (!cur) return `node ${q} doesn't exist`;
      out.push({ Node: cur });
      return undefined;
    case 'set':
      return register();
    case 'cas':
      if (n.ModifyIndex === 0 ? cur !== undefined : cur?.ModifyIndex !== n.ModifyIndex) return `failed to set node ${q}, index is stale`;
      return register();
    case 'delete':
    case 'delete-cas': {
      if (op.Verb === 'delete-cas' && cur && cur.ModifyIndex !== n.ModifyIndex) return `failed to delete node ${q}, index is stale`;
      const r = c.apply({ type: 'catalog.deregister', Node: n.Node }, index);
      if (isCommandFailure(r)) return r.error;
      touched.add(n.Node);
      return undefined;
    }
    default:
      return `unknown Node verb ${JSON.stringify(op.Verb)}`;
  }
}

function serviceOp(c: CatalogState, op: ServiceTxnOp, index: number, out: TxnResultItem[], touched: Set<string>): string | undefined {
  const s = op.Service;
  const id = s.ID || s.Service;
  const where = `service ${JSON.stringify(id)} on node ${JSON.stringify(op.Node)}`;
  const cur = c.getService(op.Node, id);
  const register = (): string | undefined => {
    const node = c.getNode(op.Node);
    if (!node) return 'Missing node registration';
    const { ModifyIndex: _ignored, ...svc } = s;
    const r = c.apply({ type: 'catalog.register', Node: op.Node, Address: node.Address, SkipNodeUpdate: true, Service: { ...svc, ID: id } }, index);
    if (isCommandFailure(r)) return r.error;
    touched.add(op.Node);
    out.push({ Service: c.getService(op.Node, id)! });
    return undefined;
  };
  switch (op.Verb) {
    case 'get':
      if (!cur) return `${where} doesn't exist`;
      out.push({ Service: cur });
      return undefined;
    case 'set':
      return register();
    case 'cas':
      if (s.ModifyIndex === 0 ? cur !== undefined : cur?.ModifyIndex !== s.ModifyIndex) return `failed to set ${where}, index is stale`;
      return register();
    case 'delete':
    case 'delete-cas': {
      if (op.Verb === 'delete-cas' && cur && cur.ModifyIndex !== s.ModifyIndex) return `failed to delete ${where}, index is stale`;
      const r = c.apply({ type: 'catalog.deregister', Node: op.Node, ServiceID: id }, index);
      if (isCommandFailure(r)) return r.error;
      touched.add(op.Node);
      return undefined;
    }
    default:
      return `unknown Service verb ${JSON.stringify(op.Verb)}`;
  }
}

function checkOp(c: CatalogState, op: CheckTxnOp, index: number, out: TxnResultItem[], touched: Set<string>): string | undefined {
  const k = op.Check;
  const id = k.CheckID || k.Name;
  const where = `check ${JSON.stringify(id)} on node ${JSON.stringify(k.Node)}`;
  const cur = c.getCheck(k.Node, id);
  const register = (): string | undefined => {
    const node = c.getNode(k.Node);
    if (!node) return 'Missing node registration';
    const { ModifyIndex: _ignored, ...check } = k;
    const r = c.apply({ type: 'catalog.register', Node: k.Node, Address: node.Address, SkipNodeUpdate: true, Check: { ...check, CheckID: id } }, index);
    if (isCommandFailure(r)) return r.error;
    touched.add(k.Node);
    out.push({ Check: c.getCheck(k.Node, id)! });
    return undefined;
  };
  switch (op.Verb) {
    case 'get':
      if (!cur) return `${where} doesn't exist`;
      out.push({ Check: cur });
      return undefined;
    case 'set':
      return register();
    case 'cas':
      if (k.ModifyIndex === 0 ? cur !== undefined : cur?.ModifyIndex !== k.ModifyIndex) return `failed to set ${where}, index is stale`;
      return register();
    case 'delete':
    case 'delete-cas': {
      if (op.Verb === 'delete-cas' && cur && cur.ModifyIndex !== k.ModifyIndex) return `failed to delete ${where}, index is stale`;
      const r = c.apply({ type: 'catalog.deregister', Node: k.Node, CheckID: id }, index);
      if (isCommandFailure(r)) return r.error;
      touched.add(k.Node);
      return undefined;
    }
    default:
      return `unknown Check verb ${JSON.stringify(op.Verb)}`;
  }
}

function sessionOp(s: SessionState, op: SessionTxnOp, index: number, now: number | undefined): string | undefined {
  if (op.Verb !== 'delete') return `unknown Session verb ${JSON.stringify(op.Verb)}`;
  if (!op.Session.ID) return 'failed to delete session: missing session ID';
  s.invalidate(op.Session.ID, index, now);
  return undefined;
}
