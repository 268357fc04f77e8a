// Not public API: the pieces behind @conclave/watch's surface, for this package's tests and tools.
// Names here may change without notice.
export * from './index.js';
export { CHECK_STATES, WATCH_TYPES } from './watch-definition.js';
export { watchParamsFromCli, joinPassingOnlyValue, type CliWatchFlags } from './cli-params.js';
export { buildWatchQuery, newEvents, type ServiceTarget, type WatchQuery } from './watch-query.js';
export { resolveServiceTarget, splitTaggedServiceName } from './service-target.js';
export { WATCH_OUTPUT_MAX_BYTES } from './watch-handler.js';
export { runScript, scriptHandler, type ScriptHandlerOptions, type ScriptRunResult, type ScriptSpec } from './script-handler.js';
export { httpHandler, postToHttpHandler, type HttpHandlerResult } from './http-handler.js';
export { encodeConsulJson } from './consul-json.js';
export { eventIdToIndex } from './event-index.js';
