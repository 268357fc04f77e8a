// The one logger. Every package that logs takes a `Logger` (or a Pick of it) and declares nothing of its own;
// raft and gossip declare their own narrow logger interfaces (they import nothing of ours), which this one
// satisfies as it is.
//
// Formats, one line per event:
//   text             Consul's (hclog's):  `2026-12-06T20:04:45.982Z [INFO]  agent.http: Started HTTP server: address=127.0.0.1:8500 network=tcp`
//   json             hclog's JSON:        `{"@level":"info","@message":"Started HTTP server","@module":"agent.http","@timestamp":"…","address":"…"}`
//   consul-template  consul-template's:   `2026-12-06T20:04:45.982Z [INFO] (runner) creating watcher`
import { goJsonStringify } from './go-json.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'off';
export type LogFormat = 'text' | 'json' | 'consul-template';
export type LogFields = Record<string, unknown>;

export interface Logger {
  trace(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A sub-logger whose name is this one's plus `.name` (`agent` → `agent.http`). */
  named(name: string): Logger;
}

export interface LoggerOptions {
  /** Lines below this level are dropped; 'off' drops all. Default 'info'. */
  level?: LogLevel;
  /** The module name (hclog's); empty for none. Default ''. */
  name?: string;
  format?: LogFormat;
  /** Receives each line, without its newline. Default: stderr. */
  write?: (line: string) => void;
  /** Clock, for tests. */
  now?: () => Date;
}

type Level = Exclude<LogLevel, 'off'>;

const ORDER: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, off: 5 };
const HCLOG_LABEL: Record<Level, string> = { trace: '[TRACE] ', debug: '[DEBUG] ', info: '[INFO]  ', warn: '[WARN]  ', error: '[ERROR] ' };
const CT_LABEL: Record<Level, string> = { trace: '[TRACE] ', debug: '[DEBUG] ', info: '[INFO] ', warn: '[WARN] ', error: '[ERR] ' };

const defaultWrite = (line: string): void => void process.stderr.write(line + '\n');

/** A level name as Consul, hclog and consul-template accept it (any case; `err` and `warning` too). */
export function parseLogLevel(text: string): LogLevel | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'err') return 'error';
  if (t === 'warning') return 'warn';
  return t in ORDER ? (t as LogLevel) : undefined;
}

/** createLogger(options), or the short form createLogger(level, name = 'agent', write) for Consul's text lines. */
export function createLogger(options?: LoggerOptions): Logger;
export function createLogger(level: LogLevel, name?: string, write?: (line: string) => void): Logger;
export function createLogger(a: LoggerOptions | LogLevel = {}, name = 'agent', write?: (line: string) => void): Logger {
  const o: LoggerOptions = typeof a === 'string' ? { level: a, name, write } : a;
  return build(o.level ?? 'info', o.name ?? '', o.format ?? 'text', o.write ?? defaultWrite, o.now ?? (() => new Date()));
}

function build(level: LogLevel, name: string, format: LogFormat, write: (line: string) => void, now: () => Date): Logger {
  const min = ORDER[level];
  const log = (lvl: Level) => (msg: string, fields?: LogFields) => {
    if (ORDER[lvl] < min) return;
    const t = now();
    if (format === 'json') write(jsonLine(t, lvl, name, msg, fields));
    else if (format === 'consul-template') write(`${t.toISOString()} ${CT_LABEL[lvl]}${name ? name + ': ' : ''}${msg}${textFields(fields, '')}`);
    // hclog's shape: the message, a colon when there are fields, then key=value pairs.
    else write(`${t.toISOString()} ${HCLOG_LABEL[lvl]}${name ? name + ': ' : ''}${msg}${textFields(fields, ':')}`);
  };
  return {
    trace: log('trace'),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    named: (sub) => build(level, name ? `${name}.${sub}` : sub, format, write, now),
  };
}

function textFields(fields: LogFields | undefined, lead: string): string {
  let out = '';
  if (!fields) return out;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const text = v instanceof Error ? v.message : typeof v === 'string' ? v : undefined;
    const s = text ?? (typeof v === 'bigint' ? v.toString() : JSON.stringify(v));
    // Text is quoted when it would not read back as one token; JSON-encoded values only when they hold spaces.
    const quote = text !== undefined ? text === '' || /[\s"\p{Cc}]/u.test(text) : /\s/.test(s);
    out += `${out === '' ? lead : ''} ${k}=${quote ? JSON.stringify(s) : s}`;
  }
  return out;
}

const BIG = '\u0000log-bigint:';

function jsonLine(t: Date, lvl: Level, name: string, msg: string, fields: LogFields | undefined): string {
  const rec: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields ?? {})) {
    if (v !== undefined) rec[k] = v instanceof Error ? v.message : v;
  }
  rec['@level'] = lvl;
  rec['@message'] = msg;
  if (name) rec['@module'] = name;
  rec['@timestamp'] = t.toISOString().replace(/Z$/, '000Z'); // hclog: microseconds
  // Go marshals a map with its keys sorted.
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(rec).sort()) sorted[k] = rec[k];
  return goJsonStringify(sorted, { replacer: (_k, v) => (typeof v === 'bigint' ? BIG + v.toString() : v) }).replace(
    /"\\u0000log-bigint:(-?\d+)"/g,
    '$1',
  );
}

/** Drops everything: the default where a caller passes no logger. */
export const silentLogger: Logger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  named: () => silentLogger,
};
