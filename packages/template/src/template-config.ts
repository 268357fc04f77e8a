// consul-template configuration: `-config` files (HCL or JSON, a file or a directory of them) and the
// `-template "src[:dst[:cmd]]"` flag, decoded into what the Renderer needs. Unknown keys are errors that
// name the file and key; consul-template keys this implementation does not support are reported as warnings.
import { promises as fs } from 'node:fs';
import { extname, join } from 'node:path';
import { parseGoBool, parseGoDuration } from '@conclave/toolkit';
import { HclError, parseHcl } from '@conclave/hcl';
import { TemplateSpec, WaitSpec } from './renderer.js';

export class TemplateConfigError extends Error {
  override name = 'TemplateConfigError';
}

export interface TemplateRunConfig {
  consul: { address?: string; token?: string; ssl?: SslSpec };
  templates: TemplateSpec[];
  wait?: WaitSpec;
  logLevel?: string;
  once?: boolean;
  maxStaleMs?: number;
  blockQueryWaitMs?: number;
  defaultLeftDelimiter?: string;
  defaultRightDelimiter?: string;
  /** Supported-by-consul-template settings that are ignored here, for the log. */
  warnings: string[];
}

export function emptyConfig(): TemplateRunConfig {
  return { consul: {}, templates: [], warnings: [] };
}

const UNSUPPORTED_TOP = ['vault', 'nomad', 'exec', 'deduplicate', 'syslog', 'pid_file', 'kill_signal', 'reload_signal', 'template_error_fatal', 'log_file', 'reload'];
const UNSUPPORTED_TEMPLATE = ['exec', 'sandbox_path', 'user', 'group', 'uid', 'gid', 'source_raw', 'exec_kill_signal'];

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
            else if (['retry', 'auth', 'transport', 'namespace'].includes(ck)) cfg.warnings.push(`${at}.${ck} is not supported and is ignored`);
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
    consul: { ...a.consul, ...b.consul, ssl: a.consul.ssl || b.consul.ssl ? { ...a.consul.ssl, ...b.consul.ssl } : undefined },
    templates: [...a.templates, ...b.templates],
    wait: b.wait ?? a.wait,
    logLevel: b.logLevel ?? a.logLevel,
    once: b.once ?? a.once,
    maxStaleMs: b.maxStaleMs ?? a.maxStaleMs,
    blockQueryWaitMs: b.blockQueryWaitMs ?? a.blockQueryWaitMs,
    defaultLeftDelimiter: b.defaultLeftDelimiter ?? a.defaultLeftDelimiter,
    defaultRightDelimiter: b.defaultRightDelimiter ?? a.defaultRightDelimiter,
    warnings: [...a.warnings, ...b.warnings],
  };
}

/** Parses configuration text: JSON when it starts with "{" (or the file ends in .json), else HCL. */
export function parseTemplateConfigText(text: string, file: string): TemplateRunConfig {
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
  return decodeTemplateConfig(doc, file);
}

/** Loads a config file, or every *.hcl / *.json file of a directory in name order. */
export async function loadTemplateConfig(path: string): Promise<TemplateRunConfig> {
  let st;
  try {
    st = await fs.stat(path);
  } catch {
    throw new TemplateConfigError(`config: ${path}: no such file or directory`);
  }
  if (st.isDirectory()) {
    const names = (await fs.readdir(path)).filter((n) => n.endsWith('.hcl') || n.endsWith('.json')).sort();
    let cfg = emptyConfig();
    for (const n of names) cfg = mergeConfigs(cfg, parseTemplateConfigText(await fs.readFile(join(path, n), 'utf8'), join(path, n)));
    return cfg;
  }
  return parseTemplateConfigText(await fs.readFile(path, 'utf8'), path);
}

/** `-template "src[:dst[:cmd]]"`: further ":" belong to the command. */
export function parseTemplateFlag(value: string): TemplateSpec {
  if (value.trim() === '') throw new TemplateConfigError('-template: empty value (expected "source[:destination[:command]]")');
  const parts = value.split(':');
  const spec: TemplateSpec = { source: parts[0] };
  if (parts.length > 1 && parts[1] !== '') spec.destination = parts[1];
  if (parts.length > 2) {
    const cmd = parts.slice(2).join(':');
    if (cmd !== '') spec.command = cmd;
  }
  return spec;
}
