// KV FSM commands: plain, msgpack-serialisable objects. Flags are canonical decimal uint64 strings,
// Value is bytes (null for an empty value, which reads back as "Value": null).

export interface KvSetCommand {
  type: 'kv.set';
  Key: string;
  Value: Uint8Array | null;
  Flags: string;
}

/** Set only if the key's ModifyIndex equals Index (0: only if the key does not exist). */
export interface KvCasCommand {
  type: 'kv.cas';
  Key: string;
  Value: Uint8Array | null;
  Flags: string;
  Index: number;
}

export interface KvDeleteCommand {
  type: 'kv.delete';
  Key: string;
}

/** Deletes every key starting with Key (string prefix; '' is the whole store). */
export interface KvDeleteTreeCommand {
  type: 'kv.delete-tree';
  Key: string;
}

/** Deletes only if the key's ModifyIndex equals Index; a missing key counts as deleted (true). */
export interface KvDeleteCasCommand {
  type: 'kv.delete-cas';
  Key: string;
  Index: number;
}

/** Forgets tombstones at or below ReapIndex (scheduled by the leader after tombstone_ttl). */
export interface KvReapTombstonesCommand {
  type: 'kv.reap-tombstones';
  ReapIndex: number;
}

export type KvCommand =
  | KvSetCommand
  | KvCasCommand
  | KvDeleteCommand
  | KvDeleteTreeCommand
  | KvDeleteCasCommand
  | KvReapTombstonesCommand;
