export { KvState, kvKeyTopic } from './kv-state.js';
export type { KvReader } from './kv-state.js';
export type { KvEntry, KvSnapshot, KvCursor, KvRestoreBuilder } from './kv-state.js';
export type {
  KvCommand,
  KvSetCommand,
  KvCasCommand,
  KvDeleteCommand,
  KvDeleteTreeCommand,
  KvDeleteCasCommand,
  KvReapTombstonesCommand,
} from './kv-commands.js';
