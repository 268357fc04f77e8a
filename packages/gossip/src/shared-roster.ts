/**
 * A member list known from the start (a formed cluster in the simulator),
 * shared read-only by every core built from it: see member-table.ts for how a
 * core copies a record on write.
 */
import { GossipConfigError } from './errors.js';
import { splitHostPort } from './host-port.js';
import { isLive, type MemberStatus } from './member.js';
import { shareEmpty, type Rec } from './member-table.js';

const STATUSES: ReadonlySet<string> = new Set(['alive', 'suspect', 'leaving', 'left', 'failed']);

export interface RosterEntry {
  name: string;
  /** "ip:port" */
  addr: string;
  tags?: Record<string, string>;
  /** Default 1. */
  incarnation?: number;
  /** Default `alive`. */
  status?: MemberStatus;
}

/**
 * A member list known from the start, shared read-only by every core built
 * from it (GossipCoreOptions.roster). Records are frozen; a core copies one
 * only when its view of that member changes.
 */
export class SharedRoster {
  readonly names: readonly string[];
  readonly recs: readonly Readonly<Rec>[];
  readonly index: ReadonlyMap<string, number>;
  readonly liveCount: number;
  /** Positions of the members that start failed or left. */
  readonly notLive: readonly number[];

  constructor(entries: readonly RosterEntry[], now: number) {
    const names: string[] = [];
    const recs: Readonly<Rec>[] = [];
    const index = new Map<string, number>();
    const notLive: number[] = [];
    let live = 0;
    for (const e of entries) {
      if (!e.name || e.name.length > 512) throw new GossipConfigError('roster: member names must be 1 to 512 characters');
      if (index.has(e.name)) throw new GossipConfigError(`roster: member "${e.name}" is listed twice`);
      if (!splitHostPort(e.addr)) throw new GossipConfigError(`roster: address "${e.addr}" of "${e.name}" is not ip:port`);
      const status = e.status ?? 'alive';
      if (!STATUSES.has(status)) throw new GossipConfigError(`roster: status of "${e.name}" must be alive, suspect, leaving, left or failed`);
      const inc = e.incarnation ?? 1;
      if (!Number.isSafeInteger(inc) || inc < 0) throw new GossipConfigError(`roster: incarnation of "${e.name}" must be a non-negative integer`);
      const tags = e.tags ?? {};
      for (const [k, v] of Object.entries(tags)) {
        if (typeof v !== 'string') throw new GossipConfigError(`roster: tag "${k}" of "${e.name}" must be a string`);
      }
      index.set(e.name, names.length);
      if (isLive(status)) live++;
      else notLive.push(names.length);
      names.push(e.name);
      recs.push(Object.freeze({ name: e.name, addr: e.addr, tags: shareEmpty(Object.freeze({ ...tags })), inc, status, since: now, idx: -1 }));
    }
    this.names = names;
    this.recs = recs;
    this.index = index;
    this.liveCount = live;
    this.notLive = notLive;
  }
}
