/**
 * Where raft reports what it repaired, dropped or stopped on. Structural on purpose: an application
 * logger with these four methods (and maybe more) is passed as it is, with no adapter and no import of
 * the application's types here.
 */
export interface RaftLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const nothing = (): void => undefined;

/** The default: a library must not write to the console behind its embedder's back. */
export const silentLogger: RaftLogger = { debug: nothing, info: nothing, warn: nothing, error: nothing };
