// Why a command could not go through the log, as typed errors with Consul's exact messages. The agent's logs
// throw them; only the HTTP API turns them into status codes. Across RPC they travel as their `code` and
// are rebuilt on the caller with rebuildLogError, so a client sees the same error a server raised. They are
// RefusedErrors (the toolkit's request-error kind): expected outcomes, answered 500 as Consul does.
import { RefusedError } from '@conclave/toolkit';

export type LogErrorCode = 'no-leader' | 'not-leader' | 'no-servers' | 'log-failed';

export abstract class LogError extends RefusedError {
  abstract readonly code: LogErrorCode;
}

/** No leader was known (or reachable) within the hold timeout: Consul's `No cluster leader`. */
export class NoLeaderError extends LogError {
  override name = 'NoLeaderError';
  readonly code = 'no-leader';
  constructor(message = 'No cluster leader') {
    super(message);
  }
}

/** This server is not the leader (an operation only the leader does, e.g. removing a Raft peer). */
export class NotLeaderError extends LogError {
  override name = 'NotLeaderError';
  readonly code = 'not-leader';
  constructor(message = 'No cluster leader') {
    super(message);
  }
}

/** A client agent knows no server to send the command to: Consul's `No known Consul servers`. */
export class NoServersError extends LogError {
  override name = 'NoServersError';
  readonly code = 'no-servers';
  constructor(message = 'No known Consul servers') {
    super(message);
  }
}

/** The log refused or lost the command (Raft proposal dropped or lost, storage failure); the message says why. */
export class LogFailedError extends LogError {
  override name = 'LogFailedError';
  readonly code = 'log-failed';
}

/** The same typed error on the caller's side of an RPC; undefined for a code this version does not know. */
export function rebuildLogError(code: string, message: string): LogError | undefined {
  switch (code) {
    case 'no-leader':
      return new NoLeaderError(message);
    case 'not-leader':
      return new NotLeaderError(message);
    case 'no-servers':
      return new NoServersError(message);
    case 'log-failed':
      return new LogFailedError(message);
    default:
      return undefined;
  }
}
