export { createLogger, type Logger, type LogLevel } from './logger.js';
export { WatchHub, WatchSet, type WatchCallback } from './watch-hub.js';
