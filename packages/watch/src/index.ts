export { WatchConfigError } from './errors.js';
export {
  CHECK_STATES,
  WATCH_TYPES,
  parseWatchDefinition,
  type CheckState,
  type HandlerSpec,
  type HttpHandlerConfig,
  type ParseWatchOptions,
  type WatchDefinition,
  type WatchType,
} from './watch-definition.js';
export { watchParamsFromCli, joinPassingOnlyValue, type CliWatchFlags } from './cli-params.js';
export { buildWatchQuery, newEvents, type ServiceTarget, type WatchQuery } from './watch-query.js';
export { resolveServiceTarget, splitTaggedServiceName } from './service-target.js';
export { startWatch, type RunningWatch, type WatchRunOptions } from './watch-runner.js';
export { WATCH_OUTPUT_MAX_BYTES, type WatchHandler } from './watch-handler.js';
export { handlerFor } from './handler-for.js';
export { runScript, scriptHandler, type ScriptHandlerOptions, type ScriptRunResult, type ScriptSpec } from './script-handler.js';
export { httpHandler, postToHttpHandler, type HttpHandlerResult } from './http-handler.js';
export { encodeConsulJson } from './consul-json.js';
export { eventIdToIndex } from './event-index.js';
export { parseConfigWatches, startWatches, type StartWatchesOptions, type WatchSet, type WatchSource } from './config-watches.js';
export { runWatchCommand, type WatchCommandIO } from './watch-command.js';
