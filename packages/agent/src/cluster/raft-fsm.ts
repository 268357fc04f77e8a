// Raft's replicated application is the catalog/KV state machine: entries carry msgpack-encoded commands.
import { Packr } from 'msgpackr';
import type { SnapshotMeta, StateMachine as RaftStateMachine } from '@conclave/raft';
import type { Command, StateMachine } from '@conclave/state';

const packr = new Packr({ useRecords: false, moreTypes: true });

export function encodeCommand(command: Command): Uint8Array {
  return packr.pack(command);
}

export class RaftFsm implements RaftStateMachine {
  constructor(private readonly state: StateMachine) {}

  apply(entry: { index: number; term: number; data: Uint8Array }): unknown {
    let command: Command;
    try {
      command = packr.unpack(entry.data) as Command;
    } catch (err) {
      // Every replica refuses the same bytes the same way, so the state stays identical.
      return { error: `undecodable command at index ${entry.index}: ${(err as Error).message}` };
    }
    return this.state.apply(command, entry.index);
  }

  // Streamed both ways (state/snapshot-stream.ts): Raft writes the snapshot to disk in the background
  // while entries go on applying, and a follower catching up keeps answering stale reads from its old
  // state, event loop free, until the restored one is whole.
  snapshot(): AsyncIterable<Uint8Array> {
    return this.state.snapshotStream();
  }

  // The Raft snapshot's index becomes the state's applied index: a restored archive (PUT /v1/snapshot) carries
  // the index it was saved at, but it is installed at an index of this log.
  restore(data: Uint8Array | AsyncIterable<Uint8Array>, meta?: SnapshotMeta): Promise<void> {
    return this.state.restoreStream(data, meta?.index);
  }

  async prepareRestore(data: AsyncIterable<Uint8Array>): Promise<(meta: SnapshotMeta) => void> {
    const swap = await this.state.prepareRestore(data);
    return (meta) => swap(meta.index);
  }
}
