// conclave-env's configuration files (`-config`, envconsul's HCL or JSON): the Consul connection, `prefix {}` and
// `service {}` blocks with their key formats, `exec {}`, `sanitize`, `upcase`, `pristine` and the rest of
// envconsul's top level. Files merge left to right (a directory: its *.hcl and *.json in name order), then the
// flags go on top; prefixes and services accumulate. Vault's blocks are refused with a warning: there is no Vault.
import { parseTemplate } from './template.js';
import { fn } from './func-spec.js';
import {
  RetrySpec,
  SslSpec,
  TemplateConfigError,
  configBlocks,
  configBool,
  configDuration,
  configStr,
  decodeExecBlock,
  decodeRetry,
  decodeSsl,
  mergeExec,
  readConfigDocuments,
  type ExecSpec,
} from './template-config.js';

/** envconsul's `prefix { path, format, no_prefix }` (`-prefix path` gives the path alone). */
export interface EnvPrefixSpec {
  path: string;
  /** Go template over `{{ key }}` (and `replaceKey`) naming the variable. */
  format?: string;
  /** false: the variable starts with the sanitized path and "_" (envconsul's default for Consul prefixes is true). */
  noPrefix?: boolean;
}

/** envconsul's `service { query, format_id, format_name, format_address, format_tag, format_port }`. */
export interface EnvServiceSpec {
  query: string;
  formatId?: string;
  formatName?: string;
  formatAddress?: string;
  formatTag?: string;
  formatPort?: string;
}

export interface EnvRunConfig {
  consul: { address?: string; token?: string; ssl?: SslSpec; retry?: RetrySpec };
  exec?: ExecSpec;
  prefixes: EnvPrefixSpec[];
  services: EnvServiceSpec[];
  pristine?: boolean;
  sanitize?: boolean;
  upcase?: boolean;
  once?: boolean;
  logLevel?: string;
  maxStaleMs?: number;
  pidFile?: string;
  warnings: string[];
}

export function emptyEnvConfig(): EnvRunConfig {
  return { consul: {}, prefixes: [], services: [], warnings: [] };
}

// kill_signal: conclave-env forwards every signal to the command (which decides when to exit), see env-command.ts.
const UNSUPPORTED = ['vault', 'secret', 'syslog', 'wait', 'reload_signal', 'kill_signal', 'timeout', 'log_file'];

/** Checks a key format now, so that a typo is a configuration error rather than an empty variable name later. */
function format(v: unknown, at: string): string {
  const s = configStr(v, at);
  try {
    applyKeyFormat(s, { key: 'k', service: 's' });
  } catch (e) {
    throw new TemplateConfigError(`${at}: ${(e as Error).message}`);
  }
  return s;
}

/** envconsul's replaceKey: `key | replaceKey "from" "to"` renames exactly `from`. */
function replaceKey(...args: string[]): string {
  // Go template pipelines pass the piped value last: replaceKey from to key.
  if (args.length !== 3) return args[0] ?? '';
  return args[2] === args[0] ? args[1]! : args[2]!;
}

/** Renders a key format: `{{ key }}`, `{{ service }}`, `replaceKey`. */
export function applyKeyFormat(text: string, vars: { key: string; service?: string }): string {
  const funcs = {
    key: fn([], () => vars.key),
    service: fn([], () => vars.service ?? ''),
    replaceKey: fn([], replaceKey, 'string'),
  };
  return parseTemplate('format', text, { funcs }).execute(undefined);
}

/** envconsul renders a prefix path as a template with `env` (an unset variable is an error). */
function renderPath(text: string, env: Record<string, string | undefined>, at: string): string {
  if (!text.includes('{{')) return text;
  try {
    return parseTemplate('path', text, {
      funcs: {
        env: fn(['string'], (k: string) => {
          const v = env[k];
          if (v === undefined) throw new Error(`unable to read environment variable ${JSON.stringify(k)} in template ${JSON.stringify(text)}`);
          return v;
        }),
      },
    }).execute(undefined);
  } catch (e) {
    throw new TemplateConfigError(`${at}: ${(e as Error).message}`);
  }
}

function decodePrefix(b: Record<string, unknown>, at: string, env: Record<string, string | undefined>): EnvPrefixSpec | undefined {
  const out: Partial<EnvPrefixSpec> = {};
  for (const [k, v] of Object.entries(b)) {
    const where = `${at}.${k}`;
    if (k === 'path') out.path = renderPath(configStr(v, where), env, where).replace(/^\/+/, '');
    else if (k === 'format') out.format = format(v, where);
    else if (k === 'no_prefix') out.noPrefix = configBool(v, where);
    else if (k === 'key') throw new TemplateConfigError(`${where}: per-key blocks are for Vault secrets, which are not supported`);
    else throw new TemplateConfigError(`${where}: unknown key "${k}"`);
  }
  // envconsul: "Prefix blocks without the path defined are meaningless and are discarded."
  return out.path ? (out as EnvPrefixSpec) : undefined;
}

function decodeService(b: Record<string, unknown>, at: string): EnvServiceSpec | undefined {
  const out: Partial<EnvServiceSpec> = {};
  const names: Record<string, keyof EnvServiceSpec> = { format_id: 'formatId', format_name: 'formatName', format_address: 'formatAddress', format_tag: 'formatTag', format_port: 'formatPort' };
  for (const [k, v] of Object.entries(b)) {
    const where = `${at}.${k}`;
    if (k === 'query') out.query = configStr(v, where);
    else if (names[k]) out[names[k]] = format(v, where);
    else throw new TemplateConfigError(`${where}: unknown key "${k}"`);
  }
  return out.query ? (out as EnvServiceSpec) : undefined;
}

/** Decodes one parsed configuration document. */
export function decodeEnvConfig(doc: Record<string, unknown>, file: string, env: Record<string, string | undefined>): EnvRunConfig {
  const cfg = emptyEnvConfig();
  for (const [k, v] of Object.entries(doc)) {
    const at = `${file}: ${k}`;
    switch (k) {
      case 'consul':
        for (const b of configBlocks(v, at)) {
          for (const [ck, cv] of Object.entries(b)) {
            if (ck === 'address') cfg.consul.address = configStr(cv, `${at}.address`);
            else if (ck === 'token') cfg.consul.token = configStr(cv, `${at}.token`);
            else if (ck === 'ssl') cfg.consul.ssl = { ...cfg.consul.ssl, ...decodeSsl(cv, `${at}.ssl`) };
            else if (ck === 'retry') cfg.consul.retry = { ...cfg.consul.retry, ...decodeRetry(cv, `${at}.retry`) };
            else if (['auth', 'transport', 'namespace'].includes(ck)) cfg.warnings.push(`${at}.${ck} is not supported and is ignored`);
            else throw new TemplateConfigError(`${at}.${ck}: unknown key "${ck}"`);
          }
        }
        break;
      case 'prefix':
        configBlocks(v, at).forEach((b, i) => {
          const p = decodePrefix(b, `${file}: prefix[${i}]`, env);
          if (p) cfg.prefixes.push(p);
        });
        break;
      case 'service':
        configBlocks(v, at).forEach((b, i) => {
          const s = decodeService(b, `${file}: service[${i}]`);
          if (s) cfg.services.push(s);
        });
        break;
      case 'exec':
        cfg.exec = mergeExec(cfg.exec, decodeExecBlock(v, at));
        break;
      case 'pristine':
        cfg.pristine = configBool(v, at);
        break;
      case 'sanitize':
        cfg.sanitize = configBool(v, at);
        break;
      case 'upcase':
        cfg.upcase = configBool(v, at);
        break;
      case 'once':
        cfg.once = configBool(v, at);
        break;
      case 'log_level':
        cfg.logLevel = configStr(v, at);
        break;
      case 'max_stale':
        cfg.maxStaleMs = configDuration(v, at);
        break;
      case 'pid_file':
        cfg.pidFile = configStr(v, at);
        break;
      default:
        if (UNSUPPORTED.includes(k)) cfg.warnings.push(`${at} is not supported and is ignored`);
        else throw new TemplateConfigError(`${at}: unknown key "${k}"`);
    }
  }
  return cfg;
}

/** Later values win; prefixes, services and warnings accumulate (envconsul's merge). */
export function mergeEnvConfigs(a: EnvRunConfig, b: EnvRunConfig): EnvRunConfig {
  return {
    consul: {
      ...a.consul,
      ...b.consul,
      ssl: a.consul.ssl || b.consul.ssl ? { ...a.consul.ssl, ...b.consul.ssl } : undefined,
      retry: a.consul.retry || b.consul.retry ? { ...a.consul.retry, ...b.consul.retry } : undefined,
    },
    exec: mergeExec(a.exec, b.exec),
    prefixes: [...a.prefixes, ...b.prefixes],
    services: [...a.services, ...b.services],
    pristine: b.pristine ?? a.pristine,
    sanitize: b.sanitize ?? a.sanitize,
    upcase: b.upcase ?? a.upcase,
    once: b.once ?? a.once,
    logLevel: b.logLevel ?? a.logLevel,
    maxStaleMs: b.maxStaleMs ?? a.maxStaleMs,
    pidFile: b.pidFile ?? a.pidFile,
    warnings: [...a.warnings, ...b.warnings],
  };
}

/** Loads a configuration file, or every *.hcl / *.json file of a directory in name order. */
export async function loadEnvConfig(path: string, env: Record<string, string | undefined>): Promise<EnvRunConfig> {
  let cfg = emptyEnvConfig();
  for (const { doc, file } of await readConfigDocuments(path)) cfg = mergeEnvConfigs(cfg, decodeEnvConfig(doc, file, env));
  return cfg;
}
