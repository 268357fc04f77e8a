export { StateMachine, StateMachineError } from './state-machine.js';
export type { Command, CommandResult, SnapshotRestoreCommand } from './state-machine.js';
export type { CommandLog, AppliedCommand, StateReader, RestoreSource } from './command-log.js';
export { LogError, NoLeaderError, NotLeaderError, NoServersError, LogFailedError, rebuildLogError } from './log-errors.js';
export type { LogErrorCode } from './log-errors.js';
export {
  decodeSessionRequest,
  SessionRequestError,
  DEFAULT_LOCK_DELAY_NS,
  MAX_LOCK_DELAY_NS,
  DEFAULT_SESSION_TTL_MIN_NS,
  MAX_SESSION_TTL_NS,
  SERF_CHECK_ID,
} from './session-commands.js';
export type {
  Session,
  SessionInput,
  SessionBehavior,
  ServiceCheckRef,
  SessionCommand,
  SessionCreateCommand,
  SessionDestroyCommand,
  SessionRequestDefaults,
} from './session-commands.js';
export { SessionState, TOPIC_SESSIONS } from './session-state.js';
export type { SessionReader } from './session-state.js';
export type { SessionSnapshot } from './session-state.js';
export type { KvLockCommand, KvUnlockCommand } from './kv-locks.js';
export { isKvTxnResult, TXN_VERBS, READ_ONLY_VERBS } from './txn.js';
export type { KvTxnOp, KvTxnCommand, KvTxnResult, TxnError, TxnVerb } from './txn.js';
export { SessionTimers, SESSION_TTL_MULTIPLIER } from './session-timers.js';
export type { SessionTimersOptions } from './session-timers.js';
export {
  buildSnapshotArchive,
  prepareSnapshotArchive,
  readSnapshotArchive,
  readSnapshotArchiveAsync,
  SnapshotArchiveError,
  SNAPSHOT_FORMAT,
  MAX_SNAPSHOT_BYTES,
} from './snapshot-archive.js';
export type { SnapshotMeta, SnapshotArchive, PreparedSnapshotArchive } from './snapshot-archive.js';
export { receiveSnapshotArchive, MAX_RESTORE_BYTES } from './snapshot-receive.js';
export type { ReceivedSnapshot } from './snapshot-receive.js';
export { isReadOnlyTxnOp } from './catalog-txn.js';
export type { TxnOp, TxnCommand, TxnResult, TxnResultItem, NodeTxnOp, ServiceTxnOp, CheckTxnOp, SessionTxnOp } from './catalog-txn.js';
export { AutopilotConfigState, DEFAULT_AUTOPILOT_CONFIG, TOPIC_AUTOPILOT } from './autopilot-config.js';
export type { AutopilotConfig, StoredAutopilotConfig, AutopilotSetCommand, AutopilotReader } from './autopilot-config.js';
export { snapshotStats, byteSize } from './snapshot-stats.js';
export type { SnapshotStats, SnapshotRecordStats } from './snapshot-stats.js';
export { AclState, TOPIC_ACL } from './acl-state.js';
export type { AclSnapshot, AclQuery, AclReader } from './acl-state.js';
export type {
  AclCommand,
  AclBootstrapCommand,
  AclTokenSetCommand,
  AclTokenDeleteCommand,
  AclPolicySetCommand,
  AclPolicyDeleteCommand,
  AclRoleSetCommand,
  AclRoleDeleteCommand,
  AclLink,
  AclNodeIdentity,
  AclServiceIdentity,
  AclToken,
  AclTokenInput,
  AclPolicy,
  AclPolicyInput,
  AclRole,
  AclRoleInput,
} from './acl-commands.js';
export { AclAuthState, TOPIC_ACL_AUTH } from './acl-auth-state.js';
export type { AclAuthSnapshot, AclAuthReader } from './acl-auth-state.js';
export type {
  AclAuthCommand,
  AclAuthMethod,
  AclAuthMethodInput,
  AclAuthMethodSetCommand,
  AclAuthMethodDeleteCommand,
  AclBindingRule,
  AclBindingRuleInput,
  AclBindingRuleSetCommand,
  AclBindingRuleDeleteCommand,
} from './acl-auth-commands.js';
export { PreparedQueryState, TOPIC_PREPARED_QUERIES } from './prepared-queries.js';
export type { PreparedQuery, PreparedQueryCommand, QuerySetCommand, QueryDeleteCommand, PreparedQuerySnapshot } from './prepared-queries.js';
export { CoordinateState, TOPIC_COORDINATES, isNodeCoordinate } from './coordinates.js';
export type { CoordinateEntry, NodeCoordinate, CoordinateBatchUpdateCommand, CoordinateSnapshot } from './coordinates.js';
