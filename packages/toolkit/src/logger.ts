// One line per event, Consul's shape: `<time> [INFO]  agent.http: Started HTTP server: address=127.0.0.1:8500`.

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };
const LABEL: Record<LogLevel, string> = {
  trace: '[TRACE] ',
  debug: '[DEBUG] ',
  info: '[INFO]  ',
  warn: '[WARN]  ',
  error: '[ERROR] ',
};

export interface Logger {
  trace(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  named(name: string): Logger;
}

export function createLogger(
  level: LogLevel,
  name = 'agent',
  write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): Logger {
  const min = ORDER[level];
  const log = (lvl: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < min) return;
    let line = `${new Date().toISOString()} ${LABEL[lvl]}${name}: ${msg}`;
    if (fields) {
      // hclog's shape: the message, a colon, then key=value pairs.
      let sep = ':';
      for (const [k, v] of Object.entries(fields)) {
        if (v === undefined) continue;
        const s = v instanceof Error ? v.message : typeof v === 'string' ? v : JSON.stringify(v);
        line += `${sep} ${k}=${/\s/.test(s) ? JSON.stringify(s) : s}`;
        sep = '';
      }
    }
    write(line);
  };
  return {
    trace: log('trace'),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    named: (sub) => createLogger(level, `${name}.${sub}`, write),
  };
}
