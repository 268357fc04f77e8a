import type { NodeId } from './types.js';

/** Base class: every error this package throws on purpose. */
export class RaftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The call needs the leader; retry on `leader` (empty when no leader is known yet). */
export class NotLeaderError extends RaftError {
  constructor(readonly leader: NodeId) {
    super(leader ? `this node is not the leader; send the request to ${leader}` : 'there is no known leader; retry after an election');
  }
}

/** A proposal was refused by the core (leadership transfer in progress, conf change pending, ...). */
export class ProposalDroppedError extends RaftError {}

/**
 * A proposal was appended but a different entry was committed at its index: it did not happen. The one
 * exception is flagged: with `outcomeUnknown`, a snapshot from the leader covered the index before it
 * applied here, so it may have happened (treat it like a TimeoutError; do not blindly retry).
 */
export class ProposalLostError extends RaftError {
  constructor(
    message: string,
    readonly outcomeUnknown = false,
  ) {
    super(message);
  }
}

/** A configuration option or argument is invalid; the message names it. */
export class ConfigError extends RaftError {}

/** The on-disk state cannot be used (not merely a torn tail, which is repaired). */
export class StorageError extends RaftError {}

/** A call did not complete in time (no leader, partition, ...). Safe to retry reads; writes may have happened. */
export class TimeoutError extends RaftError {}

/** The node was stopped. */
export class StoppedError extends RaftError {}
