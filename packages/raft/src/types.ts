/** Node ids are opaque strings (Consul uses node ids / addresses). The empty string means "nobody". */
export type NodeId = string;
export const NONE: NodeId = '';

export const EntryType = { Normal: 0, ConfChange: 1 } as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

/** What must be on disk before any message that depends on it is sent. */
export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

/** The voting configuration. Learners receive the log but neither vote nor count for commit. */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface SnapshotMeta {
  index: number;
  term: number;
  conf: ConfState;
}

/**
 * Snapshot bytes that live in a file (received from the leader, or a restore), read as a stream where they
 * are needed instead of being held whole in memory.
 */
export interface SnapshotSource {
  /** Bytes of the state. */
  size: number;
  /** The bytes from the start; may be called more than once. */
  open(): AsyncIterable<Uint8Array>;
  /** Removes the file once it is installed (or refused). */
  discard?(): Promise<void>;
}

/** data is absent when the core emits MsgSnap: the driver attaches the bytes (or a stream) when sending. A
 * snapshot received by a streaming transport carries `source` instead of `data`. */
export interface Snapshot {
  meta: SnapshotMeta;
  data?: Uint8Array;
  source?: SnapshotSource;
}

export const MessageType = {
  Hup: 0, // local: start an election
  Beat: 1, // local: leader sends heartbeats
  Prop: 2,
  App: 3,
  AppResp: 4,
  Vote: 5,
  VoteResp: 6,
  PreVote: 7,
  PreVoteResp: 8,
  Snap: 9,
  Heartbeat: 10,
  HeartbeatResp: 11,
  Unreachable: 12, // local: transport could not reach a peer
  SnapStatus: 13, // local: snapshot delivery finished (reject = failed)
  CheckQuorum: 14, // local
  TransferLeader: 15,
  TimeoutNow: 16,
  ReadIndex: 17,
  ReadIndexResp: 18,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const MessageTypeName: Record<number, string> = Object.fromEntries(
  Object.entries(MessageType).map(([k, v]) => [v, k]),
);

/** One wire message. Plain data so msgpackr (or structuredClone in the simulator) carries it as is. */
export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  logTerm?: number;
  index?: number;
  entries?: Entry[];
  commit?: number;
  reject?: boolean;
  rejectHint?: number;
  /** ReadIndex request id, or "transfer" on a vote forced by leadership transfer. */
  context?: string;
  snapshot?: Snapshot;
}

export const StateType = { Follower: 'follower', PreCandidate: 'pre-candidate', Candidate: 'candidate', Leader: 'leader' } as const;
export type StateType = (typeof StateType)[keyof typeof StateType];

export interface SoftState {
  lead: NodeId;
  state: StateType;
}

/** The answer to a ReadIndex request: the read may be served once the local applied index reaches index. */
export interface ReadState {
  index: number;
  context: string;
}

/**
 * One batch of work for the caller. The loop is fixed: persist snapshot, entries and hardState (fsync
 * when mustSync), then send messages, then apply snapshot and committedEntries, then call advance().
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  entries: Entry[];
  snapshot?: Snapshot;
  committedEntries: Entry[];
  messages: Message[];
  readStates: ReadState[];
  mustSync: boolean;
}
