// /v1/kv/<key>: GET (recurse, keys + separator, raw), PUT (flags, cas, acquire/release with a session),
// DELETE (recurse, cas). Keys are the whole decoded path remainder and may contain '/'.

import { parseUint64, uint64ErrorText, type WatchSet } from '@conclave/toolkit';
import { isCommandFailure } from '@conclave/catalog';
import type { QueryResult } from '@conclave/catalog';
import type { KvEntry } from '@conclave/kv';
import type { Command } from '@conclave/state';
import type { ConsistencyMode } from './backend.js';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';
import { blockingQuery, parseBlockingOptions, type MaybeFiltered } from './blocking-query.js';
import { aclFilter, filteredHeaders } from './acl-enforce.js';
import { encodeKvEntries } from './kv-json.js';

export const DEFAULT_KV_MAX_VALUE_SIZE = 512 * 1024;

export function handleKv(call: ApiCall): Promise<void> | void {
  switch (call.method) {
    case 'GET':
      return kvGet(call);
    case 'PUT':
      return kvPut(call);
    case 'DELETE':
      return kvDelete(call);
    default:
      call.allow('GET', 'PUT', 'DELETE');
  }
}

function kvGet(call: ApiCall): Promise<void> | void {
  const key = call.rest;
  const q = call.query;
  const state = call.backend.state.kv;
  if (q.empty && key !== '') {
    // The hot path: a plain GET of one key, default consistency, no blocking. No promises, no closures.
    answerKey(call, state.get(key), false, 'leader');
    return;
  }
  const opts = parseBlockingOptions(call);
  if (!q.empty && q.has('keys')) {
    const sep = q.has('separator') ? q.get('separator')! : q.has('seperator') ? q.get('seperator')! : '';
    const may = aclFilter(call);
    const run = (ws: WatchSet | undefined): MaybeFiltered<string[]> => {
      const r = state.keys(key, sep, ws);
      if (!may) return r;
      const keys = r.value.filter((k) => may('key', 'read', k));
      // The index of what the caller may read, as the keys it sees are cut (docs/acl.md).
      const index = state.indexUnder(key, (k) => may('key', 'read', cutKey(k, key, sep)));
      return { index: Math.max(index, 1), value: keys, filtered: keys.length !== r.value.length };
    };
    return blockingQuery(call, opts, run, (r: MaybeFiltered<string[]>) => {
      const keys = r.value;
      const filtered = r.filtered === true;
      if (keys.length === 0 && key !== '') {
        call.send(404, '', '', [...call.metaHeaders(r.index, opts.mode), ...filteredHeaders(filtered)]);
        return;
      }
      const body = call.encode(keys);
      call.send(200, 'application/json', body, [...call.metaHeaders(r.index, opts.mode), ...filteredHeaders(filtered)]);
    });
  }
  if (!q.empty && q.has('recurse')) {
    const may = aclFilter(call);
    const run = (ws: WatchSet | undefined): MaybeFiltered<KvEntry[]> => {
      const r = state.list(key, ws);
      if (!may) return r;
      const entries = r.value.filter((e) => may('key', 'read', e.Key));
      const index = state.indexUnder(key, (k) => may('key', 'read', k));
      return { index: Math.max(index, 1), value: entries, filtered: entries.length !== r.value.length };
    };
    return blockingQuery(call, opts, run, (r: MaybeFiltered<KvEntry[]>) => {
      const entries = r.value;
      const filtered = filteredHeaders(r.filtered === true);
      if (entries.length === 0) {
        call.send(404, '', '', [...call.metaHeaders(r.index, opts.mode), ...filtered]);
        return;
      }
      call.send(200, 'application/json', encodeKvEntries(entries, call.pretty), [...call.metaHeaders(r.index, opts.mode), ...filtered]);
    });
  }
  if (key === '') throw new ApiError(400, 'Missing key name');
  const raw = !q.empty && q.has('raw');
  return blockingQuery(call, opts, (ws) => state.get(key, ws), (r) => answerKey(call, r, raw, opts.mode));
}

/** The key `?keys&separator=` shows for a stored key: cut after the first separator past the prefix. */
function cutKey(key: string, prefix: string, separator: string): string {
  if (!separator) return key;
  const at = key.indexOf(separator, prefix.length);
  return at >= 0 ? key.slice(0, at + separator.length) : key;
}

function answerKey(call: ApiCall, r: QueryResult<KvEntry | undefined>, raw: boolean, mode: ConsistencyMode): void {
  const e = r.value;
  if (!e) {
    call.send(404, '', '', call.metaHeaders(r.index, mode));
    return;
  }
  if (raw) {
    const headers = call.metaHeaders(r.index, mode);
    headers.push('X-Content-Type-Options', 'nosniff', 'Content-Security-Policy', 'sandbox');
    call.send(200, 'text/plain', e.Value ?? new Uint8Array(0), headers);
    return;
  }
  call.jsonWithMeta(200, encodeKvEntries([e], call.pretty), r.index, mode);
}

async function kvPut(call: ApiCall): Promise<void> {
  call.checkDatacenter();
  const key = call.rest;
  if (key === '') throw new ApiError(400, 'Missing key name');
  const q = call.query;
  let flags = '0';
  let cas: number | undefined;
  let acquire: string | undefined;
  let release: string | undefined;
  if (!q.empty) {
    conflictingFlags(call, 'cas', 'acquire', 'release');
    acquire = q.get('acquire');
    release = q.get('release');
    if (q.has('flags')) {
      const text = q.get('flags')!;
      const parsed = parseUint64(text);
      if (parsed === undefined) throw new ApiError(400, uint64ErrorText(text));
      flags = parsed;
    }
    if (q.has('cas')) {
      const text = q.get('cas')!;
      if (parseUint64(text) === undefined) throw new ApiError(400, uint64ErrorText(text));
      cas = Number(text);
    }
  }
  const limit = call.backend.limits?.kvMaxValueSize ?? DEFAULT_KV_MAX_VALUE_SIZE;
  const body = await call.readBody(
    limit,
    (n) =>
      `Request body(${n} bytes) too large, max size: ${limit} bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.`,
  );
  // A view is fine here: the state machine copies values that do not own their buffer.
  const value = body.length > 0 ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : null;
  const cmd: Command =
    acquire !== undefined
      ? { type: 'kv.lock', Key: key, Value: value, Flags: flags, Session: acquire, Now: call.backend.now?.() ?? Date.now() }
      : release !== undefined
        ? { type: 'kv.unlock', Key: key, Value: value, Flags: flags, Session: release }
        : cas === undefined
          ? { type: 'kv.set', Key: key, Value: value, Flags: flags }
          : { type: 'kv.cas', Key: key, Value: value, Flags: flags, Index: cas };
  const result = (await call.backend.log.propose(cmd)).result;
  if (isCommandFailure(result)) throw new ApiError(500, result.error);
  call.send(200, 'application/json', call.pretty ? call.encode(result === true) : result ? 'true' : 'false');
}

async function kvDelete(call: ApiCall): Promise<void> {
  call.checkDatacenter();
  const key = call.rest;
  const q = call.query;
  conflictingFlags(call, 'recurse', 'cas');
  let cmd: Command;
  if (!q.empty && q.has('recurse')) {
    cmd = { type: 'kv.delete-tree', Key: key };
  } else {
    if (key === '') throw new ApiError(400, 'Missing key name');
    if (!q.empty && q.has('cas')) {
      const text = q.get('cas')!;
      if (parseUint64(text) === undefined) throw new ApiError(400, uint64ErrorText(text));
      cmd = { type: 'kv.delete-cas', Key: key, Index: Number(text) };
    } else {
      cmd = { type: 'kv.delete', Key: key };
    }
  }
  const result = (await call.backend.log.propose(cmd)).result;
  if (isCommandFailure(result)) throw new ApiError(500, result.error);
  call.send(200, 'application/json', call.pretty ? call.encode(result === true) : result ? 'true' : 'false');
}

/** Consul answers two mutually exclusive flags with 400 `Conflicting flags: <encoded query>`. */
function conflictingFlags(call: ApiCall, ...flags: string[]): void {
  if (call.query.empty) return;
  let found = false;
  for (const f of flags) {
    if (!call.query.has(f)) continue;
    if (found) throw new ApiError(400, `Conflicting flags: ${call.query.encode()}\n`);
    found = true;
  }
}
