/** The simulator's state machine: a key/value register with compare-and-set. */
import type { KvOp, KvResult } from '@conclave/linearizability';

export type { KvOp, KvResult };

export class KvStore {
  data = new Map<string, string>();

  apply(op: KvOp): KvResult {
    switch (op.k) {
      case 'put':
        this.data.set(op.key, op.value);
        return 'ok';
      case 'cas': {
        const cur = this.data.get(op.key) ?? null;
        if (cur !== op.from) return false;
        this.data.set(op.key, op.to);
        return true;
      }
      case 'get':
        return this.data.get(op.key) ?? null;
    }
  }

  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify([...this.data]));
  }

  restore(b: Uint8Array): void {
    this.data = new Map(JSON.parse(new TextDecoder().decode(b)) as [string, string][]);
  }
}
