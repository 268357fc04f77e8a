// The language: Go's text/template.
export { parseTemplate, Template } from './template.js';
export type { TemplateOptions } from './template.js';
export type { MissingKey } from './executor.js';
export { TemplateParseError, TemplateExecError, TemplateFuncError } from './errors.js';
export { fn } from './func-spec.js';
export type { ArgType, FuncSpec, FuncMap, TemplateFunc } from './func-spec.js';
export { goSprint, goSprintf, goSprintln, goQuote } from './go-format.js';
export { GoFloat, GoStringMap, GO_TYPE, isTrue } from './values.js';

// consul-template's functions and dependencies.
export { ConsulTemplate, parseConsulTemplate } from './consul-template.js';
export type { ConsulTemplateOptions, RenderResult } from './consul-template.js';
export { helperFuncs, goJsonMarshal, goTimeFormat, goRegExp } from './helpers.js';
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
export { Renderer } from './renderer.js';
export type { RendererEvent, RendererOptions, TemplateSpec, WaitSpec } from './renderer.js';
export { watchDependency, defaultRetryDelay } from './dependency-watch.js';
export type { DependencyWatchOptions, WatchHandle, WatchingSource } from './dependency-watch.js';
export { consulClientSource } from './client-source.js';
export type { ClientSourceOptions, ConsulQueryClient } from './client-source.js';
export { runCommand } from './command-runner.js';
export type { CommandResult } from './command-runner.js';

// The command line and configuration (for the conclave-template app).
export { runTemplateCommand, TEMPLATE_FLAGS, EXIT as TEMPLATE_EXIT_CODES } from './template-command.js';
export type { TemplateCommandIO } from './template-command.js';
export {
  TemplateConfigError,
  decodeTemplateConfig,
  loadTemplateConfig,
  mergeConfigs,
  parseTemplateConfigText,
  parseTemplateFlag,
  parseWaitSpec,
} from './template-config.js';
export type { TemplateRunConfig } from './template-config.js';
export { parseHcl, HclError } from './hcl.js';
export { Scratch } from './scratch.js';
export type { HclObject, HclValue } from './hcl.js';
