// @conclave/template: Go's text/template and consul-template's renderer for Node.js. This is the public
// surface for embedders; the building blocks (dependencies, the store, helper functions, the config
// decoder) are reachable through `@conclave/template/internal` for tests and tools, and are not API.

// The language: Go's text/template.
export { parseTemplate, Template } from './template.js';
export type { TemplateOptions } from './template.js';
export type { MissingKey } from './executor.js';
export { TemplateParseError, TemplateExecError, TemplateFuncError } from './errors.js';
export { fn } from './func-spec.js';
export type { ArgType, FuncSpec, FuncMap, TemplateFunc } from './func-spec.js';

// consul-template: one template against a Consul-compatible agent, and the runner that keeps files rendered.
export { ConsulTemplate, parseConsulTemplate } from './consul-template.js';
export type { ConsulTemplateOptions, RenderResult } from './consul-template.js';
export { Renderer } from './renderer.js';
export type { DedupHooks, PassSummary, RendererEvent, RendererOptions, TemplateSpec, WaitSpec } from './renderer.js';
export { DedupManager, DEDUP_DEFAULTS, DEDUP_FORMAT } from './dedup-manager.js';
export type { DedupOptions } from './dedup-manager.js';
export { ExecChild } from './exec-child.js';
export type { ExecChildOptions, SignalName } from './exec-child.js';
export { consulClientSource } from './client-source.js';
export type { ClientSourceOptions, ConsulQueryClient } from './client-source.js';

// The command line and its configuration files (what `conclave-template` runs).
export { runTemplateCommand, EXIT as TEMPLATE_EXIT_CODES, MONITORED_SIGNALS, processSignals, runAsProcess } from './template-command.js';
export type { TemplateCommandIO } from './template-command.js';
export { runEnvCommand } from './env-command.js';
export type { EnvCommandIO } from './env-command.js';
export { TemplateConfigError, loadTemplateConfig } from './template-config.js';
export type { TemplateRunConfig } from './template-config.js';
