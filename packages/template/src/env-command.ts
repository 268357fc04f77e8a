// `conclave-env`: envconsul's job with consul-template's parts. Runs a command with the keys under KV prefixes
// (`-prefix app/config`: key `db/host` → `db/host`, `-sanitize` → `db_host`, `-upcase` → `DB_HOST`) and catalog
// services (`-service web`: `web/id`, `web/name`, `web/address`, `web/tag`, `web/port` of each instance, the last
// one winning, as envconsul) exported as environment variables, on top of this process's environment unless
// `-pristine`. Configuration files (`-config`, envconsul's format, env-config.ts) add `prefix {}` and `service {}`
// blocks with key formats (`format = "app_{{ key }}"`, `format_port = "pg/port"`), `exec {}` and the rest. It
// starts the command once every prefix and service has answered, restarts it (kill signal, kill timeout, then a
// new process with the new environment) when a value changes, forwards signals, and exits with the command's code.
import { parseFlags, type FlagSpecs } from '@conclave/client';
import { createLogger, deepEqual, parseGoDuration, parseLogLevel, type Logger } from '@conclave/toolkit';
import type { StdioOptions } from 'node:child_process';
import { consulClientSource } from './client-source.js';
import { Dependency, KeyPair, kvListDependency } from './dependency.js';
import { watchDependency, type WatchHandle } from './dependency-watch.js';
import { ExecChild, parseSignalName } from './exec-child.js';
import { execEnvironment } from './exec-env.js';
import { EXIT, makeClient } from './template-command.js';
import { TemplateConfigError } from './template-config.js';
import { EnvPrefixSpec, EnvRunConfig, EnvServiceSpec, applyKeyFormat, emptyEnvConfig, loadEnvConfig, mergeEnvConfigs } from './env-config.js';
import { PidFile } from './pid-file.js';

export const ENV_FLAGS: FlagSpecs = {
  'consul-addr': { kind: 'string', usage: 'Address of the Consul-compatible agent (default 127.0.0.1:8500, or CONSUL_HTTP_ADDR).' },
  'consul-token': { kind: 'string', usage: 'ACL token (or CONSUL_HTTP_TOKEN).' },
  config: { kind: 'list', usage: "HCL or JSON configuration file or directory (envconsul's format); repeatable, later ones win." },
  prefix: { kind: 'list', usage: 'KV prefix whose keys become environment variables; repeatable.' },
  service: { kind: 'list', usage: 'Service whose instances become <name>/id, /name, /address, /tag, /port variables; repeatable.' },
  upcase: { kind: 'bool', usage: 'Upper-case variable names.' },
  sanitize: { kind: 'bool', usage: 'Replace characters other than letters, digits and _ with _.' },
  pristine: { kind: 'bool', usage: "Do not pass this process's environment to the command." },
  once: { kind: 'bool', usage: 'Run the command once with the first values; do not restart it on change.' },
  'exec-kill-signal': { kind: 'string', usage: 'Signal that stops the command before a restart or at exit (default SIGTERM).' },
  'exec-kill-timeout': { kind: 'string', usage: 'Time the command has to exit before SIGKILL (default 30s).' },
  'exec-splay': { kind: 'string', usage: 'Maximum random delay before a restart (default 0).' },
  'max-stale': { kind: 'string', usage: 'Maximum staleness of a stale read before re-reading consistently (default 2s).' },
  'pid-file': { kind: 'string', usage: 'Path of a file holding the process id while running.' },
  'log-level': { kind: 'string', usage: 'trace, debug, info, warn or err (default warn).' },
  h: { kind: 'bool', usage: 'Show this help.' },
  help: { kind: 'bool', usage: 'Show this help.' },
};

function usage(): string {
  const lines = ['Usage: conclave-env [options] <command> [args...]', '', 'Runs a command with Consul KV prefixes and services as environment variables.', '', 'Options:'];
  for (const [name, spec] of Object.entries(ENV_FLAGS)) {
    if (name === 'h') continue;
    lines.push(`  -${name}${spec.kind === 'bool' ? '' : '=<value>'}`, `      ${spec.usage ?? ''}`);
  }
  return lines.join('\n') + '\n';
}

/** envconsul's InvalidRegexp. */
const INVALID = /[^a-zA-Z0-9_]/g;

/** `/v1/catalog/service/<name>`, as envconsul's CatalogServiceQuery ("tag.name@dc" form). */
function catalogServiceDependency(spec: string): Dependency {
  const m = /^(?:(?<tag>[^.@]+)\.)?(?<name>[^.@]+)(?:@(?<dc>[^@]+))?$/.exec(spec);
  if (!m) throw new Error(`catalog.service: invalid format: "${spec}"`);
  const { tag, name, dc } = m.groups!;
  const query: Record<string, string> = {};
  if (tag) query.tag = tag;
  if (dc) query.dc = dc;
  return {
    kind: 'catalog.service' as Dependency['kind'],
    id: `catalog.service(${spec})`,
    request: { path: `/v1/catalog/service/${name}`, query },
    blockOnNil: false,
    decode: (raw) => (Array.isArray(raw) ? raw : []),
  };
}

export interface EnvCommandIO {
  env?: Record<string, string | undefined>;
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
  onSignal?: (listener: (sig: NodeJS.Signals) => void) => () => void;
  childStdio?: StdioOptions;
}

/** What one prefix or service answered, with the block that asked for it (for its key formats). */
export type EnvSource =
  | { kind: 'prefix'; value: unknown; prefix?: EnvPrefixSpec }
  | { kind: 'service'; value: unknown; service?: EnvServiceSpec };

/** The variables from what the agent answered, in configuration order (later sources overwrite earlier ones). */
export function buildEnvironment(sources: EnvSource[], opts: { upcase?: boolean; sanitize?: boolean }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of sources) {
    if (s.kind === 'prefix') {
      for (const p of s.value as KeyPair[]) {
        if (p.Key.trim() === '' || p.Key.endsWith('/')) continue;
        let key = p.Key;
        // envconsul: no_prefix = false puts the sanitized prefix path in front; then the format; then sanitize, upcase.
        if (s.prefix?.noPrefix === false) key = `${s.prefix.path.replace(INVALID, '_')}_${key}`;
        if (s.prefix?.format) key = applyKeyFormat(s.prefix.format, { key });
        if (opts.sanitize) key = key.replace(INVALID, '_');
        if (opts.upcase) key = key.toUpperCase();
        out[key] = p.Value;
      }
    } else {
      for (const inst of s.value as Record<string, unknown>[]) {
        const name = String(inst.ServiceName ?? '');
        const fields: [string, string, string | undefined][] = [
          ['id', String(inst.ServiceID ?? ''), s.service?.formatId],
          ['name', name, s.service?.formatName],
          ['address', String(inst.ServiceAddress ?? ''), s.service?.formatAddress],
          ['tag', ((inst.ServiceTags as string[] | null) ?? []).join(','), s.service?.formatTag],
          ['port', String(inst.ServicePort ?? 0), s.service?.formatPort],
        ];
        for (const [field, value, format] of fields) {
          // envconsul upper-cases service keys before sanitizing them (the other order from prefixes).
          let key = format ? applyKeyFormat(format, { key: field, service: name }) : `${name}/${field}`;
          if (opts.upcase) key = key.toUpperCase();
          if (opts.sanitize) key = key.replace(INVALID, '_');
          out[key] = value;
        }
      }
    }
  }
  return out;
}

/** Flags into a configuration layer (flags beat configuration files; their prefixes and services come last). */
function configFromFlags(f: Record<string, unknown>): EnvRunConfig {
  const c = emptyEnvConfig();
  const dur = (name: string): number => {
    try {
      return parseGoDuration(f[name] as string) / 1e6;
    } catch (e) {
      throw new TemplateConfigError(`invalid value ${JSON.stringify(f[name])} for flag -${name}: ${(e as Error).message}`);
    }
  };
  if (typeof f['consul-addr'] === 'string') c.consul.address = f['consul-addr'];
  if (typeof f['consul-token'] === 'string') c.consul.token = f['consul-token'];
  for (const p of (f.prefix as string[] | undefined) ?? []) c.prefixes.push({ path: p.replace(/^\/+/, '') });
  for (const s of (f.service as string[] | undefined) ?? []) c.services.push({ query: s });
  for (const k of ['upcase', 'sanitize', 'pristine', 'once'] as const) if (typeof f[k] === 'boolean') c[k] = f[k] as boolean;
  const exec: NonNullable<EnvRunConfig['exec']> = {};
  if (typeof f['exec-kill-signal'] === 'string') exec.killSignal = parseSignalName(f['exec-kill-signal']);
  if (typeof f['exec-kill-timeout'] === 'string') exec.killTimeoutMs = dur('exec-kill-timeout');
  if (typeof f['exec-splay'] === 'string') exec.splayMs = dur('exec-splay');
  if (Object.keys(exec).length > 0) c.exec = exec;
  if (typeof f['max-stale'] === 'string') c.maxStaleMs = dur('max-stale');
  if (typeof f['pid-file'] === 'string') c.pidFile = f['pid-file'];
  if (typeof f['log-level'] === 'string') c.logLevel = f['log-level'];
  return c;
}

/** Runs conclave-env; resolves with the exit code (the command's own once it ran). Never throws. */
export async function runEnvCommand(argv: readonly string[], io: EnvCommandIO = {}): Promise<number> {
  const env = io.env ?? process.env;
  const out = io.stdout ?? ((s: string) => void process.stdout.write(s));
  const err = io.stderr ?? ((s: string) => void process.stderr.write(s));
  let flags;
  try {
    flags = parseFlags(argv, ENV_FLAGS);
  } catch (e) {
    err(`${(e as Error).message}\n\n${usage()}`);
    return EXIT.parseFlags;
  }
  const f = flags.values;
  if (f.h || f.help) {
    out(usage());
    return EXIT.ok;
  }
  let cfg = emptyEnvConfig();
  let fromFlags: EnvRunConfig;
  try {
    fromFlags = configFromFlags(f);
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return EXIT.parseFlags;
  }
  try {
    for (const path of (f.config as string[] | undefined) ?? []) cfg = mergeEnvConfigs(cfg, await loadEnvConfig(path, env));
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return EXIT.config;
  }
  cfg = mergeEnvConfigs(cfg, fromFlags);
  // The command line's command wins over exec { command }.
  const command = flags.rest.length > 0 ? flags.rest : (cfg.exec?.command ?? []);
  if (command.length === 0 || command[0] === '') {
    err(`missing command\n\n${usage()}`);
    return EXIT.parseFlags;
  }
  const level = parseLogLevel(cfg.logLevel ?? 'warn');
  if (level === undefined || level === 'off') {
    err(`-log-level: unknown level "${cfg.logLevel}" (use trace, debug, info, warn or err)\n`);
    return EXIT.config;
  }
  const log: Logger = createLogger({ level, format: 'consul-template', write: (line) => err(line + '\n') });
  for (const w of cfg.warnings) log.warn(`(config) ${w}`);
  const sources: ({ dep: Dependency } & EnvSource)[] = [];
  try {
    for (const p of cfg.prefixes) sources.push({ dep: kvListDependency(p.path), kind: 'prefix', value: undefined, prefix: p });
    for (const s of cfg.services) sources.push({ dep: catalogServiceDependency(s.query), kind: 'service', value: undefined, service: s });
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return EXIT.config;
  }
  let client;
  try {
    client = makeClient(cfg.consul, env, undefined);
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return EXIT.config;
  }
  const source = consulClientSource(client, { stale: true, maxStaleMs: cfg.maxStaleMs ?? 2_000 });
  // envconsul's pristine (top level or exec.env) and the exec.env filters decide what of this environment the command sees.
  const execEnv = cfg.exec?.env;
  const base = execEnvironment(env, { ...execEnv, pristine: cfg.pristine === true || execEnv?.pristine === true }, {});
  const pidFile = new PidFile(process.pid, () => log);
  try {
    await pidFile.use(cfg.pidFile);
  } catch (e) {
    err(`${(e as Error).message}\n`);
    client.close();
    return EXIT.runner;
  }

  let child: ExecChild | undefined;
  let current: Record<string, string> | undefined;
  let finish!: (code: number) => void;
  const done = new Promise<number>((r) => (finish = r));
  let chain = Promise.resolve();
  const spawnWith = async (vars: Record<string, string>) => {
    const next = new ExecChild({
      command,
      env: { ...base, ...vars },
      killSignal: cfg.exec?.killSignal === undefined ? 'SIGTERM' : cfg.exec.killSignal,
      killTimeoutMs: cfg.exec?.killTimeoutMs ?? 30_000,
      splayMs: cfg.exec?.splayMs ?? 0,
      stdio: io.childStdio,
      logger: log,
      onExit: (code) => {
        if (child === next) finish(code);
      },
    });
    child = next;
    try {
      await next.start();
    } catch (e) {
      err(`child: ${(e as Error).message}\n`);
      finish(EXIT.runner);
    }
  };
  const update = () => {
    if (sources.some((s) => s.value === undefined)) return;
    let vars: Record<string, string>;
    try {
      vars = buildEnvironment(sources, { upcase: cfg.upcase === true, sanitize: cfg.sanitize === true });
    } catch (e) {
      log.error(`(runner) ${(e as Error).message}`);
      finish(EXIT.runner);
      return;
    }
    if (current && deepEqual(current, vars)) return;
    if (current && cfg.once === true) return;
    current = vars;
    // Restarts queue behind each other so that two quick changes never run two children.
    chain = chain.then(async () => {
      if (child) {
        log.info('(runner) environment changed: restarting the command');
        const old = child;
        child = undefined;
        await old.stop();
      }
      await spawnWith(vars);
    });
  };
  const watches: WatchHandle[] = sources.map((s) =>
    watchDependency(s.dep, source, (v) => {
      s.value = v;
      update();
    }, { onError: (d, e, n) => log.warn(`(view) ${d.id}: ${e.message} (retry attempt ${n})`) }),
  );
  if (sources.length === 0) update();
  const unsubscribe = io.onSignal?.((sig) => {
    if (child?.running) void child.signal(sig);
    else if (sig === 'SIGINT' || sig === 'SIGTERM') finish(EXIT.interrupt);
  });
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const code = await done;
  clearInterval(keepAlive);
  unsubscribe?.();
  for (const w of watches) w.stop();
  await chain;
  await child?.stop(true);
  client.close();
  await pidFile.remove();
  if (code !== 0) log.error(`(cli) child process exited with code ${code}`);
  return code;
}
