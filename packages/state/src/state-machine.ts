// The composed, deterministic state machine every server runs: catalog + KV tables, applied in log order.
// apply(command, index) makes `index` the new ModifyIndex of what it changes and wakes only the blocking
// queries that read it. No clocks, randomness or IO in here; the log (local in -dev, Raft later) calls apply.

import { commandShapeError } from './command-shape.js';
import { CatalogState } from '@conclave/catalog';
import { isPlainObject, WatchHub } from '@conclave/toolkit';
import type { CatalogCommand, CatalogSnapshot, CommandFailure } from '@conclave/catalog';
import { unpack } from 'msgpackr';
import type { KvCommand } from '@conclave/kv';
import { liveView, lockKey, unlockKey } from './kv-locks.js';
import type { KvLockCommand, KvUnlockCommand } from './kv-locks.js';
import { KvState } from '@conclave/kv';
import type { KvSnapshot } from '@conclave/kv';
import type { SessionCommand } from './session-commands.js';
import { SessionState } from './session-state.js';
import type { SessionSnapshot } from './session-state.js';
import { applyMixedTxn, readMixedTxn } from './catalog-txn.js';
import type { TxnCommand, TxnOp, TxnResult } from './catalog-txn.js';
import { applyTxn, readTxn } from './txn.js';
import type { AclCommand } from './acl-commands.js';
import { AclState } from './acl-state.js';
import type { AclAuthCommand } from './acl-auth-commands.js';
import { AclAuthState, type AclAuthSnapshot } from './acl-auth-state.js';
import type { AclSnapshot } from './acl-state.js';
import { SnapshotStreamDecoder, headerFrame, isStreamSnapshot, sliced, snapshotFrames, yieldToLoop } from './snapshot-stream.js';
import type { StreamHeader } from './snapshot-stream.js';
import type { KvTxnCommand, KvTxnOp, KvTxnResult } from './txn.js';
import { AutopilotConfigState } from './autopilot-config.js';
import type { AutopilotSetCommand, StoredAutopilotConfig } from './autopilot-config.js';
import { PreparedQueryState, type PreparedQueryCommand, type PreparedQuerySnapshot } from './prepared-queries.js';
import { CoordinateState, type CoordinateBatchUpdateCommand, type CoordinateSnapshot } from './coordinates.js';

/** PUT /v1/snapshot: replaces the whole state at this log index, on every replica alike. */
export interface SnapshotRestoreCommand {
  type: 'snapshot.restore';
  /** StateMachine.snapshot() bytes. */
  State: Uint8Array;
}

export type Command =
  | CatalogCommand
  | KvCommand
  | KvLockCommand
  | KvUnlockCommand
  | KvTxnCommand
  | SessionCommand
  | TxnCommand
  | SnapshotRestoreCommand
  | AutopilotSetCommand
  | AclCommand
  | AclAuthCommand
  | PreparedQueryCommand
  | CoordinateBatchUpdateCommand;

/**
 * What apply answers: KV commands a boolean, catalog and session commands true or a refusal (answered 500
 * over HTTP), a transaction its Results or Errors.
 */
export type CommandResult = boolean | CommandFailure | KvTxnResult | TxnResult;

/** The log handed apply an index that does not follow the last one, or an unreadable snapshot. */
export class StateMachineError extends Error {
  override name = 'StateMachineError';
}

const SNAPSHOT_VERSION = 1;

interface SnapshotFile {
  version: number;
  lastIndex: number;
  catalog: CatalogSnapshot;
  kv: KvSnapshot;
  /** Absent in snapshots taken before sessions existed. */
  sessions?: SessionSnapshot;
  /** Absent in snapshots taken before autopilot's configuration was stored, or when none is. */
  autopilot?: StoredAutopilotConfig;
  /** Absent in snapshots taken before ACLs existed. */
  acl?: AclSnapshot;
  /** Absent in snapshots taken before auth methods existed. */
  aclAuth?: AclAuthSnapshot;
  /** Absent in snapshots taken before prepared queries existed. */
  queries?: PreparedQuerySnapshot;
  /** Absent in snapshots taken before coordinates existed. */
  coordinates?: CoordinateSnapshot;
}

export class StateMachine {
  readonly watches = new WatchHub();
  readonly catalog = new CatalogState(this.watches);
  readonly kv = new KvState(this.watches);
  readonly sessions = new SessionState(this.watches, this.kv, this.catalog, (id, index) => this.queries.deleteBySession(id, index));
  readonly autopilot = new AutopilotConfigState(this.watches);
  readonly acl = new AclState(this.watches);
  readonly aclAuth = new AclAuthState(this.watches);
  readonly queries = new PreparedQueryState(this.watches, (id) => this.sessions.info(id).value.length > 0);
  readonly coordinates = new CoordinateState(this.watches);
  private applied = 0;

  /** Index of the last command applied (or restored). */
  get lastIndex(): number {
    return this.applied;
  }

  /** Applies one committed command. Indexes must increase; an unknown type is refused, not thrown. */
  apply(command: Command, index: number): CommandResult {
    if (!Number.isSafeInteger(index) || index <= this.applied)
      throw new StateMachineError(`log index ${index} does not follow the last applied index ${this.applied}`);
    this.applied = index;
    const type = isPlainObject(command) ? command.type : undefined;
    if (typeof type !== 'string') return { error: 'command without a type' };
    const malformed = commandShapeError(type, command as unknown as Record<string, unknown>);
    if (malformed) return { error: malformed };
    try {
      return this.dispatch(type, command, index);
    } catch (err) {
      // Deterministic: every replica refuses the same entry the same way (see command-shape.ts).
      return { error: `command refused: ${(err as Error)?.message ?? String(err)}` };
    }
  }

  private dispatch(type: string, command: Command, index: number): CommandResult {
    // Commands that need a clock (lock-delay) carry the proposer's; it is the only time apply knows.
    const now = (command as { Now?: unknown }).Now;
    if (typeof now === 'number') this.sessions.advanceClock(now);
    switch (type) {
      case 'kv.lock': {
        const c = command as KvLockCommand;
        if (this.sessions.lockDelayed(c.Key, c.Now)) return false;
        return lockKey(liveView(this.kv, this.sessions, index), this.sessions, c.Key, c.Value, c.Flags, c.Session);
      }
      case 'kv.unlock': {
        const c = command as KvUnlockCommand;
        return unlockKey(liveView(this.kv, this.sessions, index), c.Key, c.Value, c.Flags, c.Session);
      }
      case 'kv.txn':
        return applyTxn(this.kv, this.sessions, (command as KvTxnCommand).Ops ?? [], index);
      case 'txn': {
        const c = command as TxnCommand;
        return applyMixedTxn(this, c.Ops ?? [], index, c.Now);
      }
      case 'snapshot.restore':
        try {
          this.load((command as SnapshotRestoreCommand).State);
        } catch (err) {
          return { error: (err as Error).message };
        }
        return true;
    }
    if (type.startsWith('kv.')) return this.kv.apply(command as KvCommand, index);
    if (type.startsWith('acl.auth-method.') || type.startsWith('acl.binding-rule.')) return this.applyAclAuth(command as AclAuthCommand, index);
    if (type.startsWith('acl.')) return this.acl.apply(command as AclCommand, index);
    if (type.startsWith('session.')) return this.sessions.apply(command as SessionCommand, index);
    if (type.startsWith('autopilot.')) return this.autopilot.apply(command as AutopilotSetCommand, index);
    if (type.startsWith('query.')) return this.queries.apply(command as PreparedQueryCommand, index);
    if (type === 'coordinate.batch-update') return this.coordinates.apply(command as CoordinateBatchUpdateCommand, index);
    if (type.startsWith('catalog.')) {
      const result = this.catalog.apply(command as CatalogCommand, index);
      // A check gone critical, or a node or check deregistered, invalidates the sessions bound to it.
      const node = (command as { Node?: unknown }).Node;
      if (result === true && typeof node === 'string') this.sessions.checkNode(node, index);
      return result;
    }
    return { error: `unknown command type ${type}` };
  }

  /** Auth methods and binding rules; deleting a method deletes the tokens its logins made, as Consul does. */
  private applyAclAuth(command: AclAuthCommand, index: number): CommandResult {
    const result = this.aclAuth.apply(command, index);
    if (result === true && command.type === 'acl.auth-method.delete') {
      for (const t of this.acl.listTokens().value) if (t.AuthMethod === command.Name) this.acl.apply({ type: 'acl.token.delete', AccessorID: t.AccessorID }, index);
    }
    return result;
  }

  /** A KV transaction whose verbs are all read-only (READ_ONLY_VERBS), answered from the current state. */
  readKvTxn(ops: readonly KvTxnOp[]): KvTxnResult {
    return readTxn(this.kv, this.sessions, ops);
  }

  /** A mixed transaction whose operations are all read-only (isReadOnlyTxnOp), answered from the current state. */
  readTxn(ops: readonly TxnOp[]): TxnResult {
    return readMixedTxn(this, ops);
  }

  /** Highest index visible in any table (>= every query's index). */
  maxIndex(): number {
    return Math.max(this.catalog.maxIndex(), this.kv.maxIndex(), this.sessions.maxIndex(), this.acl.maxIndex(), this.aclAuth.maxIndex(), this.queries.maxIndex(), this.coordinates.maxIndex());
  }

  /**
   * The whole state as one byte array (state.bin version 2, see snapshot-stream.ts). Synchronous: for a large
   * state prefer snapshotStream(), which never holds the bytes all at once nor blocks the event loop.
   */
  snapshot(): Uint8Array {
    return Buffer.concat([...snapshotFrames(...this.capture())]);
  }

  /**
   * The state as it is now, as state.bin chunks produced on demand: everything but KV is encoded right
   * away, KV is read through a copy-on-write cursor a batch at a time, yielding to the event loop every few
   * milliseconds. Applies may go on while it is consumed; they do not show in it.
   */
  snapshotStream(): AsyncIterable<Uint8Array> {
    return sliced(snapshotFrames(...this.capture()));
  }

  private capture(): Parameters<typeof snapshotFrames> {
    const kv = this.kv.snapshotCursor();
    const header: StreamHeader = {
      version: 2,
      lastIndex: this.applied,
      catalog: this.catalog.snapshot(),
      sessions: this.sessions.snapshot(),
      kvTombstones: kv.tombstones,
      kvTableIndex: kv.tableIndex,
      autopilot: this.autopilot.snapshot(),
      acl: this.acl.snapshot(),
      aclAuth: this.aclAuth.snapshot(),
      queries: this.queries.snapshot(),
      coordinates: this.coordinates.snapshot(),
    };
    return [headerFrame(header), kv];
  }

  /** Replaces the state with a snapshot; wakes every blocked query, since anything may have changed. */
  restore(bytes: Uint8Array): void {
    this.applied = this.load(bytes);
  }

  /**
   * Replaces the state with a snapshot read in chunks, yielding to the event loop between slices: until
   * the last chunk is in, readers (stale reads on a follower catching up) are answered from the old state.
   * Nothing changes when the stream is damaged or truncated.
   */
  async restoreStream(chunks: AsyncIterable<Uint8Array> | Uint8Array, atIndex?: number): Promise<void> {
    if (chunks instanceof Uint8Array && !isStreamSnapshot(chunks)) {
      this.restore(chunks); // version 1: one msgpack value, read in one go as before
      if (atIndex !== undefined) this.applied = atIndex;
      return;
    }
    (await this.prepareRestore(chunks))(atIndex);
  }

  /**
   * restoreStream in two steps: the promise reads and checks the whole snapshot into detached tables (the live
   * ones, and readers, untouched; throws, changing nothing, when it is damaged or truncated); the function it
   * answers swaps them in. `atIndex` is the applied index from then on (the Raft snapshot's when a snapshot
   * is installed at a log index of its own, as a restore is); default, the index the snapshot was taken at.
   */
  async prepareRestore(chunks: AsyncIterable<Uint8Array> | Uint8Array): Promise<(atIndex?: number) => void> {
    const decoder = new SnapshotStreamDecoder((t, i) => this.kv.restoreBuilder(t, i));
    let since = performance.now();
    try {
      for await (const chunk of chunks instanceof Uint8Array ? slices(chunks) : chunks) {
        decoder.push(chunk);
        if (performance.now() - since >= 10) {
          await yieldToLoop();
          since = performance.now();
        }
      }
      const decoded = decoder.finish();
      return (atIndex) => {
        const last = this.commit(decoded);
        this.applied = atIndex ?? last;
      };
    } catch (err) {
      if (err instanceof StateMachineError) throw err;
      throw new StateMachineError((err as Error).message);
    }
  }

  /** Loads the tables from snapshot bytes (all parsed before any table changes); answers its lastIndex. */
  private load(bytes: Uint8Array): number {
    if (isStreamSnapshot(bytes)) {
      const decoder = new SnapshotStreamDecoder((t, i) => this.kv.restoreBuilder(t, i));
      try {
        decoder.push(bytes);
        return this.commit(decoder.finish());
      } catch (err) {
        throw new StateMachineError((err as Error).message);
      }
    }
    let file: SnapshotFile;
    try {
      file = unpack(bytes) as SnapshotFile;
    } catch (err) {
      throw new StateMachineError(`snapshot is not valid msgpack: ${(err as Error).message}`);
    }
    if (!isPlainObject(file) || file.version !== SNAPSHOT_VERSION)
      throw new StateMachineError(`snapshot version ${isPlainObject(file) ? String(file.version) : '?'} is not ${SNAPSHOT_VERSION} or 2`);
    this.catalog.restore(file.catalog);
    this.kv.restore(file.kv);
    this.sessions.restore(file.sessions);
    this.autopilot.restore(file.autopilot ?? undefined);
    this.acl.restore(file.acl);
    this.aclAuth.restore(file.aclAuth);
    this.queries.restore(file.queries);
    this.coordinates.restore(file.coordinates);
    this.watches.notifyAll();
    return file.lastIndex;
  }

  /** Swaps in a fully decoded version 2 snapshot (throws, changing nothing, when it is incomplete). */
  private commit({ header, kv }: ReturnType<SnapshotStreamDecoder['finish']>): number {
    this.catalog.restore(header.catalog);
    const held = kv.commit();
    this.sessions.restore(header.sessions, held);
    this.autopilot.restore(header.autopilot ?? undefined);
    this.acl.restore(header.acl);
    this.aclAuth.restore(header.aclAuth);
    this.queries.restore(header.queries);
    this.coordinates.restore(header.coordinates);
    this.watches.notifyAll();
    return header.lastIndex;
  }
}

/** A byte array as 1 MiB views, so restoreStream can yield between them. */
function* slices(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += 1 << 20) yield bytes.subarray(at, Math.min(bytes.length, at + (1 << 20)));
}
