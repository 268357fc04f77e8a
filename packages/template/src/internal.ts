// Not public API: the building blocks behind @conclave/template's surface, for this package's tests, the
// benchmarks in tools/bench and conformance tools. Names here may change without notice.
export * from './index.js';
export { goSprint, goSprintf, goSprintln } from './go-format.js';
export { goQuote } from '@conclave/toolkit';
export { GoFloat, GoStringMap, GO_TYPE, isTrue } from './values.js';

// consul-template's functions and dependencies.
export { helperFuncs, goJsonMarshal, goTimeFormat } from './helpers.js';
export type { HelperOptions } from './helpers.js';
export {
  DependencyFormatError,
  ServiceTags,
  HealthService,
  HealthCheck,
  HealthChecks,
  AgentWeights,
  KeyPair,
  CatalogSnippet,
  CatalogNode,
  CatalogNodeInfo,
  CatalogNodeService,
  aggregatedStatus,
  healthServiceDependency,
  kvGetDependency,
  kvListDependency,
  catalogServicesDependency,
  catalogNodesDependency,
  catalogNodeDependency,
  catalogDatacentersDependency,
  agentSelfDependency,
  fileDependency,
} from './dependency.js';
export type { ConsulRequest, Dependency, DependencyKind, RefineSource } from './dependency.js';
export { DependencyStore } from './dependency-store.js';
export { fetchDependency, renderWithSource } from './dependency-source.js';
export type { DependencySource, FetchOptions, FetchResult, RenderPassesOptions } from './dependency-source.js';

// The renderer (consul-template's runner).
export { watchDependency, defaultRetryDelay } from './dependency-watch.js';
export type { DependencyWatchOptions, WatchHandle, WatchingSource } from './dependency-watch.js';
export { runCommand } from './command-runner.js';
export type { CommandResult } from './command-runner.js';

// The command line and configuration (for the conclave-template app).
export { TEMPLATE_FLAGS } from './template-command.js';
export {
  decodeTemplateConfig,
  mergeConfigs,
  parseTemplateConfigText,
  parseTemplateFlag,
  parseWaitSpec,
} from './template-config.js';
export { Scratch } from './scratch.js';
export { dedupEnabled, mergeExec, signalOrNone } from './template-config.js';
export type { ExecSpec, ExecEnvSpec, RetrySpec } from './template-config.js';
export { prepareCommand, parseSignalName, VALID_SIGNALS } from './exec-child.js';
export { execEnvironment } from './exec-env.js';
export { pathMatch, starGlob } from './glob-match.js';
export { retryPolicy, RETRY_DEFAULTS } from './retry-policy.js';
export { resolveSandboxedPath } from './sandbox-path.js';
export { buildEnvironment, ENV_FLAGS } from './env-command.js';
export type { EnvSource } from './env-command.js';
export { applyKeyFormat, decodeEnvConfig, loadEnvConfig, mergeEnvConfigs } from './env-config.js';
export type { EnvPrefixSpec, EnvRunConfig, EnvServiceSpec } from './env-config.js';
export { isShareable, templateDedupId } from './renderer.js';
export { applyOwnership, lookupGroup, lookupUser } from './file-ownership.js';
export { SyslogWriter, syslogFacility, syslogLine } from './syslog-writer.js';
