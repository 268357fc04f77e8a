// Consul's prepared query table: definitions stored by ID, looked up by ID, by exact name or (templates) by the
// longest name prefix. Apply only checks what must hold across the whole table (names unique, no name that is
// another query's ID, one template per prefix) so every replica refuses the same entry the same way; the shape
// of a definition (Service name, template syntax, Regexp) is checked by the HTTP layer before it proposes.
import { isPlainObject, type WatchHub, type WatchSet } from '@conclave/toolkit';
import type { CommandFailure, QueryResult } from '@conclave/catalog';

export const TOPIC_PREPARED_QUERIES = 'prepared-queries';

/** A stored definition, in Consul's JSON shape (structs.PreparedQuery), with its indexes. */
export interface PreparedQuery {
  ID: string;
  Name: string;
  Session: string;
  Token: string;
  Template: { Type: string; Regexp: string; RemoveEmptyTags: boolean };
  Service: {
    Service: string;
    Failover: { NearestN: number; Datacenters: string[] };
    OnlyPassing: boolean;
    IgnoreCheckIDs: string[];
    Near: string;
    Tags: string[];
    NodeMeta: Record<string, string>;
    ServiceMeta: Record<string, string>;
    Connect: { Enabled: boolean };
  };
  DNS: { TTL: string };
  CreateIndex: number;
  ModifyIndex: number;
}

/** Creates (new ID) or replaces (known ID) a definition; the proposer chose the ID. */
export interface QuerySetCommand {
  type: 'query.set';
  Query: Omit<PreparedQuery, 'CreateIndex' | 'ModifyIndex'>;
}

export interface QueryDeleteCommand {
  type: 'query.delete';
  ID: string;
}

export type PreparedQueryCommand = QuerySetCommand | QueryDeleteCommand;

export interface PreparedQuerySnapshot {
  tableIndex: number;
  queries: PreparedQuery[];
}

export class PreparedQueryState {
  private readonly byId = new Map<string, PreparedQuery>();
  private tableIndex = 0;

  constructor(
    private readonly hub: WatchHub,
    /** Whether a session is live: a query bound to a session (`Session`) needs one, as Consul's state store. */
    private readonly sessionExists: (id: string) => boolean = () => false,
  ) {}

  apply(command: PreparedQueryCommand, index: number): true | CommandFailure {
    if (command.type === 'query.delete') {
      if (!this.byId.delete(command.ID)) return { error: 'Query not found' };
      this.changed(index);
      return true;
    }
    if (command.type !== 'query.set') return { error: `unknown command type ${String((command as { type: unknown }).type)}` };
    const q = command.Query;
    if (!isPlainObject(q) || typeof q.ID !== 'string' || q.ID === '' || typeof q.Name !== 'string' || !isPlainObject(q.Template))
      return { error: 'malformed query.set command' };
    // Consul's state store checks (state/prepared_query.go), with its words.
    if (q.Name !== '') {
      if (this.byId.has(q.Name) && q.Name !== q.ID) return { error: `name '${q.Name}' aliases an existing query ID` };
      for (const other of this.byId.values()) {
        if (other.ID === q.ID) continue;
        if (other.Name === q.Name) return { error: `name '${q.Name}' aliases an existing query name` };
      }
    }
    // Named ones are unique by the rule above; only one template may match every name.
    if (q.Template.Type !== '' && q.Name === '') {
      for (const other of this.byId.values()) {
        if (other.ID !== q.ID && other.Template.Type !== '' && other.Name === '') return { error: 'a query template with an empty name already exists' };
      }
    }
    // A query bound to a session lives as long as the session (deleteBySession); it must exist when bound.
    if (typeof q.Session === 'string' && q.Session !== '' && !this.sessionExists(q.Session)) return { error: `invalid session ${JSON.stringify(q.Session)}` };
    const existing = this.byId.get(q.ID);
    this.byId.set(q.ID, { ...q, CreateIndex: existing?.CreateIndex ?? index, ModifyIndex: index });
    this.changed(index);
    return true;
  }

  get(id: string, ws?: WatchSet): QueryResult<PreparedQuery | undefined> {
    ws?.addTopic(TOPIC_PREPARED_QUERIES);
    return { index: this.tableIndex, value: this.byId.get(id) };
  }

  list(ws?: WatchSet): QueryResult<PreparedQuery[]> {
    ws?.addTopic(TOPIC_PREPARED_QUERIES);
    return { index: this.tableIndex, value: [...this.byId.values()].sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0)) };
  }

  /**
   * Consul's PreparedQueryResolve: an ID first, then a query whose name is exactly `idOrName`, then the template
   * with the longest name that prefixes it (an empty-named template matches everything).
   */
  resolve(idOrName: string, ws?: WatchSet): QueryResult<PreparedQuery | undefined> {
    ws?.addTopic(TOPIC_PREPARED_QUERIES);
    const byId = this.byId.get(idOrName);
    if (byId) return { index: this.tableIndex, value: byId };
    let best: PreparedQuery | undefined;
    for (const q of this.byId.values()) {
      if (q.Name === idOrName && q.Name !== '') return { index: this.tableIndex, value: q };
      if (q.Template.Type !== '' && idOrName.startsWith(q.Name) && (!best || q.Name.length > best.Name.length)) best = q;
    }
    return { index: this.tableIndex, value: best };
  }

  /** A session was destroyed or invalidated: the queries bound to it go with it (Consul deletes them in the same
   * transaction as the session). */
  deleteBySession(session: string, index: number): void {
    let deleted = false;
    for (const [id, q] of this.byId) {
      if (q.Session === session) {
        this.byId.delete(id);
        deleted = true;
      }
    }
    if (deleted) this.changed(index);
  }

  maxIndex(): number {
    return this.tableIndex;
  }

  snapshot(): PreparedQuerySnapshot {
    return { tableIndex: this.tableIndex, queries: [...this.byId.values()] };
  }

  /** Replaces the table; a snapshot taken before prepared queries existed restores an empty one. */
  restore(snap: PreparedQuerySnapshot | undefined): void {
    this.byId.clear();
    this.tableIndex = snap?.tableIndex ?? 0;
    for (const q of snap?.queries ?? []) this.byId.set(q.ID, q);
  }

  private changed(index: number): void {
    this.tableIndex = index;
    this.hub.notifyTopic(TOPIC_PREPARED_QUERIES);
  }
}
