import type { Message, NodeId, Snapshot } from './types.js';
import type { SnapshotStream } from './storage.js';

/**
 * How a RaftNode talks to its peers. send() must never block or throw: a message to an unreachable
 * peer is dropped (Raft retransmits), and the peer reported through onUnreachable — also when an
 * established connection to it drops, which lets a follower notice a dead leader before its election timeout.
 */
export interface RaftTransport {
  /** Starts delivering inbound messages to onMessage. */
  start(handlers: { onMessage: (m: Message) => void; onUnreachable: (peer: NodeId) => void }): Promise<void>;
  send(m: Message): void;
  /**
   * Optional, for a transport that holds messages back to coalesce them (WsTransport sends what one event-loop
   * turn queued as one frame): send what is queued now. The node calls it once it has handed over a Ready's
   * messages, so an acknowledgement or an append does not wait behind the rest of the turn's work.
   */
  flush?(): void;
  /** Streams a MsgSnap with the snapshot's bytes in chunks. Resolves true once the peer has it all. */
  sendSnapshot(m: Message, snapshot: Snapshot): Promise<boolean>;
  /** Optional: the same from a stream, so the sender never holds the whole snapshot. */
  sendSnapshotStream?(m: Message, snapshot: SnapshotStream): Promise<boolean>;
  close(): Promise<void>;
}
