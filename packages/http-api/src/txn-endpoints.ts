// PUT /v1/txn: KV operations applied as ONE log command (atomic at one index), or, when every operation
// only reads, served as a query with the query headers. 200 {Results, Errors: null}; a rollback is 409
// {Results: null, Errors: [{OpIndex, What}]}; more than 64 operations is 413.

import { isCommandFailure, isPlainObject, getField, typeName } from '@conclave/catalog';
import { READ_ONLY_VERBS, isKvTxnResult, parseUint64, readTxn, uint64ErrorText } from '@conclave/kv';
import type { KvEntry, KvTxnOp, KvTxnResult } from '@conclave/kv';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';
import { encodeKvEntries } from './kv-json.js';

export const MAX_TXN_OPS = 64;

export async function handleTxn(call: ApiCall): Promise<void> {
  if (call.rest !== '') {
    call.text(404, 'Invalid URL path: not a recognized HTTP API endpoint');
    return;
  }
  if (!call.allow('PUT')) return;
  call.checkDatacenter();
  const body = await call.readJson();
  if (!Array.isArray(body)) throw new ApiError(400, `Failed to parse body: expected a list of operations, got ${typeName(body)}`);
  if (body.length > MAX_TXN_OPS)
    throw new ApiError(413, `Transaction contains too many operations (${body.length} > ${MAX_TXN_OPS})`);
  const ops = body.map((raw, i) => decodeOp(raw, i));

  if (ops.every((op) => READ_ONLY_VERBS.has(op.Verb))) {
    const mode = call.consistency();
    if (mode === 'consistent') await call.backend.barrier();
    const state = call.backend.state;
    const result = readTxn(state.kv, state.sessions, ops);
    const status = result.Errors ? 409 : 200;
    call.jsonWithMeta(status, encodeTxnResult(result), state.kv.maxIndex(), mode);
    return;
  }
  const result = await call.backend.write({ type: 'kv.txn', Ops: ops, Now: call.backend.now?.() ?? Date.now() });
  if (isCommandFailure(result)) throw new ApiError(500, result.error);
  if (!isKvTxnResult(result)) throw new ApiError(500, 'transaction was not applied as a transaction');
  call.send(result.Errors ? 409 : 200, 'application/json', encodeTxnResult(result));
}

function decodeOp(raw: unknown, i: number): KvTxnOp {
  if (!isPlainObject(raw)) throw new ApiError(400, `Failed to parse body: operation ${i} is ${typeName(raw)}, not an object`);
  const kv = getField(raw, 'KV');
  if (kv === undefined || kv === null) {
    for (const other of ['Node', 'Service', 'Check', 'Session', 'Intention'])
      if (getField(raw, other) != null)
        throw new ApiError(400, `Operation ${i}: ${other} operations in transactions are not supported by this agent; use KV operations`);
    throw new ApiError(400, `Operation ${i}: no operation specified`);
  }
  if (!isPlainObject(kv)) throw new ApiError(400, `Failed to parse body: operation ${i} KV is ${typeName(kv)}, not an object`);
  const str = (name: string): string => {
    const v = getField(kv, name);
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw new ApiError(400, `Failed to parse body: operation ${i} KV.${name} must be a string`);
    return v;
  };
  const uint = (name: string): string => {
    const v = getField(kv, name);
    if (v === undefined || v === null) return '0';
    const text = typeof v === 'number' && Number.isInteger(v) && v >= 0 ? BigInt(v).toString() : String(v);
    const parsed = parseUint64(text);
    if (parsed === undefined) throw new ApiError(400, `Failed to parse body: operation ${i} KV.${name}: ${uint64ErrorText(text)}`);
    return parsed;
  };
  let value: Uint8Array | null = null;
  const v64 = str('Value');
  if (v64) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v64) || v64.length % 4 === 1)
      throw new ApiError(400, `Failed to parse body: operation ${i} KV.Value is not valid base64`);
    const buf = Buffer.from(v64, 'base64');
    value = buf.length > 0 ? new Uint8Array(buf) : null;
  }
  return {
    Verb: str('Verb'),
    Key: str('Key'),
    Value: value,
    Flags: uint('Flags'),
    Index: Number(uint('Index')),
    Session: str('Session'),
  };
}

/** {Results: [{KV: entry}], Errors} with exact uint64 Flags (entries encoded like the KV endpoint's). */
export function encodeTxnResult(r: KvTxnResult): string {
  const results = r.Results ? '[' + r.Results.map((e: KvEntry) => '{"KV":' + encodeKvEntries([e], false).slice(1, -1) + '}').join(',') + ']' : 'null';
  const errors = r.Errors ? JSON.stringify(r.Errors) : 'null';
  return `{"Results":${results},"Errors":${errors}}`;
}
