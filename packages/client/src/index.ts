export * from './flags.js';
export { CLIENT_FLAGS, SERVER_FLAGS, clientFromFlags } from './cli-flags.js';
export { DEFAULT_HTTP_ADDRESS, parseHttpAddress, resolveHttpAddress, parseEnvBool, type HttpAddress } from './address.js';
export { resolveToken, type TokenSources } from './token.js';
export { ConsulConfigError, ConsulConnectionError, ConsulDecodeError, ConsulHttpError } from './errors.js';
export { UINT64_MAX, toUint64 } from './uint64.js';
export { parseJsonLossless } from './lossless-json.js';
export {
  DEFAULT_BLOCKING_WAIT_MS,
  type QueryMeta,
  type QueryOptions,
  type QueryParamValue,
  type QueryParams,
  type QueryResult,
  type RequestOptions,
  type WriteOptions,
} from './query.js';
export type { Consistency } from './consul-http.js';
export type { TlsOptions } from './transport.js';
export { ConsulClient, type ConsulClientOptions, type QueryResponse } from './consul-client.js';
export { KvApi, type KVDeleteOptions, type KVPair, type KVPutOptions } from './kv.js';
export { CatalogApi } from './catalog-api.js';
export { HealthApi, type HealthServiceOptions } from './health-api.js';
export { AgentApi, type ForceLeaveOptions, type MembersOptions, type MonitorOptions } from './agent-api.js';
export { StatusApi } from './status-api.js';
export { SessionApi, type Session, type SessionDefinition } from './session-api.js';
export { TxnApi, type KVTxnOp, type KVTxnVerb, type TxnError, type TxnResult } from './txn-api.js';
export { LockLostError, type LockAcquireOptions, type LockHolder } from './lock-holder.js';
export { KeyLock, LOCK_FLAG_VALUE } from './key-lock.js';
export { Semaphore, SEMAPHORE_FLAG_VALUE } from './semaphore.js';
export { type BlockingWatch, type WatchHandler, type WatchOptions } from './blocking-watch.js';
export { consulWatchBackoff } from './blocking-watch.js';
export {
  MEMBER_STATUS,
  memberStatusName,
  type AgentCheck,
  type AgentMember,
  type AgentSelf,
  type AgentService,
  type CatalogDeregistration,
  type CatalogNode,
  type CatalogNodeServices,
  type CatalogRegistration,
  type CatalogServiceEntry,
  type CheckDefinition,
  type CheckStatus,
  type HealthCheck,
  type ServiceDefinition,
  type ServiceEntry,
  type ServiceWeights,
} from './types.js';
