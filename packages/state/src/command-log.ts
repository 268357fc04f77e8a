// The log seam: the one way a command reaches the state machine. The agent implements it three ways (a local
// log in -dev, Raft on a server, forwarding to a server on a client) and picks one at start; the HTTP API and
// the agent's own writers (catalog sync, reconcile, session TTLs, tombstone reaping) only see this interface.
import type { PreparedQueryState } from './prepared-queries.js';
import type { CoordinateState } from './coordinates.js';
import type { CatalogReader } from '@conclave/catalog';
import type { KvReader } from '@conclave/kv';
import type { WatchHub } from '@conclave/toolkit';
import type { Command, CommandResult, StateMachine } from './state-machine.js';
import type { SessionReader } from './session-state.js';
import type { AutopilotReader } from './autopilot-config.js';
import type { AclReader } from './acl-state.js';
import type { AclAuthReader } from './acl-auth-state.js';

/** A command as applied: the log index it got and what StateMachine.apply returned for it. */
export interface AppliedCommand<R = CommandResult> {
  index: number;
  result: R;
}

/** A snapshot's state.bin in a file (a verified PUT /v1/snapshot archive), readable as often as needed. */
export interface RestoreSource {
  /** Bytes of state.bin. */
  size: number;
  /** The bytes from the start. */
  open(): AsyncIterable<Uint8Array>;
}

export interface CommandLog<C = Command, R = CommandResult> {
  /** Appends the command and resolves once it is applied (locally, or on the server that applied it).
   * Rejects with a LogError (NoLeaderError, NoServersError, ...) when it cannot be committed. */
  propose(command: C): Promise<AppliedCommand<R>>;
  /** ?consistent reads: resolves once every write acknowledged before the call is applied here. */
  barrier(): Promise<void>;
  /** The last index this log applied (or saw applied). */
  lastIndex(): number;
  /**
   * Optional: replaces the whole state with a snapshot streamed from `source` (Consul's Restore: on a server the
   * snapshot becomes the leader's Raft snapshot and reaches the followers by InstallSnapshot, not through the
   * log, so no message limit bounds its size and it is never held whole). Resolves with the index it took.
   * Logs without it take the state as one `snapshot.restore` command.
   */
  restore?(source: RestoreSource): Promise<AppliedCommand<R>>;
}

/** What readers (the HTTP API, DNS) may use of the state machine: its tables' queries, read-only transactions,
 * waiting for changes, the indexes and a snapshot; nothing that changes it (apply, restore, or a table's own mutators). StateMachine
 * satisfies it structurally. */
export interface StateReader extends Pick<StateMachine, 'lastIndex' | 'maxIndex' | 'snapshot' | 'snapshotStream' | 'readKvTxn' | 'readTxn'> {
  readonly catalog: CatalogReader;
  readonly kv: KvReader;
  readonly sessions: SessionReader;
  readonly autopilot: AutopilotReader;
  readonly acl: AclReader;
  readonly aclAuth: AclAuthReader;
  readonly queries: Pick<PreparedQueryState, 'get' | 'list' | 'resolve'>;
  readonly coordinates: Pick<CoordinateState, 'get' | 'list'>;
  readonly watches: Pick<WatchHub, 'subscribe' | 'follow' | 'park' | 'unpark'>;
}
