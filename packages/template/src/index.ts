export { parseTemplate, Template } from './template.js';
export type { TemplateOptions } from './template.js';
export type { MissingKey } from './executor.js';
export { TemplateParseError, TemplateExecError, TemplateFuncError } from './errors.js';
export { fn } from './func-spec.js';
export type { ArgType, FuncSpec, FuncMap, TemplateFunc } from './func-spec.js';
export { goSprint, goSprintf, goSprintln, goQuote } from './go-format.js';
export { GoFloat, GO_TYPE, isTrue } from './values.js';
