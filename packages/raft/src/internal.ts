// Not public API: the pure Raft core behind RaftNode (Step/Tick/Ready, as etcd-raft's), for benchmarks that
// measure it alone (tools/bench/raft-commit.mjs). Embedders use RaftNode; names here may change without notice.
export * from './index.js';
export { Raft, type RaftConfig } from './raft.js';
