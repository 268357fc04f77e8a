// The sessions table and everything that ties sessions to KV locks: create/destroy, invalidation when an
// attached check goes critical or the node goes away (checked after every catalog command, in apply, so all
// replicas agree), Behavior release|delete on the held keys, and lock-delay. Lock-delay needs a clock; apply
// has none, so commands carry the proposer's `Now` and this table keeps the latest one it saw. An
// invalidation caused by a catalog command (which carries no time) starts its delay at the next timestamped
// command — never earlier than it really happened, so the delay can only be longer, never shorter.

import type { CatalogState, CommandFailure, QueryResult } from '@conclave/catalog';
import type { WatchHub, WatchSet } from '@conclave/toolkit';
import type { KvEntry, KvState } from '@conclave/kv';
import type { Session, SessionCommand, SessionInput } from './session-commands.js';

export const TOPIC_SESSIONS = 'sessions';

interface LockDelay {
  /** ms since the epoch; null until a timestamped command starts the delay. */
  until: number | null;
  delayMs: number;
}

export interface SessionSnapshot {
  sessions: Session[];
  tableIndex: number;
  lockDelays: Array<[string, LockDelay]>;
  clock: number;
  /** Per node, the index of the last session created or destroyed on it (absent in older snapshots). */
  nodeIndex?: Array<[string, number]>;
}

export class SessionState {
  private sessions = new Map<string, Session>();
  private byNode = new Map<string, Set<string>>();
  /** session ID -> keys it acquired (checked against the entry's Session when used: deletes leave strays). */
  private held = new Map<string, Set<string>>();
  private delays = new Map<string, LockDelay>();
  private tableIndex = 0;
  /** node -> index of the last session change on it, kept after its sessions are gone (a destroy moves it), so
   * a session list filtered by ACLs answers an index made only of what the caller may read (nodeSessionsIndex). */
  private nodeIndex = new Map<string, number>();
  private clock = 0;

  constructor(
    private readonly hub: WatchHub,
    private readonly kv: KvState,
    private readonly catalog: CatalogState,
    /** Told of every session destroyed or invalidated, inside the same apply (prepared queries bound to it go). */
    private readonly onEnded: (id: string, index: number) => void = () => {},
  ) {}

  apply(cmd: SessionCommand, index: number): true | CommandFailure {
    switch (cmd.type) {
      case 'session.create':
        return this.create(cmd.Session, index);
      case 'session.destroy':
        if (this.sessions.has(cmd.ID)) this.invalidate(cmd.ID, index, cmd.Now);
        return true;
      default:
        return { error: `unknown session command type ${(cmd as { type: string }).type}` };
    }
  }

  /** Every command carrying the proposer's time moves the clock (never backwards) and starts pending delays. */
  advanceClock(now: number): void {
    if (!Number.isFinite(now) || now <= this.clock) return;
    this.clock = now;
    for (const [key, d] of this.delays) {
      if (d.until === null) d.until = now + d.delayMs;
      else if (d.until <= now) this.delays.delete(key);
    }
  }

  private create(input: SessionInput, index: number): true | CommandFailure {
    if (!input.ID) return { error: 'Missing session ID' };
    if (this.sessions.has(input.ID)) return { error: `Session '${input.ID}' already exists` };
    if (input.Behavior !== 'release' && input.Behavior !== 'delete')
      return { error: `Invalid Behavior setting '${String(input.Behavior)}'` };
    if (!this.catalog.getNode(input.Node)) return { error: 'Missing node registration' };
    for (const id of checkIds(input)) {
      const check = this.catalog.getCheck(input.Node, id);
      if (!check) return { error: `Missing check '${id}' registration` };
      if (check.Status === 'critical') return { error: `Check '${id}' is in ${check.Status} state` };
    }
    const session: Session = {
      ID: input.ID,
      Name: input.Name ?? '',
      Node: input.Node,
      LockDelay: input.LockDelay ?? 0,
      Behavior: input.Behavior,
      TTL: input.TTL ?? '',
      NodeChecks: input.NodeChecks ?? null,
      ServiceChecks: input.ServiceChecks ?? null,
      CreateIndex: index,
      ModifyIndex: index,
    };
    this.sessions.set(session.ID, session);
    let ids = this.byNode.get(session.Node);
    if (!ids) this.byNode.set(session.Node, (ids = new Set()));
    ids.add(session.ID);
    this.nodeIndex.set(session.Node, index);
    this.changed(index);
    return true;
  }

  /**
   * Destroys a session: its locks are released or its keys deleted (Behavior) and lock-delay starts at `now`
   * (ms), or at the next timestamped command when the cause carried no time.
   */
  invalidate(id: string, index: number, now?: number): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    const onNode = this.byNode.get(s.Node);
    onNode?.delete(id);
    if (onNode?.size === 0) this.byNode.delete(s.Node);
    const keys = this.held.get(id);
    this.held.delete(id);
    for (const key of keys ?? []) {
      const e = this.kv.entry(key);
      if (!e || e.Session !== id) continue;
      if (s.Behavior === 'delete') this.kv.removeKey(key, index);
      else this.kv.putEntry({ ...e, Session: '', ModifyIndex: index }, index);
      if (s.LockDelay > 0) {
        const delayMs = s.LockDelay / 1e6;
        this.delays.set(key, { until: typeof now === 'number' && Number.isFinite(now) ? now + delayMs : null, delayMs });
      }
    }
    this.nodeIndex.set(s.Node, index);
    this.changed(index);
    this.onEnded(id, index);
  }

  /** After a catalog command on `node`: invalidates its sessions whose node or checks are gone or critical. */
  checkNode(node: string, index: number): void {
    const ids = this.byNode.get(node);
    if (!ids) return;
    const nodeExists = this.catalog.getNode(node) !== undefined;
    for (const id of [...ids]) {
      const s = this.sessions.get(id)!;
      const bad =
        !nodeExists ||
        checkIds(s).some((cid) => {
          const c = this.catalog.getCheck(node, cid);
          return !c || c.Status === 'critical';
        });
      if (bad) this.invalidate(id, index);
    }
  }

  /** The session, or undefined. */
  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** Whether the key is inside a lock-delay at `now` (a pending delay counts as active). */
  lockDelayed(key: string, now: number): boolean {
    const d = this.delays.get(key);
    if (!d) return false;
    return d.until === null || now < d.until;
  }

  /** Records that `session` acquired `key` (so invalidation finds its keys without a scan). */
  noteHeld(session: string, key: string): void {
    let keys = this.held.get(session);
    if (!keys) this.held.set(session, (keys = new Set()));
    keys.add(key);
  }

  private changed(index: number): void {
    this.tableIndex = index;
    this.hub.notifyTopic(TOPIC_SESSIONS);
  }

  // ---- queries (Consul shapes; sorted by ID like Consul's memdb index) ----

  info(id: string, ws?: WatchSet): QueryResult<Session[]> {
    ws?.addTopic(TOPIC_SESSIONS);
    const s = this.sessions.get(id);
    return { index: this.tableIndex, value: s ? [s] : [] };
  }

  byNodeName(node: string, ws?: WatchSet): QueryResult<Session[]> {
    ws?.addTopic(TOPIC_SESSIONS);
    const ids = [...(this.byNode.get(node) ?? [])].sort();
    return { index: this.tableIndex, value: ids.map((id) => this.sessions.get(id)!) };
  }

  list(ws?: WatchSet): QueryResult<Session[]> {
    ws?.addTopic(TOPIC_SESSIONS);
    const ids = [...this.sessions.keys()].sort();
    return { index: this.tableIndex, value: ids.map((id) => this.sessions.get(id)!) };
  }

  /** The keys session `id` holds now, sorted (the held set keeps strays after deletes: each is checked). */
  heldBy(id: string): string[] {
    const out: string[] = [];
    for (const key of this.held.get(id) ?? []) if (this.kv.entry(key)?.Session === id) out.push(key);
    return out.sort();
  }

  /** Every session (for the leader's TTL timers). */
  all(): Session[] {
    return [...this.sessions.values()];
  }

  maxIndex(): number {
    return this.tableIndex;
  }

  /** The highest index of a session change on a node `keep` accepts; 0 when none (docs/acl.md, blocking). */
  nodeSessionsIndex(keep: (node: string) => boolean): number {
    let max = 0;
    for (const [node, i] of this.nodeIndex) if (i > max && keep(node)) max = i;
    return max;
  }

  snapshot(): SessionSnapshot {
    return {
      sessions: [...this.sessions.values()],
      tableIndex: this.tableIndex,
      lockDelays: [...this.delays].map(([k, d]) => [k, { ...d }]),
      clock: this.clock,
      nodeIndex: [...this.nodeIndex],
    };
  }

  /** Replaces the table; the KV table must already be restored (held keys are rebuilt from it, or from `held`). */
  restore(s: SessionSnapshot | undefined, held?: Iterable<KvEntry>): void {
    this.sessions = new Map();
    this.byNode = new Map();
    this.held = new Map();
    for (const sess of s?.sessions ?? []) {
      this.sessions.set(sess.ID, sess);
      let ids = this.byNode.get(sess.Node);
      if (!ids) this.byNode.set(sess.Node, (ids = new Set()));
      ids.add(sess.ID);
    }
    // `held`: the locked entries, when the KV restore already picked them out (a scan of 1M keys is ~0.3 s).
    for (const e of held ?? this.kv.entriesUnder('')) if (e.Session) this.noteHeld(e.Session, e.Key);
    this.delays = new Map((s?.lockDelays ?? []).map(([k, d]) => [k, { ...d }]));
    this.tableIndex = s?.tableIndex ?? 0;
    this.clock = s?.clock ?? 0;
    // An older snapshot has no per-node index: the live sessions' give a floor (destroys before it are lost,
    // so such an index may read lower than before the restore; clients start over when an index goes back).
    this.nodeIndex = new Map(s?.nodeIndex ?? []);
    if (!s?.nodeIndex) for (const sess of this.sessions.values()) this.nodeIndex.set(sess.Node, Math.max(this.nodeIndex.get(sess.Node) ?? 0, sess.ModifyIndex));
  }
}

/** Node check IDs and service check IDs a session is bound to. */
function checkIds(s: Pick<Session, 'NodeChecks' | 'ServiceChecks'>): string[] {
  return [...(s.NodeChecks ?? []), ...(s.ServiceChecks ?? []).map((c) => c.ID)];
}

/** The session table as readers see it: queries only, nothing that changes it. */
export type SessionReader = Pick<SessionState, 'get' | 'lockDelayed' | 'info' | 'byNodeName' | 'list' | 'all' | 'maxIndex' | 'nodeSessionsIndex' | 'heldBy'>;
