// Linearizability of a history of register operations, per key.
import type { KvOp, KvResult } from './register-model.js';

/** One client operation as observed by the client. ret = Infinity when the outcome is unknown. */
export interface HistoryOp {
  id: number;
  call: number;
  ret: number;
  op: KvOp;
  /** undefined when the outcome is unknown. */
  out?: KvResult;
}

type State = string | null;

function step(state: State, h: HistoryOp): [boolean, State] {
  const op = h.op;
  const unknown = h.out === undefined;
  switch (op.k) {
    case 'put':
      return [unknown || h.out === 'ok', op.value];
    case 'cas':
      if (state === op.from) return [unknown || h.out === true, op.to];
      return [unknown || h.out === false, state];
    case 'get':
      return [unknown || h.out === state, state];
  }
}

interface Node {
  kind: 'call' | 'ret';
  op: HistoryOp;
  idx: number;
  match?: Node; // call -> its return
  prev?: Node;
  next?: Node;
}

export type CheckResult = { ok: true } | { ok: false; key: string; ops: HistoryOp[] } | { ok: 'unknown'; key: string };

/**
 * Wing & Gong linearizability search with Lowe's memoization (as in Porcupine), per key: the register of
 * each key is independent, so the history is partitioned first.
 */
export function checkLinearizable(history: HistoryOp[], maxSteps = 2_000_000): CheckResult {
  const byKey = new Map<string, HistoryOp[]>();
  for (const h of history) {
    const list = byKey.get(h.op.key) ?? [];
    list.push(h);
    byKey.set(h.op.key, list);
  }
  for (const [key, ops] of byKey) {
    const r = checkOne(ops, maxSteps);
    if (r === 'unknown') return { ok: 'unknown', key };
    if (!r) return { ok: false, key, ops };
  }
  return { ok: true };
}

function checkOne(ops: HistoryOp[], maxSteps: number): boolean | 'unknown' {
  const events: Node[] = [];
  ops.forEach((op, idx) => {
    const c: Node = { kind: 'call', op, idx };
    const r: Node = { kind: 'ret', op, idx };
    c.match = r;
    events.push(c, r);
  });
  const time = (n: Node) => (n.kind === 'call' ? n.op.call : n.op.ret);
  // Calls sort before returns at the same instant: operations that touch are treated as concurrent.
  events.sort((a, b) => time(a) - time(b) || (a.kind === b.kind ? 0 : a.kind === 'call' ? -1 : 1));
  const head: Node = { kind: 'ret', op: ops[0], idx: -1 };
  let prev = head;
  for (const e of events) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }
  const lift = (c: Node) => {
    c.prev!.next = c.next;
    if (c.next) c.next.prev = c.prev;
    const r = c.match!;
    r.prev!.next = r.next;
    if (r.next) r.next.prev = r.prev;
  };
  const unlift = (c: Node) => {
    const r = c.match!;
    r.prev!.next = r;
    if (r.next) r.next.prev = r;
    c.prev!.next = c;
    if (c.next) c.next.prev = c;
  };
  const words = Math.ceil(ops.length / 32) || 1;
  const bits = new Uint32Array(words);
  const cache = new Set<string>();
  const stack: { node: Node; state: State }[] = [];
  let state: State = null;
  let entry = head.next;
  let steps = 0;
  while (head.next) {
    if (++steps > maxSteps) return 'unknown';
    if (!entry) return false;
    if (entry.kind === 'call') {
      const [ok, next] = step(state, entry.op);
      if (ok) {
        bits[entry.idx >> 5] |= 1 << (entry.idx & 31);
        const key = bits.join(',') + '|' + String(next);
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ node: entry, state });
          state = next;
          lift(entry);
          entry = head.next;
          continue;
        }
        bits[entry.idx >> 5] &= ~(1 << (entry.idx & 31));
      }
      entry = entry.next;
    } else {
      const top = stack.pop();
      if (!top) return false;
      state = top.state;
      bits[top.node.idx >> 5] &= ~(1 << (top.node.idx & 31));
      unlift(top.node);
      entry = top.node.next;
    }
  }
  return true;
}
