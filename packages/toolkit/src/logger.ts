// The one logger. Every package that logs takes a `Logger` (or a Pick of it) and declares nothing of its own;
// raft and gossip declare their own narrow logger interfaces (they import nothing of ours), which this one
// satisfies as it is.
//
// Formats, one line per event:
//   text             Consul's (hclog's):  `2026-12-06T20:04:45.982Z [INFO]  agent.http: Started HTTP server: address=127.0.0.1:8500 network=tcp`
//   json             hclog's JSON:        `{"@level":"info","@message":"Started HTTP server","@module":"agent.http","@timestamp":"…","address":"…"}`
//   consul-template  consul-template's:   `2026-12-06T20:04:45.982Z [INFO] (runner) creating watcher`
//
// Like hclog's InterceptLogger, one root fans each line out to several sinks: the primary one (stderr and the
// log file, at `log_level`, which a reload changes) and any number added later (a /v1/agent/monitor client with
// its own level and format). A sink must not block; the monitor's drops instead (http-api/src/monitor-stream.ts).
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
  /** Whether some sink would write a line at this level now (hclog's IsDebug): skip costly fields otherwise. */
  isEnabled(level: Exclude<LogLevel, 'off'>): boolean;
}

/** Where lines go: stderr, the log file, a /v1/agent/monitor client. Each has its own level and format. */
export interface LogSink {
  /** Lines below it are not written here. Fixed once the sink is added; the primary's changes only through
   * RootLogger.setLevel (the root caches the lowest level of its sinks to skip unwanted lines cheaply). */
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** One line, without its newline. Must not throw and must not block: a slow consumer drops, never waits. */
  write(line: string): void;
}

/** The logger the process creates once: its loggers (and every `named()` one) write to all of its sinks. */
export interface RootLogger extends Logger {
  /** The level of the primary sink (stderr and the log file): `log_level`, changed on reload. */
  readonly level: LogLevel;
  setLevel(level: LogLevel): void;
  /** Adds a sink with its own level and format (a monitor); answers its removal. */
  addSink(sink: LogSink): () => void;
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
export function createLogger(options?: LoggerOptions): RootLogger;
export function createLogger(level: LogLevel, name?: string, write?: (line: string) => void): RootLogger;
export function createLogger(a: LoggerOptions | LogLevel = {}, name = 'agent', write?: (line: string) => void): RootLogger {
  const o: LoggerOptions = typeof a === 'string' ? { level: a, name, write } : a;
  const primary = { level: o.level ?? 'info', format: o.format ?? 'text', write: o.write ?? defaultWrite };
  const core = new LogCore(primary, o.now ?? (() => new Date()));
  const root = build(core, o.name ?? '');
  return {
    ...root,
    get level() {
      return primary.level;
    },
    setLevel(level: LogLevel) {
      primary.level = level;
      core.refresh();
    },
    addSink: (sink: LogSink) => core.add(sink),
  };
}

/** A field value printed as Go's `%v` of a string-kinded type (raft's ServerAddress, ServerID): hclog quotes an
 * empty Go string (`x=""`) but prints such a value bare (`leader-address=`). JSON sinks get the string. */
export class PlainValue {
  constructor(readonly text: string) {}
  toJSON(): string {
    return this.text;
  }
}

// The sinks every logger of one root shares. A line is formatted once per format in use, and not at all when
// no sink wants its level (the common case for trace and debug).
class LogCore {
  private readonly sinks: LogSink[];
  private min = 0;

  constructor(
    primary: LogSink,
    private readonly now: () => Date,
  ) {
    this.sinks = [primary];
    this.refresh();
  }

  refresh(): void {
    this.min = Math.min(...this.sinks.map((s) => ORDER[s.level]));
  }

  add(sink: LogSink): () => void {
    this.sinks.push(sink);
    this.refresh();
    return () => {
      const i = this.sinks.indexOf(sink);
      if (i > 0) this.sinks.splice(i, 1);
      this.refresh();
    };
  }

  enabled(lvl: Level): boolean {
    return ORDER[lvl] >= this.min;
  }

  emit(lvl: Level, name: string, msg: string, fields: LogFields | undefined): void {
    const order = ORDER[lvl];
    if (order < this.min) return;
    const t = this.now();
    const lines: Partial<Record<LogFormat, string>> = {};
    // A copy: a sink's write may remove a sink (a monitor whose client went away).
    for (const sink of this.sinks.slice()) {
      if (order < ORDER[sink.level]) continue;
      sink.write((lines[sink.format] ??= formatLogLine(sink.format, t, lvl, name, msg, fields)));
    }
  }
}

/** One line in the given format, without its newline (what a sink's write receives). */
export function formatLogLine(format: LogFormat, t: Date, lvl: Exclude<LogLevel, 'off'>, name: string, msg: string, fields?: LogFields): string {
  if (format === 'json') return jsonLine(t, lvl, name, msg, fields);
  if (format === 'consul-template') return `${t.toISOString()} ${CT_LABEL[lvl]}${name ? name + ': ' : ''}${msg}${textFields(fields, '')}`;
  // hclog's shape: the message, a colon when there are fields, then key=value pairs.
  return `${t.toISOString()} ${HCLOG_LABEL[lvl]}${name ? name + ': ' : ''}${msg}${textFields(fields, ':')}`;
}

function build(core: LogCore, name: string): Logger {
  return {
    trace: (msg, fields) => core.emit('trace', name, msg, fields),
    debug: (msg, fields) => core.emit('debug', name, msg, fields),
    info: (msg, fields) => core.emit('info', name, msg, fields),
    warn: (msg, fields) => core.emit('warn', name, msg, fields),
    error: (msg, fields) => core.emit('error', name, msg, fields),
    named: (sub) => build(core, name ? `${name}.${sub}` : sub),
    isEnabled: (level) => core.enabled(level),
  };
}

function textFields(fields: LogFields | undefined, lead: string): string {
  let out = '';
  if (!fields) return out;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (v instanceof PlainValue) {
      out += `${out === '' ? lead : ''} ${k}=${/\s/.test(v.text) ? JSON.stringify(v.text) : v.text}`;
      continue;
    }
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
  isEnabled: () => false,
};
