// The public surface: what an embedder needs to run a node (RaftNode and its options), the storage and
// transport it plugs in (or its own implementations of their interfaces, with the types those use),
// the errors it may catch, and the seams it may inject (clock, random, logger). The pure core and the
// wire-level helpers are internals: tests reach them by relative imports.
export { RaftNode, type RaftNodeOptions, type StateMachine, type ProposeResult } from './raft-node.js';
export type { ReadOnlyOption, ProgressView } from './raft.js';
export {
  EntryType,
  MessageType,
  StateType,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type Snapshot,
  type SnapshotMeta,
  type SnapshotSource,
} from './types.js';
export {
  RaftError,
  NotLeaderError,
  ProposalDroppedError,
  ProposalLostError,
  ConfigError,
  StorageError,
  TimeoutError,
  StoppedError,
} from './errors.js';
export type { RaftStorage, SnapshotStream, StoredState } from './storage.js';
export { DiskStorage, type DiskStorageOptions } from './disk-storage.js';
export { MemoryStorage } from './memory-storage.js';
export type { RaftTransport } from './transport.js';
export { WsTransport, type WsTransportOptions, type TlsDialOptions } from './ws-transport.js';
export { MemoryNetwork } from './memory-network.js';
export { systemClock, type Clock } from './clock.js';
export { seededRandom, type RandomSource } from './random.js';
export { silentLogger, type RaftLogger } from './logger.js';
export { raftMultiplierTimings, DEFAULT_TIMINGS } from './timings.js';
