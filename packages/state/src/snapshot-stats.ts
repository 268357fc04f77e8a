// What `snapshot inspect` itemizes: the records of a state snapshot by Consul's message type names (Register per
// node with its services and checks, KVS per key, Tombstone, Session, Autopilot, Index per table index), each
// record's size being its msgpack encoding — Consul counts the bytes each record takes in its snapshot stream.
// Read-only and tolerant: an unreadable snapshot throws with the reason, nothing else is assumed about it.

import { pack, unpack } from 'msgpackr';
import type { KvEntry, KvRestoreBuilder } from '@conclave/kv';
import { isPlainObject } from '@conclave/toolkit';
import { SnapshotStreamDecoder, isStreamSnapshot } from './snapshot-stream.js';

export interface SnapshotRecordStats {
  /** Consul's structs.MessageType name. */
  name: string;
  count: number;
  size: number;
}

export interface SnapshotStats {
  /** By size, largest first, then by name (Consul's sortTypeStats). */
  types: SnapshotRecordStats[];
  total: number;
  /** KV space by key prefix (`depth` path segments, only keys starting with `filter`), sorted the same way. */
  kv: SnapshotRecordStats[];
  kvTotal: number;
}

export function snapshotStats(state: Uint8Array, kvDepth = 2, kvFilter = ''): SnapshotStats {
  let file: Record<string, unknown>;
  try {
    file = isStreamSnapshot(state) ? tablesOfStream(state) : (unpack(state) as Record<string, unknown>);
  } catch (err) {
    throw new Error(`snapshot state is not valid msgpack: ${(err as Error).message}`);
  }
  if (!isPlainObject(file)) throw new Error('snapshot state is not a table set');
  const types = new Map<string, SnapshotRecordStats>();
  const kv = new Map<string, SnapshotRecordStats>();
  const add = (into: Map<string, SnapshotRecordStats>, name: string, size: number) => {
    const s = into.get(name) ?? { name, count: 0, size: 0 };
    s.count++;
    s.size += size;
    into.set(name, s);
  };
  const size = (v: unknown) => pack(v).length;
  const catalog = (file.catalog ?? {}) as { nodes?: Array<{ Node: string }>; services?: Array<[string, unknown[]]>; checks?: Array<[string, unknown[]]>; tableIndex?: Record<string, number> };
  const services = new Map(catalog.services ?? []);
  const checks = new Map(catalog.checks ?? []);
  for (const node of catalog.nodes ?? []) add(types, 'Register', size([node, services.get(node.Node) ?? [], checks.get(node.Node) ?? []]));
  const kvFile = (file.kv ?? {}) as { entries?: Array<{ Key: string }>; tombstones?: unknown[]; tableIndex?: number };
  for (const entry of kvFile.entries ?? []) {
    const n = size(entry);
    add(types, 'KVS', n);
    if (!entry.Key.startsWith(kvFilter)) continue;
    const parts = entry.Key.split('/');
    add(kv, parts.slice(0, Math.min(kvDepth, parts.length)).join('/'), n);
  }
  for (const t of kvFile.tombstones ?? []) add(types, 'Tombstone', size(t));
  const sessions = (file.sessions ?? {}) as { sessions?: unknown[]; tableIndex?: number };
  for (const s of sessions.sessions ?? []) add(types, 'Session', size(s));
  if (file.autopilot) add(types, 'Autopilot', size(file.autopilot));
  const indexes: Array<[string, unknown]> = [
    ...Object.entries(catalog.tableIndex ?? {}),
    ['kvs', kvFile.tableIndex],
    ['sessions', sessions.tableIndex],
  ];
  for (const [table, index] of indexes) if (typeof index === 'number') add(types, 'Index', size({ Key: table, Value: index }));
  const sorted = (m: Map<string, SnapshotRecordStats>) => [...m.values()].sort((a, b) => (a.size === b.size ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : b.size - a.size));
  const t = sorted(types);
  const k = sorted(kv);
  return { types: t, total: t.reduce((n, s) => n + s.size, 0), kv: k, kvTotal: k.reduce((n, s) => n + s.size, 0) };
}

/** Consul's ByteSize: B, KB, MB, GB, TB with one decimal, ".0" dropped; 0 is "0". */
export function byteSize(bytes: number): string {
  if (bytes === 0) return '0';
  const units: Array<[number, string]> = [
    [2 ** 40, 'TB'],
    [2 ** 30, 'GB'],
    [2 ** 20, 'MB'],
    [2 ** 10, 'KB'],
    [1, 'B'],
  ];
  const [div, unit] = units.find(([d]) => bytes >= d)!;
  return (bytes / div).toFixed(1).replace(/\.0$/, '') + unit;
}

/** A version 2 state.bin (snapshot-stream.ts) as the table set of version 1, which the itemizing reads. */
function tablesOfStream(state: Uint8Array): Record<string, unknown> {
  const entries: KvEntry[] = [];
  let kvTombstones: Array<[string, number]> = [];
  let kvTableIndex = 0;
  const decoder = new SnapshotStreamDecoder((tombstones, tableIndex) => {
    kvTombstones = tombstones;
    kvTableIndex = tableIndex;
    // Only collected to be counted: nothing is restored, so commit has nothing to hand back.
    const collect: KvRestoreBuilder = { add: (batch) => void entries.push(...batch), commit: () => [] };
    return collect;
  });
  decoder.push(state);
  const { header } = decoder.finish();
  return { ...header, kv: { entries, tombstones: kvTombstones, tableIndex: kvTableIndex } };
}
