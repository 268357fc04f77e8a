// PUT /v1/txn: KV operations applied as ONE log command (atomic at one index), or, when every operation
// only reads, served as a query with the query headers. 200 {Results, Errors: null}; a rollback is 409
// {Results: null, Errors: [{OpIndex, What}]}; more than 64 operations is 413.

import {
  DecodeError,
  expectString,
  expectStringMap,
  getField,
  goJsonStringify,
  isPlainObject,
  parseUint64,
  typeName,
  uint64ErrorText,
} from '@conclave/toolkit';
import { authorizeTxn } from './txn-acl.js';
import { decodeCheckInput, decodeServiceInput, isCommandFailure } from '@conclave/catalog';
import { READ_ONLY_VERBS, isKvTxnResult, isReadOnlyTxnOp } from '@conclave/state';
import type { KvEntry } from '@conclave/kv';
import type { KvTxnOp, KvTxnResult, TxnOp, TxnResult, TxnResultItem } from '@conclave/state';
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
  const body = await call.readJson(quoteUint64Fields);
  if (!Array.isArray(body)) throw new ApiError(400, `Failed to parse body: expected a list of operations, got ${typeName(body)}`);
  if (body.length > MAX_TXN_OPS)
    throw new ApiError(413, `Transaction contains too many operations (${body.length} > ${MAX_TXN_OPS})`);
  const all = body.map((raw, i) => decodeOp(raw, i));
  await authorizeTxn(call, all);
  if (!all.every((op) => op.KV)) return mixed(call, all);
  const ops = all.map((op) => op.KV!);

  if (ops.every((op) => READ_ONLY_VERBS.has(op.Verb))) {
    const mode = call.consistency();
    if (mode === 'consistent') await call.backend.log.barrier();
    const state = call.backend.state;
    const result = state.readKvTxn(ops);
    const status = result.Errors ? 409 : 200;
    call.jsonWithMeta(status, encodeTxnResult(result), state.kv.maxIndex(), mode);
    return;
  }
  const result = (await call.backend.log.propose({ type: 'kv.txn', Ops: ops, Now: call.backend.now?.() ?? Date.now() })).result;
  if (isCommandFailure(result)) throw new ApiError(500, result.error);
  if (!isKvTxnResult(result)) throw new ApiError(500, 'transaction was not applied as a transaction');
  call.send(result.Errors ? 409 : 200, 'application/json', encodeTxnResult(result));
}

/** Transactions with Node, Service, Check or Session operations: one `txn` command, rolled back as a whole. */
async function mixed(call: ApiCall, ops: TxnOp[]): Promise<void> {
  const state = call.backend.state;
  if (ops.every(isReadOnlyTxnOp)) {
    const mode = call.consistency();
    if (mode === 'consistent') await call.backend.log.barrier();
    const result = state.readTxn(ops);
    call.jsonWithMeta(result.Errors ? 409 : 200, encodeMixedResult(result), state.maxIndex(), mode);
    return;
  }
  const result = (await call.backend.log.propose({ type: 'txn', Ops: ops, Now: call.backend.now?.() ?? Date.now() })).result as TxnResult | { error: string };
  if (isCommandFailure(result)) throw new ApiError(500, result.error);
  if (!isKvTxnResult(result)) throw new ApiError(500, 'transaction was not applied as a transaction');
  call.send(result.Errors ? 409 : 200, 'application/json', encodeMixedResult(result));
}

function decodeOp(raw: unknown, i: number): TxnOp {
  if (!isPlainObject(raw)) throw new ApiError(400, `Failed to parse body: operation ${i} is ${typeName(raw)}, not an object`);
  const kv = getField(raw, 'KV');
  try {
    if (kv !== undefined && kv !== null) return { KV: decodeKvOp(kv, i) };
    const node = getField(raw, 'Node');
    if (node != null) return { Node: decodeNodeOp(node, i) };
    const service = getField(raw, 'Service');
    if (service != null) return { Service: decodeServiceOp(service, i) };
    const check = getField(raw, 'Check');
    if (check != null) return { Check: decodeCheckOp(check, i) };
    const session = getField(raw, 'Session');
    if (session != null) return { Session: decodeSessionOp(session, i) };
  } catch (err) {
    if (err instanceof DecodeError) throw new ApiError(400, `Failed to parse body: operation ${i}: ${err.message}`);
    throw err;
  }
  throw new ApiError(400, `Failed to parse body: operation ${i}: no operation specified`);
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new DecodeError(`${what}: expected an object, got ${typeName(value)}`);
  return value;
}

function modifyIndex(o: Record<string, unknown>, what: string): number {
  const v = getField(o, 'ModifyIndex');
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new DecodeError(`${what}.ModifyIndex: expected an unsigned integer`);
  return v;
}

function decodeNodeOp(raw: unknown, i: number): TxnOp['Node'] & {} {
  const o = object(raw, 'Node');
  const n = object(getField(o, 'Node'), 'Node.Node');
  return {
    Verb: expectString(getField(o, 'Verb'), 'Node.Verb') ?? '',
    Node: {
      ID: expectString(getField(n, 'ID'), 'Node.Node.ID') ?? '',
      Node: expectString(getField(n, 'Node'), 'Node.Node.Node') ?? '',
      Address: expectString(getField(n, 'Address'), 'Node.Node.Address') ?? '',
      Datacenter: expectString(getField(n, 'Datacenter'), 'Node.Node.Datacenter') ?? '',
      TaggedAddresses: expectStringMap(getField(n, 'TaggedAddresses'), 'Node.Node.TaggedAddresses') ?? null,
      Meta: expectStringMap(getField(n, 'Meta'), 'Node.Node.Meta') ?? null,
      ModifyIndex: modifyIndex(n, `operation ${i} Node.Node`),
    },
  };
}

function decodeServiceOp(raw: unknown, i: number): TxnOp['Service'] & {} {
  const o = object(raw, 'Service');
  const svc = object(getField(o, 'Service'), 'Service.Service');
  return {
    Verb: expectString(getField(o, 'Verb'), 'Service.Verb') ?? '',
    Node: expectString(getField(o, 'Node'), 'Service.Node') ?? '',
    Service: { ...decodeServiceInput(svc, 'Service.Service'), ModifyIndex: modifyIndex(svc, `operation ${i} Service.Service`) },
  };
}

function decodeCheckOp(raw: unknown, i: number): TxnOp['Check'] & {} {
  const o = object(raw, 'Check');
  const c = object(getField(o, 'Check'), 'Check.Check');
  return {
    Verb: expectString(getField(o, 'Verb'), 'Check.Verb') ?? '',
    Check: {
      ...decodeCheckInput(c, 'Check.Check'),
      Node: expectString(getField(c, 'Node'), 'Check.Check.Node') ?? '',
      ModifyIndex: modifyIndex(c, `operation ${i} Check.Check`),
    },
  };
}

function decodeSessionOp(raw: unknown, _i: number): TxnOp['Session'] & {} {
  const o = object(raw, 'Session');
  const s = object(getField(o, 'Session'), 'Session.Session');
  return { Verb: expectString(getField(o, 'Verb'), 'Session.Verb') ?? '', Session: { ID: expectString(getField(s, 'ID'), 'Session.Session.ID') ?? '' } };
}

function decodeKvOp(kv: unknown, i: number): KvTxnOp {
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

/** Mixed results: KV entries encoded by hand (uint64 Flags), catalog records as JSON. */
export function encodeMixedResult(r: TxnResult): string {
  const item = (x: TxnResultItem): string =>
    'KV' in x ? '{"KV":' + encodeKvEntries([x.KV], false).slice(1, -1) + '}' : goJsonStringify(x);
  const results = r.Results ? '[' + r.Results.map(item).join(',') + ']' : 'null';
  return `{"Results":${results},"Errors":${r.Errors ? goJsonStringify(r.Errors) : 'null'}}`;
}

/** {Results: [{KV: entry}], Errors} with exact uint64 Flags (entries encoded like the KV endpoint's). */
export function encodeTxnResult(r: KvTxnResult): string {
  const results = r.Results ? '[' + r.Results.map((e: KvEntry) => '{"KV":' + encodeKvEntries([e], false).slice(1, -1) + '}').join(',') + ']' : 'null';
  const errors = r.Errors ? goJsonStringify(r.Errors) : 'null';
  return `{"Results":${results},"Errors":${errors}}`;
}

/** Flags and Index are uint64 (the lock flag is 3304740253564472344): JSON.parse would round them, so their
 * integer literals are turned into strings before parsing, and decoded exactly afterwards. */
function quoteUint64Fields(text: string): string {
  return text.replace(/("(?:flags|index)"\s*:\s*)(\d{16,})/gi, '$1"$2"');
}
