// @conclave/health: decoding and validating Consul check definitions, and running them.

export type { CheckDefinition, CheckKind, CheckStatus } from './check-definition.js';
export {
  CHECK_STATUSES,
  DEFAULT_NETWORK_TIMEOUT_NS,
  DEFAULT_OUTPUT_MAX_SIZE,
  DEFAULT_SCRIPT_TIMEOUT_NS,
  MIN_CHECK_INTERVAL_NS,
  MIN_DEREGISTER_CRITICAL_AFTER_NS,
  isCheckStatus,
} from './check-definition.js';
export type { DecodeCheckOptions, DecodedCheck } from './decode-check.js';
export { decodeCheckDefinition, isCheckDefinitionKey } from './decode-check.js';
export type { ScriptCheckPolicy } from './script-policy.js';
export {
  LOCAL_SCRIPT_CHECKS_DISABLED,
  REMOTE_SCRIPT_CHECKS_DISABLED,
  ScriptChecksDisabledError,
  assertScriptChecksAllowed,
} from './script-policy.js';

export type { CheckResult, ProbeOptions } from './check-result.js';
export { PROBE_ABORTED_OUTPUT } from './check-result.js';
export type { ScriptCheckSpec } from './script-check.js';
export { runScriptCheck } from './script-check.js';
export type { HttpCheckSpec } from './http-check.js';
export { HTTP_CHECK_ACCEPT, HTTP_CHECK_USER_AGENT, runHttpCheck } from './http-check.js';
export type { TcpCheckSpec } from './tcp-check.js';
export { runTcpCheck } from './tcp-check.js';
export { runCheck } from './run-check.js';
export { truncateTtlOutput } from './ttl-output.js';
export { FlapDamper } from './flap-damper.js';
export type { CheckSchedulerOptions, CheckState, CriticalTooLongEvent } from './check-scheduler.js';
export { CheckScheduler, TtlCheckNotFoundError } from './check-scheduler.js';

export type { MaintenanceCheck } from './maintenance.js';
export {
  DEFAULT_NODE_MAINTENANCE_REASON,
  DEFAULT_SERVICE_MAINTENANCE_REASON,
  MAINTENANCE_CHECK_TYPE,
  NODE_MAINTENANCE_CHECK_ID,
  NODE_MAINTENANCE_CHECK_NAME,
  SERVICE_MAINTENANCE_CHECK_NAME,
  SERVICE_MAINTENANCE_CHECK_PREFIX,
  isMaintenanceCheckId,
  nodeMaintenanceCheck,
  serviceMaintenanceCheck,
  serviceMaintenanceCheckId,
} from './maintenance.js';
// The aggregate lives with the data model; re-exported so check users need one import.
export { aggregateStatus, type HealthStatus as AggregateStatus } from '@conclave/catalog';
export {
  SERF_HEALTH_ALIVE_OUTPUT,
  SERF_HEALTH_CHECK_ID,
  SERF_HEALTH_CHECK_NAME,
  SERF_HEALTH_FAILED_OUTPUT,
  serfHealthCheck,
} from './serf-health.js';
