import type { StateMachine } from '../../src/raft-node.js';
import { KvStore, type KvOp, type KvResult } from './kv.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * The replicated key/value store as the driver sees it. `check` sees every entry before it applies
 * (in-order apply and state machine safety are checked there). The snapshot carries the applied index,
 * so the order check continues across a restore.
 */
export class SimFsm implements StateMachine {
  kv = new KvStore();
  applied = 0;

  constructor(private readonly check: (e: { index: number; term: number; data: Uint8Array }, appliedBefore: number) => void) {}

  apply(e: { index: number; term: number; data: Uint8Array }): KvResult {
    this.check(e, this.applied);
    this.applied = e.index;
    const cmd = JSON.parse(dec.decode(e.data)) as { op: KvOp };
    return this.kv.apply(cmd.op);
  }

  snapshot(): Uint8Array {
    return enc.encode(JSON.stringify({ applied: this.applied, kv: [...this.kv.data] }));
  }

  restore(data: Uint8Array): void {
    const s = JSON.parse(dec.decode(data)) as { applied: number; kv: [string, string][] };
    this.applied = s.applied;
    this.kv.data = new Map(s.kv);
  }
}
