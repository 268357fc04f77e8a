// The single-node log that stands in for Raft in -dev mode. A write takes the same path as in a cluster:
// the command is encoded as it would travel on the wire, appended at the next index, and applied to the state
// machine at that index. Encoding here is deliberate: a command that msgpack cannot carry fails in dev too.
import { Packr } from 'msgpackr';
import type { AppliedCommand, CommandLog, RestoreSource } from '@conclave/state';

export type { AppliedCommand, CommandLog } from '@conclave/state';

const packr = new Packr({ useRecords: false, moreTypes: true });

export class LocalLog<C, R> implements CommandLog<C, R> {
  private index: number;

  constructor(
    private readonly apply: (command: C, index: number) => R,
    startIndex = 0,
    /** Replaces the state with a snapshot at this index (PUT /v1/snapshot, streamed); answers like apply. */
    private readonly restoreAt?: (source: RestoreSource, index: number) => Promise<R>,
  ) {
    this.index = startIndex;
  }

  async restore(source: RestoreSource): Promise<AppliedCommand<R>> {
    if (!this.restoreAt) throw new Error('this log restores no snapshots');
    const index = ++this.index;
    return { index, result: await this.restoreAt(source, index) };
  }

  async propose(command: C): Promise<AppliedCommand<R>> {
    const entry = packr.unpack(packr.pack(command)) as C;
    const index = ++this.index;
    return { index, result: this.apply(entry, index) };
  }

  async barrier(): Promise<void> {}

  lastIndex(): number {
    return this.index;
  }
}
