// /v1/txn: several KV operations applied atomically; a rollback (409) is an answer, not an exception.
import type { ConsulHttp } from './consul-http.js';
import { ConsulDecodeError } from './errors.js';
import { decodePairs, type KVPair } from './kv.js';
import type { WriteOptions } from './query.js';
import { toUint64 } from './uint64.js';

export type KVTxnVerb =
  | 'set'
  | 'cas'
  | 'lock'
  | 'unlock'
  | 'get'
  | 'get-tree'
  | 'check-index'
  | 'check-session'
  | 'check-not-exists'
  | 'delete'
  | 'delete-tree'
  | 'delete-cas';

export interface KVTxnOp {
  Verb: KVTxnVerb;
  Key: string;
  /** Raw bytes or text; sent base64-encoded. */
  Value?: string | Uint8Array;
  Flags?: bigint | number | string;
  Index?: bigint | number;
  Session?: string;
}

export interface TxnError {
  OpIndex: number;
  What: string;
}

export interface TxnResult {
  /** false when the agent rolled the transaction back (409). */
  ok: boolean;
  /** KV entries in operation order (writes come back without a Value). */
  results: KVPair[];
  errors: TxnError[];
}

export class TxnApi {
  constructor(private readonly http: ConsulHttp) {}

  async kv(ops: KVTxnOp[], options?: WriteOptions): Promise<TxnResult> {
    const body = ops.map((op) => {
      const kv: Record<string, unknown> = { Verb: op.Verb, Key: op.Key };
      if (op.Value !== undefined) kv.Value = Buffer.from(typeof op.Value === 'string' ? Buffer.from(op.Value, 'utf8') : op.Value).toString('base64');
      // Flags go out as a bare JSON integer: the placeholder is swapped for its exact digits below.
      if (op.Flags !== undefined) kv.Flags = `\u0000${toUint64(op.Flags, 'Flags')}\u0000`;
      if (op.Index !== undefined) kv.Index = `\u0000${toUint64(op.Index, 'Index')}\u0000`;
      if (op.Session !== undefined) kv.Session = op.Session;
      return { KV: kv };
    });
    const json = JSON.stringify(body).replace(/"\\u0000(\d+)\\u0000"/g, '$1');
    const res = await this.http.write('PUT', 'txn', undefined, json, { ...options, acceptStatus: [409] });
    if (!res || typeof res !== 'object') throw new ConsulDecodeError('txn response is not an object');
    const r = res as { Results?: unknown; Errors?: unknown };
    const results = Array.isArray(r.Results) ? decodePairs(r.Results.map((x) => (x as { KV?: unknown })?.KV).filter((x) => x !== undefined)) : [];
    const errors = Array.isArray(r.Errors) ? (r.Errors as TxnError[]) : [];
    return { ok: errors.length === 0, results, errors };
  }
}
