// The log seam: the one way a command reaches the state machine. The agent implements it three ways (a local
// log in -dev, Raft on a server, forwarding to a server on a client) and picks one at start; the HTTP API and
// the agent's own writers (catalog sync, reconcile, session TTLs, tombstone reaping) only see this interface.
import type { Command, CommandResult, StateMachine } from './state-machine.js';

/** A command as applied: the log index it got and what StateMachine.apply returned for it. */
export interface AppliedCommand<R = CommandResult> {
  index: number;
  result: R;
}

export interface CommandLog<C = Command, R = CommandResult> {
  /** Appends the command and resolves once it is applied (locally, or on the server that applied it).
   * Rejects with a LogError (NoLeaderError, NoServersError, ...) when it cannot be committed. */
  propose(command: C): Promise<AppliedCommand<R>>;
  /** ?consistent reads: resolves once every write acknowledged before the call is applied here. */
  barrier(): Promise<void>;
  /** The last index this log applied (or saw applied). */
  lastIndex(): number;
}

/** What readers (the HTTP API, DNS) may use of the state machine: its tables and indexes, not apply/restore. */
export type StateReader = Pick<StateMachine, 'catalog' | 'kv' | 'sessions' | 'watches' | 'lastIndex' | 'maxIndex' | 'snapshot'>;
