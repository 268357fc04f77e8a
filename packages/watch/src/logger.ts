// The logging surface watches need. It is the agent logger's shape, so the agent passes its own (named `watch`);
// the CLI uses createWatchLogger, which prints Consul's one-line format on stderr.

export type WatchLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface WatchLogger {
  trace(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const ORDER: Record<WatchLogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };
const LABEL: Record<WatchLogLevel, string> = {
  trace: '[TRACE] ',
  debug: '[DEBUG] ',
  info: '[INFO]  ',
  warn: '[WARN]  ',
  error: '[ERROR] ',
};

/** `<time> [LEVEL] watch: message k=v ...`, lines below `level` dropped. */
export function createWatchLogger(
  level: WatchLogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
  name = 'watch',
): WatchLogger {
  const min = ORDER[level];
  const log = (lvl: WatchLogLevel) => (msg: string, fields?: LogFields) => {
    if (ORDER[lvl] < min) return;
    let line = `${new Date().toISOString()} ${LABEL[lvl]}${name}: ${msg}`;
    for (const [k, v] of Object.entries(fields ?? {})) {
      if (v === undefined) continue;
      const s = v instanceof Error ? v.message : typeof v === 'string' ? v : typeof v === 'bigint' ? v.toString() : JSON.stringify(v);
      line += ` ${k}=${/[\s"]/.test(s) || s === '' ? JSON.stringify(s) : s}`;
    }
    write(line);
  };
  return { trace: log('trace'), debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** Drops everything (the default when the caller gives no logger). */
export const silentWatchLogger: WatchLogger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
