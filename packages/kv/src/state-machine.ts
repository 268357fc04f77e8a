// The composed, deterministic state machine every server runs: catalog + KV tables, applied in log order.
// apply(command, index) makes `index` the new ModifyIndex of what it changes and wakes only the blocking
// queries that read it. No clocks, randomness or IO in here; the log (local in -dev, Raft later) calls apply.

import { CatalogState, WatchHub, isPlainObject } from '@conclave/catalog';
import type { CatalogCommand, CatalogSnapshot, CommandFailure } from '@conclave/catalog';
import { pack, unpack } from 'msgpackr';
import type { KvCommand } from './kv-commands.js';
import { KvState } from './kv-state.js';
import type { KvSnapshot } from './kv-state.js';

export type Command = CatalogCommand | KvCommand;

/** What apply answers: KV commands a boolean, catalog commands true or a refusal (answered 500 over HTTP). */
export type CommandResult = boolean | CommandFailure;

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
}

export class StateMachine {
  readonly watches = new WatchHub();
  readonly catalog = new CatalogState(this.watches);
  readonly kv = new KvState(this.watches);
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
    if (type.startsWith('kv.')) return this.kv.apply(command as KvCommand, index);
    if (type.startsWith('catalog.')) return this.catalog.apply(command as CatalogCommand, index);
    return { error: `unknown command type ${type}` };
  }

  /** Highest index visible in any table (≥ every query's index). */
  maxIndex(): number {
    return Math.max(this.catalog.maxIndex(), this.kv.maxIndex());
  }

  /** The whole state as msgpack bytes. */
  snapshot(): Uint8Array {
    const file: SnapshotFile = {
      version: SNAPSHOT_VERSION,
      lastIndex: this.applied,
      catalog: this.catalog.snapshot(),
      kv: this.kv.snapshot(),
    };
    return pack(file);
  }

  /** Replaces the state with a snapshot; wakes every blocked query, since anything may have changed. */
  restore(bytes: Uint8Array): void {
    let file: SnapshotFile;
    try {
      file = unpack(bytes) as SnapshotFile;
    } catch (err) {
      throw new StateMachineError(`snapshot is not valid msgpack: ${(err as Error).message}`);
    }
    if (!isPlainObject(file) || file.version !== SNAPSHOT_VERSION)
      throw new StateMachineError(`snapshot version ${isPlainObject(file) ? String(file.version) : '?'} is not ${SNAPSHOT_VERSION}`);
    this.catalog.restore(file.catalog);
    this.kv.restore(file.kv);
    this.applied = file.lastIndex;
    this.watches.notifyAll();
  }
}
