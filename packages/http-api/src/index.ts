export { ApiError, errorAnswer, type ErrorAnswer } from './api-error.js';
export type { AgentEndpoints, RequestContext } from './agent-endpoints.js';
export type {
  ApiBackend,
  ApiLimits,
  Leadership,
  ConsistencyMode,
  RequestForwarder,
  ForwardedRequest,
  ForwardedReply,
  OperatorEndpoints,
  EventBackend,
  SessionTimerBackend,
} from './backend.js';
export { MAX_TXN_OPS, encodeTxnResult } from './txn-endpoints.js';
export { createHttpApi, H2_MAX_CONCURRENT_STREAMS } from './http-api.js';
export { MonitorStream, MONITOR_BUFFER_LINES } from './monitor-stream.js';
export type { HttpApi, HttpApiOptions, HttpsOptions } from './http-api.js';
export { RequestLimits, type RequestLimitsConfig, type RequestLimitsMode } from './request-limits.js';
export { DEFAULT_WAIT_MS, MAX_WAIT_MS } from './blocking-query.js';
export { DEFAULT_KV_MAX_VALUE_SIZE } from './kv-endpoints.js';
export { encodeKvEntries } from './kv-json.js';
export { selfJson, memberJson, raftConfigurationJson } from './agent-json.js';
export type { AgentSelfFacts, MemberFacts, RaftStatsFacts, RaftConfigurationFacts, RaftServerFacts } from './agent-json.js';
export { UserEventError, validateFireParams, userEventIndex, USER_EVENT_SIZE_LIMIT } from './user-event-params.js';
export type { UserEvent, FireEventParams } from './user-event-params.js';
export type { AutopilotFacts, AutopilotServerFacts } from './autopilot-endpoints.js';
export { StateTokenResolver, compileResolution, type TokenResolution, type TokenLinks, type FetchedAcls, type AclBackend, type AgentTokenStore, type ResolvedToken, type StateTokenResolverOptions } from './acl-resolver.js';
export { ENDPOINT_PERMISSIONS, registerEndpointPermissions, permissionRow, type Need, type Permission, type PermissionRow } from './acl-permissions.js';
export { REPLICATION_DISABLED, type AclReplicationStatus } from './acl-replication-status.js';
export { aclFilter, filteredHeaders, requirePermission, permitted, FILTERED_HEADER } from './acl-enforce.js';
export { AGENT_NODE_HEADER } from './near-sort.js';
export { pickHeaders } from './stream-forward.js';
export { CARRIED_REQUEST } from './forwarded-headers.js';
