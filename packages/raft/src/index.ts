export { Raft, type RaftConfig, type ReadOnlyOption, type ProgressView } from './raft.js';
export {
  EntryType,
  MessageType,
  MessageTypeName,
  NONE,
  StateType,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type ReadState,
  type Ready,
  type Snapshot,
  type SnapshotMeta,
  type SoftState,
} from './types.js';
export { encodeConfChange, decodeConfChange, type ConfChange } from './conf-change.js';
export { seededRandom, type RandomSource } from './random.js';
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
export type { RaftStorage, StoredState } from './storage.js';
export { MemoryStorage } from './memory-storage.js';
export { DiskStorage, type DiskStorageOptions } from './disk-storage.js';
export type { RaftTransport } from './transport.js';
export { WsTransport, type WsTransportOptions } from './ws-transport.js';
export { RaftNode, type RaftNodeOptions, type StateMachine, type ProposeResult } from './raft-node.js';
export { raftMultiplierTimings, DEFAULT_TIMINGS } from './timings.js';
export { invalidMessage } from './validate.js';
export { MemoryNetwork } from './memory-network.js';
