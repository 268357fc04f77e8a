/**
 * One core's member table. On a real node it is a private Map plus the array
 * random picks index into. A core started from a SharedRoster (a formed
 * cluster in the simulator, where thousands of cores live in one process)
 * shares the roster's frozen records instead: it keeps only the records it
 * changed, and the first join or removal gives it a private table. The order
 * of the members (self first, then the roster) is the same either way, so a
 * seeded run takes the same random choices.
 */
import { isLive, type MemberStatus } from './member.js';
import { shuffle, type Rng } from './rng.js';
import type { SharedRoster } from './shared-roster.js';

export interface Rec {
  name: string;
  addr: string;
  tags: Record<string, string>;
  inc: number;
  status: MemberStatus;
  since: number;
  /** Position in the private names array (O(1) removal); -1 while shared. */
  idx: number;
}

export const EMPTY_TAGS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** Most members of a big cluster share "no tags"; one object saves a lot of memory. */
export function shareEmpty(tags: Record<string, string>): Record<string, string> {
  for (const _ in tags) return tags;
  return EMPTY_TAGS;
}

/** A probe round: member names in shuffled order, resolved lazily. */
export interface ProbeOrder {
  readonly length: number;
  nameAt(i: number): string;
}

const EMPTY_ORDER: ProbeOrder = { length: 0, nameAt: () => '' };

export class MemberTable {
  /** Private: every record. Shared: the records this core changed (itself included). */
  private readonly map = new Map<string, Rec>();
  /** Private only: names for random picks; self is always at 0. */
  private names: string[] | null = null;
  private base: SharedRoster | null;
  /** Self's position in the roster, or -1. */
  private readonly selfPos: number;
  /** Shared only: one bit per roster position whose record this core copied into `map`. */
  private changed: Uint8Array | null = null;
  private readonly self: Rec;

  constructor(self: Rec, roster?: SharedRoster) {
    this.self = self;
    this.base = roster ?? null;
    this.selfPos = roster?.index.get(self.name) ?? -1;
    this.map.set(self.name, self);
    if (this.base) {
      self.idx = -1;
      this.changed = new Uint8Array((this.base.names.length + 7) >> 3);
    } else {
      self.idx = 0;
      this.names = [self.name];
    }
  }

  static readonly emptyOrder = EMPTY_ORDER;

  get size(): number {
    if (this.base) return this.base.names.length + (this.selfPos < 0 ? 1 : 0);
    return this.map.size;
  }

  /** Live members (self included) when the table was built. */
  initialLive(): number {
    let n = isLive(this.self.status) ? 1 : 0;
    if (this.base) {
      n += this.base.liveCount;
      if (this.selfPos >= 0 && isLive(this.base.recs[this.selfPos]!.status)) n--;
    }
    return n;
  }

  /** The current record; a shared one is frozen, so get writable() before changing it. */
  get(name: string): Rec | undefined {
    const base = this.base;
    if (!base) return this.map.get(name);
    const i = base.index.get(name);
    if (i === undefined) return name === this.self.name ? this.self : undefined;
    return this.baseAt(i);
  }

  /** The record at position i (0 <= i < size) in table order. */
  at(i: number): Rec {
    if (!this.base) return this.map.get(this.names![i]!)!;
    if (i === 0) return this.self;
    return this.baseAt(this.selfPos < 0 || i - 1 < this.selfPos ? i - 1 : i);
  }

  /** Shared: this core's record for roster position b. */
  private baseAt(b: number): Rec {
    if (b === this.selfPos) return this.self;
    if (this.changed![b >> 3]! & (1 << (b & 7))) return this.map.get(this.base!.names[b]!)!;
    return this.base!.recs[b] as Rec;
  }

  /** A record this core may change: copies a shared one on first write. */
  writable(r: Rec): Rec {
    const own = this.map.get(r.name);
    if (own) return own;
    if (!this.base) return r;
    const b = this.base.index.get(r.name);
    if (b === undefined) return r;
    const copy: Rec = { ...r, idx: -1 };
    this.map.set(r.name, copy);
    this.changed![b >> 3]! |= 1 << (b & 7);
    return copy;
  }

  add(r: Rec): void {
    this.detach();
    this.map.set(r.name, r);
    r.idx = this.names!.length;
    this.names!.push(r.name);
  }

  /** Removes the member named r.name; returns the record that was removed. */
  remove(r: Rec): Rec | undefined {
    this.detach();
    const cur = this.map.get(r.name);
    if (!cur) return undefined;
    this.map.delete(cur.name);
    const names = this.names!;
    const last = names.pop()!;
    if (last !== cur.name) {
      names[cur.idx] = last;
      this.map.get(last)!.idx = cur.idx;
    }
    return cur;
  }

  /** Every record in table order (insertion order, self first). */
  *values(): IterableIterator<Rec> {
    if (!this.base) {
      yield* this.map.values();
      return;
    }
    const n = this.size;
    for (let i = 0; i < n; i++) yield this.at(i);
  }

  /** Failed and left members, in table order. */
  notLive(): Rec[] {
    const out: Rec[] = [];
    if (!this.base) {
      for (const r of this.map.values()) if (!isLive(r.status)) out.push(r);
      return out;
    }
    // Shared: only changed records and the roster's non-live ones can qualify.
    const pos: number[] = [];
    for (const r of this.map.values()) if (!isLive(r.status)) pos.push(this.sharedPos(r.name));
    for (const i of this.base.notLive) {
      if (i !== this.selfPos && !this.map.has(this.base.names[i]!)) pos.push(this.sharedPos(this.base.names[i]!));
    }
    pos.sort((a, b) => a - b);
    for (const p of pos) out.push(this.at(p));
    return out;
  }

  /** A new probe round: every other member, shuffled. */
  shuffledOthers(rng: Rng): ProbeOrder {
    if (!this.base) {
      const self = this.self.name;
      const order = shuffle(rng, this.names!.filter((n) => n !== self));
      return { length: order.length, nameAt: (i) => order[i]! };
    }
    // Positions 1…size-1 of the shared order (self is 0): 2 or 4 bytes a member, not a string array.
    const n = this.size - 1;
    const pos = n < 0xffff ? new Uint16Array(n) : new Uint32Array(n);
    for (let i = 0; i < n; i++) pos[i] = i + 1;
    shuffle(rng, pos);
    const base = this.base;
    const selfPos = this.selfPos;
    // Resolved through the roster, not the table, so a later detach does not move the names.
    return { length: n, nameAt: (i) => sharedNameOf(base, selfPos, pos[i]!) };
  }

  private sharedName(i: number): string {
    return i === 0 ? this.self.name : sharedNameOf(this.base!, this.selfPos, i);
  }

  /** Position of a roster member (or self) in the shared order. */
  private sharedPos(name: string): number {
    if (name === this.self.name) return 0;
    const b = this.base!.index.get(name)!;
    return this.selfPos < 0 || b < this.selfPos ? b + 1 : b;
  }

  /** The first join or removal: become a private table in the same order. */
  private detach(): void {
    const base = this.base;
    if (!base) return;
    const n = this.size;
    const names: string[] = new Array(n);
    const map = new Map<string, Rec>();
    for (let i = 0; i < n; i++) {
      const name = this.sharedName(i);
      const r = this.map.get(name) ?? { ...(base.recs[base.index.get(name)!] as Rec) };
      r.idx = i;
      names[i] = name;
      map.set(name, r);
    }
    this.map.clear();
    for (const [k, v] of map) this.map.set(k, v);
    this.names = names;
    this.base = null;
    this.changed = null;
  }
}

function sharedNameOf(base: SharedRoster, selfPos: number, i: number): string {
  const b = selfPos < 0 || i - 1 < selfPos ? i - 1 : i;
  return base.names[b]!;
}
