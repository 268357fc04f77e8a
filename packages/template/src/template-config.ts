// consul-template configuration: `-config` files (HCL or JSON, a file or a directory of them) and the
// `-template "src[:dst[:cmd]]"` flag, decoded into what the Renderer needs. Unknown keys are errors that
// name the file and key; consul-template keys this implementation does not support are reported as warnings.
import { promises as fs } from 'node:fs';
import { extname, join } from 'node:path';
import { parseGoBool, parseGoDuration } from '@conclave/toolkit';
import { HclError, parseHcl } from '@conclave/hcl';
import { TemplateSpec, WaitSpec } from './renderer.js';
import { SignalName, parseSignalName } from './exec-child.js';

export class TemplateConfigError extends Error {
  override name = 'TemplateConfigError';
}

/** consul-template's `exec { env { ... } }`. */
export interface ExecEnvSpec {
  pristine?: boolean;
  custom?: string[];
  allowlist?: string[];
  denylist?: string[];
}

/** consul-template's `exec { ... }` (and the -exec* flags). */
export interface ExecSpec {
  command?: string[];
  enabled?: boolean;
  /** null: "" was given (restart instead of signalling). */
  reloadSignal?: SignalName | null;
  /** null: "" was given (SIGKILL at once). */
  killSignal?: SignalName | null;
  killTimeoutMs?: number;
  splayMs?: number;
  timeoutMs?: number;
  env?: ExecEnvSpec;
}

/** consul-template's `consul { retry { ... } }` (and -retry, -consul-retry*). */
export interface RetrySpec {
  enabled?: boolean;
  /** 0 = unlimited; default 12. */
  attempts?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
}

export interface TemplateRunConfig {
  consul: { address?: string; token?: string; ssl?: SslSpec; retry?: RetrySpec };
  exec?: ExecSpec;
  /** Top-level kill_signal / reload_signal; null = "" (do not listen). */
  killSignal?: SignalName | null;
  reloadSignal?: SignalName | null;
  templates: TemplateSpec[];
  wait?: WaitSpec;
  logLevel?: string;
  once?: boolean;
  maxStaleMs?: number;
  blockQueryWaitMs?: number;
  defaultLeftDelimiter?: string;
  defaultRightDelimiter?: string;
  /** pid_file / -pid-file ("" = none). */
  pidFile?: string;
  /** template_error_fatal / -template-error-fatal: the default of each template's error_fatal (true when unset). */
  templateErrorFatal?: boolean;
  /** syslog { ... } / -syslog*. */
  syslog?: SyslogSpec;
  /** deduplicate { ... } / -dedup. */
  dedup?: DedupSpec;
  /** Supported-by-consul-template settings that are ignored here, for the log. */
  warnings: string[];
}

/** consul-template's `syslog { enabled, facility, name }`. */
export interface SyslogSpec {
  enabled?: boolean;
  facility?: string;
  name?: string;
}

/** consul-template's `deduplicate { enabled, prefix, max_stale, ttl, block_query_wait }`. */
export interface DedupSpec {
  /** Unset: enabled when any other field is set (consul-template's Finalize). */
  enabled?: boolean;
  prefix?: string;
  maxStaleMs?: number;
  ttlMs?: number;
  blockQueryWaitMs?: number;
}

/** Whether de-duplication mode is on (consul-template: `enabled`, else any other option given). */
export function dedupEnabled(d: DedupSpec | undefined): boolean {
  if (!d) return false;
  return d.enabled ?? (d.prefix !== undefined || d.maxStaleMs !== undefined || d.ttlMs !== undefined || d.blockQueryWaitMs !== undefined);
}

function decodeDedup(v: unknown, where: string): DedupSpec {
  const out: DedupSpec = {};
  for (const b of blocks(v, where)) {
    for (const [k, x] of Object.entries(b)) {
      const at = `${where}.${k}`;
      // mapstructure matches field names case-insensitively: consul-template's own docs write `TTL`.
      switch (k.toLowerCase()) {
        case 'enabled':
          out.enabled = bool(x, at);
          break;
        case 'prefix':
          out.prefix = str(x, at);
          break;
        case 'max_stale':
          out.maxStaleMs = duration(x, at);
          break;
        case 'ttl':
          out.ttlMs = duration(x, at);
          break;
        case 'block_query_wait':
          out.blockQueryWaitMs = duration(x, at);
          break;
        default:
          throw new TemplateConfigError(`${at}: unknown key "${k}"`);
      }
    }
  }
  return out;
}

export function emptyConfig(): TemplateRunConfig {
  return { consul: {}, templates: [], warnings: [] };
}

const UNSUPPORTED_TOP = ['vault', 'nomad', 'log_file', 'reload'];
const UNSUPPORTED_TEMPLATE = ['source_raw'];

type Raw = Record<string, unknown>;

/** consul-template's `consul { ssl { ... } }`. */
export interface SslSpec {
  enabled?: boolean;
  verify?: boolean;
  cert?: string;
  key?: string;
  caCert?: string;
  caPath?: string;
  serverName?: string;
}

function decodeSsl(v: unknown, at: string): SslSpec {
  const out: SslSpec = {};
  for (const b of blocks(v, at)) {
    for (const [k, x] of Object.entries(b)) {
      const where = `${at}.${k}`;
      if (k === 'enabled') out.enabled = bool(x, where);
      else if (k === 'verify') out.verify = bool(x, where);
      else if (k === 'cert') out.cert = str(x, where);
      else if (k === 'key') out.key = str(x, where);
      else if (k === 'ca_cert') out.caCert = str(x, where);
      else if (k === 'ca_path') out.caPath = str(x, where);
      else if (k === 'server_name') out.serverName = str(x, where);
      else throw new TemplateConfigError(`${where}: unknown key "${k}"`);
    }
  }
  return out;
}

function blocks(v: unknown, where: string): Raw[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) {
    return v.map((x) => {
      if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new TemplateConfigError(`${where}: expected a block`);
      return x as Raw;
    });
  }
  if (typeof v === 'object') return [v as Raw];
  throw new TemplateConfigError(`${where}: expected a block, got ${JSON.stringify(v)}`);
}

function str(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  throw new TemplateConfigError(`${where}: expected a string, got ${JSON.stringify(v)}`);
}

function bool(v: unknown, where: string): boolean {
  if (typeof v === 'boolean') return v;
  const b = typeof v === 'string' ? parseGoBool(v) : undefined; // mapstructure's weak decoding: strconv.ParseBool
  if (b !== undefined) return b;
  throw new TemplateConfigError(`${where}: expected true or false, got ${JSON.stringify(v)}`);
}

function duration(v: unknown, where: string): number {
  if (typeof v === 'number') return v / 1e6; // JSON numbers are nanoseconds, as Go decodes time.Duration
  try {
    return parseGoDuration(str(v, where)) / 1e6;
  } catch (e) {
    throw new TemplateConfigError(`${where}: ${(e as Error).message}`);
  }
}

function int(v: unknown, where: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?[0-9]+$/.test(v.trim())) return Number(v.trim()); // mapstructure's weak decoding
  throw new TemplateConfigError(`${where}: expected an integer, got ${JSON.stringify(v)}`);
}

function strList(v: unknown, where: string): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map((x, i) => str(x, `${where}[${i}]`));
  throw new TemplateConfigError(`${where}: expected a string or a list of strings, got ${JSON.stringify(v)}`);
}

/** A signal name; "" means none (null), as consul-template's config. */
export function signalOrNone(v: unknown, where: string): SignalName | null {
  const s = str(v, where);
  if (s === '') return null;
  try {
    return parseSignalName(s);
  } catch (e) {
    throw new TemplateConfigError(`${where}: ${(e as Error).message}`);
  }
}

/** consul-template's commandList: a string is one command (run by `sh -c` when it has spaces), a list is argv. */
function commandList(v: unknown, where: string): string[] {
  return strList(v, where);
}

function decodeExec(v: unknown, where: string): ExecSpec {
  const out: ExecSpec = {};
  for (const b of blocks(v, where)) {
    for (const [k, x] of Object.entries(b)) {
      const at = `${where}.${k}`;
      switch (k) {
        case 'command':
          out.command = commandList(x, at);
          break;
        case 'enabled':
          out.enabled = bool(x, at);
          break;
        case 'reload_signal':
          out.reloadSignal = signalOrNone(x, at);
          break;
        case 'kill_signal':
          out.killSignal = signalOrNone(x, at);
          break;
        case 'kill_timeout':
          out.killTimeoutMs = duration(x, at);
          break;
        case 'splay':
          out.splayMs = duration(x, at);
          break;
        case 'timeout':
          out.timeoutMs = duration(x, at);
          break;
        case 'env':
          out.env = { ...out.env, ...decodeExecEnv(x, at) };
          break;
        default:
          throw new TemplateConfigError(`${at}: unknown key "${k}"`);
      }
    }
  }
  return out;
}

function decodeExecEnv(v: unknown, where: string): ExecEnvSpec {
  const out: ExecEnvSpec = {};
  for (const b of blocks(v, where)) {
    for (const [k, x] of Object.entries(b)) {
      const at = `${where}.${k}`;
      if (k === 'pristine') out.pristine = bool(x, at);
      else if (k === 'custom') out.custom = strList(x, at);
      else if (k === 'allowlist' || k === 'whitelist') out.allowlist = [...(out.allowlist ?? []), ...strList(x, at)];
      else if (k === 'denylist' || k === 'blacklist') out.denylist = [...(out.denylist ?? []), ...strList(x, at)];
      else throw new TemplateConfigError(`${at}: unknown key "${k}"`);
    }
  }
  return out;
}

function decodeSyslog(v: unknown, where: string): SyslogSpec {
  const out: SyslogSpec = {};
  for (const b of blocks(v, where)) {
    for (const [k, x] of Object.entries(b)) {
      const at = `${where}.${k}`;
      if (k === 'enabled') out.enabled = bool(x, at);
      else if (k === 'facility') out.facility = str(x, at);
      else if (k === 'name') out.name = str(x, at);
      else throw new TemplateConfigError(`${at}: unknown key "${k}"`);
    }
  }
  return out;
}

function decodeRetry(v: unknown, where: string): RetrySpec {
  const out: RetrySpec = {};
  for (const b of blocks(v, where)) {
    for (const [k, x] of Object.entries(b)) {
      const at = `${where}.${k}`;
      if (k === 'enabled') out.enabled = bool(x, at);
      else if (k === 'attempts') out.attempts = int(x, at);
      else if (k === 'backoff') out.backoffMs = duration(x, at);
      else if (k === 'max_backoff') out.maxBackoffMs = duration(x, at);
      else throw new TemplateConfigError(`${at}: unknown key "${k}"`);
    }
  }
  return out;
}

/** Field-wise merge of two exec blocks (later wins; env lists accumulate as consul-template's EnvConfig.Merge). */
export function mergeExec(a: ExecSpec | undefined, b: ExecSpec | undefined): ExecSpec | undefined {
  if (!a) return b;
  if (!b) return a;
  const out: ExecSpec = { ...a };
  for (const [k, v] of Object.entries(b) as [keyof ExecSpec, unknown][]) if (v !== undefined && k !== 'env') (out as Record<string, unknown>)[k] = v;
  if (a.env || b.env) {
    out.env = {
      pristine: b.env?.pristine ?? a.env?.pristine,
      custom: [...(a.env?.custom ?? []), ...(b.env?.custom ?? [])],
      allowlist: [...(a.env?.allowlist ?? []), ...(b.env?.allowlist ?? [])],
      denylist: [...(a.env?.denylist ?? []), ...(b.env?.denylist ?? [])],
    };
  }
  return out;
}

function perms(v: unknown, where: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o7777) return v;
  if (typeof v === 'string' && /^0?[0-7]{1,4}$/.test(v)) return parseInt(v, 8);
  throw new TemplateConfigError(`${where}: expected file permissions such as "0644", got ${JSON.stringify(v)}`);
}

function decodeWait(v: unknown, where: string): WaitSpec {
  if (typeof v === 'string') {
    try {
      return parseWaitSpec(v);
    } catch (e) {
      throw new TemplateConfigError(`${where}: ${(e as Error).message}`);
    }
  }
  const [b] = blocks(v, where);
  const known = ['min', 'max', 'enabled'];
  for (const k of Object.keys(b ?? {})) if (!known.includes(k)) throw new TemplateConfigError(`${where}: unknown key "${k}"`);
  const minMs = b?.min !== undefined ? duration(b.min, `${where}.min`) : 0;
  const maxMs = b?.max !== undefined ? duration(b.max, `${where}.max`) : minMs * 4;
  if (maxMs < minMs) throw new TemplateConfigError(`${where}: max must be larger than min`);
  return { minMs, maxMs };
}

/** "min[:max]" with Go durations; one value means max = 4 × min (consul-template). */
export function parseWaitSpec(spec: string): WaitSpec {
  const [a, b, extra] = spec.split(':');
  if (extra !== undefined || a === undefined || a === '') throw new TemplateConfigError(`wait: invalid value "${spec}" (expected min or min:max, e.g. 2s:10s)`);
  const minMs = parseGoDuration(a) / 1e6;
  const maxMs = b !== undefined && b !== '' ? parseGoDuration(b) / 1e6 : minMs * 4;
  if (maxMs < minMs) throw new TemplateConfigError(`wait: max (${b}) must be larger than min (${a})`);
  return { minMs, maxMs };
}

function decodeTemplate(b: Raw, where: string, warnings: string[]): TemplateSpec {
  const t: TemplateSpec = {};
  let uid: string | undefined;
  let gid: string | undefined;
  for (const [k, v] of Object.entries(b)) {
    const at = `${where}.${k}`;
    switch (k) {
      case 'source':
        t.source = str(v, at);
        break;
      case 'destination':
        t.destination = str(v, at);
        break;
      case 'contents':
        t.contents = str(v, at);
        break;
      case 'command':
        if (Array.isArray(v)) t.command = v.map((x, i) => str(x, `${at}[${i}]`));
        else t.command = str(v, at);
        break;
      case 'command_timeout':
        t.commandTimeoutMs = duration(v, at);
        break;
      case 'perms':
        t.perms = perms(v, at);
        break;
      case 'backup':
        t.backup = bool(v, at);
        break;
      case 'create_dest_dirs':
        t.createDestDirs = bool(v, at);
        break;
      case 'wait':
        t.wait = decodeWait(v, at);
        break;
      case 'left_delimiter':
        t.leftDelimiter = str(v, at);
        break;
      case 'right_delimiter':
        t.rightDelimiter = str(v, at);
        break;
      case 'error_on_missing_key':
        t.errorOnMissingKey = bool(v, at);
        break;
      case 'sandbox_path':
        t.sandboxPath = str(v, at);
        break;
      case 'exec': {
        // A template's own exec block is its command (consul-template 0.26+): command and timeout.
        const e = decodeExec(v, at);
        if (e.command !== undefined) t.command = e.command.length === 1 ? e.command[0] : e.command;
        if (e.timeoutMs !== undefined) t.commandTimeoutMs = e.timeoutMs;
        break;
      }
      case 'error_fatal':
        t.errorFatal = bool(v, at);
        break;
      case 'user':
        t.user = typeof v === 'number' ? String(int(v, at)) : str(v, at);
        break;
      case 'group':
        t.group = typeof v === 'number' ? String(int(v, at)) : str(v, at);
        break;
      case 'uid':
        // consul-template 0.28's numeric form, equivalent to user (which wins when both are given).
        uid = String(int(v, at));
        break;
      case 'gid':
        gid = String(int(v, at));
        break;
      case 'function_denylist':
      case 'function_blacklist':
        if (!Array.isArray(v)) throw new TemplateConfigError(`${at}: expected a list of function names`);
        t.functionDenylist = v.map((x, i) => str(x, `${at}[${i}]`));
        break;
      default:
        if (UNSUPPORTED_TEMPLATE.includes(k)) warnings.push(`${at} is not supported and is ignored`);
        else throw new TemplateConfigError(`${at}: unknown key "${k}"`);
    }
  }
  if (uid !== undefined) t.user ??= uid;
  if (gid !== undefined) t.group ??= gid;
  if (t.source === undefined && t.contents === undefined) throw new TemplateConfigError(`${where}: one of "source" or "contents" is required`);
  if (t.source !== undefined && t.contents !== undefined) throw new TemplateConfigError(`${where}: "source" and "contents" cannot both be set`);
  return t;
}

/** Decodes one parsed configuration document (from HCL or JSON). */
export function decodeTemplateConfig(doc: Raw, file: string): TemplateRunConfig {
  const cfg = emptyConfig();
  for (const [k, v] of Object.entries(doc)) {
    const at = `${file}: ${k}`;
    switch (k) {
      case 'consul':
        for (const b of blocks(v, at)) {
          for (const [ck, cv] of Object.entries(b)) {
            if (ck === 'address') cfg.consul.address = str(cv, `${at}.address`);
            else if (ck === 'token') cfg.consul.token = str(cv, `${at}.token`);
            else if (ck === 'ssl') cfg.consul.ssl = { ...cfg.consul.ssl, ...decodeSsl(cv, `${at}.ssl`) };
            else if (ck === 'retry') cfg.consul.retry = { ...cfg.consul.retry, ...decodeRetry(cv, `${at}.retry`) };
            else if (['auth', 'transport', 'namespace'].includes(ck)) cfg.warnings.push(`${at}.${ck} is not supported and is ignored`);
            else throw new TemplateConfigError(`${at}.${ck}: unknown key "${ck}"`);
          }
        }
        break;
      case 'template':
        blocks(v, at).forEach((b, i) => cfg.templates.push(decodeTemplate(b, `${file}: template[${i}]`, cfg.warnings)));
        break;
      case 'wait':
        cfg.wait = decodeWait(v, at);
        break;
      case 'exec':
        cfg.exec = mergeExec(cfg.exec, decodeExec(v, at));
        break;
      case 'kill_signal':
        cfg.killSignal = signalOrNone(v, at);
        break;
      case 'reload_signal':
        cfg.reloadSignal = signalOrNone(v, at);
        break;
      case 'log_level':
        cfg.logLevel = str(v, at);
        break;
      case 'once':
        cfg.once = bool(v, at);
        break;
      case 'max_stale':
        cfg.maxStaleMs = duration(v, at);
        break;
      case 'block_query_wait':
        cfg.blockQueryWaitMs = duration(v, at);
        break;
      case 'pid_file':
        cfg.pidFile = str(v, at);
        break;
      case 'template_error_fatal':
        cfg.templateErrorFatal = bool(v, at);
        break;
      case 'syslog':
        cfg.syslog = { ...cfg.syslog, ...decodeSyslog(v, at) };
        break;
      case 'deduplicate':
        cfg.dedup = { ...cfg.dedup, ...decodeDedup(v, at) };
        break;
      case 'default_delimiters':
        for (const b of blocks(v, at)) {
          if (b.left !== undefined) cfg.defaultLeftDelimiter = str(b.left, `${at}.left`);
          if (b.right !== undefined) cfg.defaultRightDelimiter = str(b.right, `${at}.right`);
        }
        break;
      default:
        if (UNSUPPORTED_TOP.includes(k)) cfg.warnings.push(`${at} is not supported and is ignored`);
        else throw new TemplateConfigError(`${at}: unknown key "${k}"`);
    }
  }
  return cfg;
}

/** Later values win; templates accumulate (consul-template's merge). */
export function mergeConfigs(a: TemplateRunConfig, b: TemplateRunConfig): TemplateRunConfig {
  return {
    consul: {
      ...a.consul,
      ...b.consul,
      ssl: a.consul.ssl || b.consul.ssl ? { ...a.consul.ssl, ...b.consul.ssl } : undefined,
      retry: a.consul.retry || b.consul.retry ? { ...a.consul.retry, ...b.consul.retry } : undefined,
    },
    templates: [...a.templates, ...b.templates],
    exec: mergeExec(a.exec, b.exec),
    killSignal: b.killSignal !== undefined ? b.killSignal : a.killSignal,
    reloadSignal: b.reloadSignal !== undefined ? b.reloadSignal : a.reloadSignal,
    wait: b.wait ?? a.wait,
    logLevel: b.logLevel ?? a.logLevel,
    once: b.once ?? a.once,
    maxStaleMs: b.maxStaleMs ?? a.maxStaleMs,
    blockQueryWaitMs: b.blockQueryWaitMs ?? a.blockQueryWaitMs,
    defaultLeftDelimiter: b.defaultLeftDelimiter ?? a.defaultLeftDelimiter,
    defaultRightDelimiter: b.defaultRightDelimiter ?? a.defaultRightDelimiter,
    pidFile: b.pidFile ?? a.pidFile,
    templateErrorFatal: b.templateErrorFatal ?? a.templateErrorFatal,
    syslog: a.syslog || b.syslog ? { ...a.syslog, ...b.syslog } : undefined,
    dedup: a.dedup || b.dedup ? { ...a.dedup, ...b.dedup } : undefined,
    warnings: [...a.warnings, ...b.warnings],
  };
}

/** Parses configuration text: JSON when it starts with "{" (or the file ends in .json), else HCL. */
export function parseTemplateConfigText(text: string, file: string): TemplateRunConfig {
  return decodeTemplateConfig(parseConfigDocument(text, file), file);
}

/** A configuration file's document, JSON or HCL (conclave-template's and conclave-env's files alike). */
export function parseConfigDocument(text: string, file: string): Raw {
  let doc: Raw;
  if (extname(file) === '.json' || /^\s*\{/.test(text)) {
    try {
      doc = JSON.parse(text) as Raw;
    } catch (e) {
      throw new TemplateConfigError(`${file}: invalid JSON: ${(e as Error).message}`);
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new TemplateConfigError(`${file}: expected a JSON object`);
  } else {
    try {
      doc = parseHcl(text, file).root;
    } catch (e) {
      if (!(e instanceof HclError)) throw e;
      throw new TemplateConfigError(e.message);
    }
  }
  return doc;
}

/** The documents of a configuration file, or of every *.hcl / *.json file of a directory in name order. */
export async function readConfigDocuments(path: string): Promise<{ doc: Raw; file: string }[]> {
  let st;
  try {
    st = await fs.stat(path);
  } catch {
    throw new TemplateConfigError(`config: ${path}: no such file or directory`);
  }
  const files = st.isDirectory()
    ? (await fs.readdir(path)).filter((n) => n.endsWith('.hcl') || n.endsWith('.json')).sort().map((n) => join(path, n))
    : [path];
  const out: { doc: Raw; file: string }[] = [];
  for (const file of files) out.push({ doc: parseConfigDocument(await fs.readFile(file, 'utf8'), file), file });
  return out;
}

/** Loads a config file, or every *.hcl / *.json file of a directory in name order. */
export async function loadTemplateConfig(path: string): Promise<TemplateRunConfig> {
  let cfg = emptyConfig();
  for (const { doc, file } of await readConfigDocuments(path)) cfg = mergeConfigs(cfg, decodeTemplateConfig(doc, file));
  return cfg;
}

// The block decoders conclave-env's configuration shares.
export { blocks as configBlocks, str as configStr, bool as configBool, duration as configDuration, decodeExec as decodeExecBlock, decodeSsl, decodeRetry };

/**
 * `-template "src[:dst[:cmd]]"`, split as consul-template does (regexp `([a-zA-Z]:)?([^:]+)`): a drive letter
 * stays with its path (`C:\\in.tpl:D:\\out.txt`), empty parts are dropped, parts after the third rejoin the
 * command with ":".
 */
export function parseTemplateFlag(value: string): TemplateSpec {
  if (value.trim() === '') throw new TemplateConfigError('template: cannot be empty');
  const parts = value.match(/([a-zA-Z]:)?([^:]+)/g) ?? [];
  if (parts.length === 0) throw new TemplateConfigError('template: cannot be empty');
  const spec: TemplateSpec = { source: parts[0] };
  if (parts.length > 1) spec.destination = parts[1];
  if (parts.length > 2) spec.command = parts.slice(2).join(':');
  return spec;
}
