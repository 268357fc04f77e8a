import type { Entry, Snapshot } from './types.js';

/**
 * The in-memory view of the log: every entry after the compaction point, which ones are persisted
 * (stable), committed and applied. Storage mirrors it; the core never touches storage itself.
 */
export class RaftLog {
  /** Index and term of the last entry folded into a snapshot or compacted away. */
  offset = 0;
  offsetTerm = 0;
  entries: Entry[] = [];
  committed = 0;
  applied = 0;
  /** Entries up to this index are on disk. */
  stable = 0;
  /** Entries up to this index were handed to the application (in a Ready not yet advanced). */
  applying = 0;
  /** A snapshot received from the leader, not yet persisted and applied. */
  pendingSnapshot: Snapshot | undefined;

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.entries.length;
  }

  lastTerm(): number {
    return this.entries.length ? this.entries[this.entries.length - 1].term : this.offsetTerm;
  }

  /** undefined when the index is compacted away or beyond the end. */
  term(i: number): number | undefined {
    if (i === this.offset) return this.offsetTerm;
    if (i < this.offset || i > this.lastIndex()) return undefined;
    return this.entries[i - this.offset - 1].term;
  }

  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t;
  }

  isUpToDate(lastIndex: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && lastIndex >= this.lastIndex());
  }

  /** Index of the first entry of ents that conflicts with (or extends) the log; 0 when all already match. */
  findConflict(ents: Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /** The largest index <= index whose term is <= term (fast backtracking); stops at the compaction point. */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = Math.min(index, this.lastIndex());
    while (i > this.offset) {
      const t = this.term(i)!;
      if (t <= term) return { index: i, term: t };
      i--;
    }
    return { index: this.offset, term: this.offsetTerm };
  }

  /** Appends ents, truncating any conflicting suffix. Returns the new last index. */
  append(ents: Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0].index - 1;
    if (after < this.committed) throw new Error(`raft: append after ${after} would truncate committed ${this.committed}`);
    if (after < this.offset) throw new Error(`raft: append after ${after} is before the compaction point ${this.offset}`);
    if (after < this.lastIndex()) this.entries.length = after - this.offset;
    for (const e of ents) this.entries.push(e);
    if (this.stable > after) this.stable = after;
    return this.lastIndex();
  }

  /** The follower side of AppendEntries. Returns the last index known to match, or undefined on mismatch. */
  maybeAppend(index: number, logTerm: number, committed: number, ents: Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed) throw new Error(`raft: entry ${ci} conflicts with committed entry (committed ${this.committed})`);
      this.append(ents.slice(ci - index - 1));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  commitTo(n: number): void {
    if (n > this.committed) {
      if (n > this.lastIndex()) throw new Error(`raft: commit ${n} is beyond the last index ${this.lastIndex()}`);
      this.committed = n;
    }
  }

  /** Entries in [lo, hi) with at most maxBytes of data (always at least one). undefined if lo is compacted. */
  slice(lo: number, hi: number, maxBytes: number, maxCount: number): Entry[] | undefined {
    if (lo <= this.offset) return undefined;
    hi = Math.min(hi, this.lastIndex() + 1, lo + maxCount);
    const out: Entry[] = [];
    let size = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.entries[i - this.offset - 1];
      size += e.data.length + 24;
      if (out.length > 0 && size > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  unstableEntries(): Entry[] {
    const from = Math.max(this.stable, this.offset);
    return this.entries.slice(from - this.offset);
  }

  stableTo(i: number, t: number): void {
    if (this.term(i) === t && i > this.stable) this.stable = i;
  }

  hasNextCommitted(maxCount = Infinity): boolean {
    return Math.min(this.committed, this.stableOrPending()) > Math.max(this.applying, this.offset) && maxCount > 0;
  }

  /** Committed entries not yet handed out. Only entries that are or will be persisted in this Ready. */
  nextCommitted(maxCount: number): Entry[] {
    const lo = Math.max(this.applying, this.offset) + 1;
    const hi = Math.min(this.committed, this.stableOrPending()) + 1;
    if (hi <= lo) return [];
    return this.entries.slice(lo - this.offset - 1, Math.min(hi, lo + maxCount) - this.offset - 1);
  }

  // Entries handed out in a Ready are persisted before they are applied, so every entry counts.
  private stableOrPending(): number {
    return this.lastIndex();
  }

  appliedTo(i: number): void {
    if (i > this.applied) this.applied = i;
    if (i > this.applying) this.applying = i;
  }

  /** Replaces the log with a snapshot received from the leader. */
  restore(s: Snapshot): void {
    this.entries = [];
    this.offset = s.meta.index;
    this.offsetTerm = s.meta.term;
    this.committed = s.meta.index;
    this.stable = s.meta.index;
    this.applying = s.meta.index;
    this.pendingSnapshot = s;
  }

  /** Drops entries up to and including i (they are in a snapshot). */
  compact(i: number): void {
    if (i <= this.offset) return;
    if (i > this.applied) throw new Error(`raft: compact ${i} is beyond the applied index ${this.applied}`);
    const t = this.term(i)!;
    this.entries = this.entries.slice(i - this.offset);
    this.offset = i;
    this.offsetTerm = t;
    if (this.stable < i) this.stable = i;
  }
}
