// The register model the checker replays: one value per key, written by put, compared-and-set by cas, read by get.
// A value-based cas stands for Consul's index-based one when every write stores a unique value (no ABA).

export type KvOp =
  | { k: 'put'; key: string; value: string }
  | { k: 'cas'; key: string; from: string | null; to: string }
  | { k: 'get'; key: string };

export type KvResult = 'ok' | boolean | string | null;
