// @conclave/watch: Consul's watches (`consul watch`, the agent's `watches` config) for Node.js: parse a
// definition, run it against any Consul-compatible agent, hand changes to a script or an HTTP endpoint.
// The building blocks (queries per type, handlers, the CLI's flag mapping) are in `@conclave/watch/internal`,
// for tests and tools only.
export { WatchConfigError } from './errors.js';
export {
  parseWatchDefinition,
  type CheckState,
  type HandlerSpec,
  type HttpHandlerConfig,
  type ParseWatchOptions,
  type WatchDefinition,
  type WatchType,
} from './watch-definition.js';
export { startWatch, type RunningWatch, type WatchRunOptions } from './watch-runner.js';
export { type WatchHandler } from './watch-handler.js';
export { handlerFor } from './handler-for.js';
export { parseConfigWatches, startWatches, type StartWatchesOptions, type WatchSet, type WatchSource } from './config-watches.js';
export { runWatchCommand, type WatchCommandIO } from './watch-command.js';
