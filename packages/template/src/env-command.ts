// `conclave-env`: envconsul's job with consul-template's parts. Runs a command with the keys under KV prefixes
// (`-prefix app/config`: key `db/host` → `db/host`, `-sanitize` → `db_host`, `-upcase` → `DB_HOST`) and catalog
// services (`-service web`: `web/id`, `web/name`, `web/address`, `web/tag`, `web/port` of each instance, the last
// one winning, as envconsul) exported as environment variables, on top of this process's environment unless
// `-pristine`. It starts the command once every prefix and service has answered, restarts it (kill signal, kill
// timeout, then a new process with the new environment) when a value changes, forwards signals, and exits with
// the command's code.
import { ConsulClient, parseFlags, type FlagSpecs } from '@conclave/client';
import { createLogger, deepEqual, parseGoDuration, parseLogLevel, type Logger } from '@conclave/toolkit';
import type { StdioOptions } from 'node:child_process';
import { consulClientSource } from './client-source.js';
import { Dependency, KeyPair, kvListDependency } from './dependency.js';
import { watchDependency, type WatchHandle } from './dependency-watch.js';
import { ExecChild, parseSignalName, type SignalName } from './exec-child.js';
import { EXIT } from './template-command.js';

export const ENV_FLAGS: FlagSpecs = {
  'consul-addr': { kind: 'string', usage: 'Address of the Consul-compatible agent (default 127.0.0.1:8500, or CONSUL_HTTP_ADDR).' },
  'consul-token': { kind: 'string', usage: 'ACL token (or CONSUL_HTTP_TOKEN).' },
  prefix: { kind: 'list', usage: 'KV prefix whose keys become environment variables; repeatable.' },
  service: { kind: 'list', usage: 'Service whose instances become <name>/id, /name, /address, /tag, /port variables; repeatable.' },
  upcase: { kind: 'bool', usage: 'Upper-case variable names.' },
  sanitize: { kind: 'bool', usage: 'Replace characters other than letters, digits and _ with _.' },
  pristine: { kind: 'bool', usage: "Do not pass this process's environment to the command." },
  once: { kind: 'bool', usage: 'Run the command once with the first values; do not restart it on change.' },
  'exec-kill-signal': { kind: 'string', usage: 'Signal that stops the command before a restart or at exit (default SIGTERM).' },
  'exec-kill-timeout': { kind: 'string', usage: 'Time the command has to exit before SIGKILL (default 30s).' },
  'exec-splay': { kind: 'string', usage: 'Maximum random delay before a restart (default 0).' },
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

interface Source {
  dep: Dependency;
  kind: 'prefix' | 'service';
  value?: unknown;
}

/** The variables from what the agent answered, in flag order (later sources overwrite earlier ones). */
export function buildEnvironment(sources: { kind: 'prefix' | 'service'; value: unknown }[], opts: { upcase?: boolean; sanitize?: boolean }): Record<string, string> {
  const out: Record<string, string> = {};
  const set = (k: string, v: string) => {
    let key = k;
    if (opts.sanitize) key = key.replace(INVALID, '_');
    if (opts.upcase) key = key.toUpperCase();
    out[key] = v;
  };
  for (const s of sources) {
    if (s.kind === 'prefix') {
      for (const p of s.value as KeyPair[]) if (p.Key.trim() !== '' && !p.Key.endsWith('/')) set(p.Key, p.Value);
    } else {
      for (const inst of s.value as Record<string, unknown>[]) {
        const name = String(inst.ServiceName ?? '');
        set(`${name}/id`, String(inst.ServiceID ?? ''));
        set(`${name}/name`, name);
        set(`${name}/address`, String(inst.ServiceAddress ?? ''));
        set(`${name}/tag`, ((inst.ServiceTags as string[] | null) ?? []).join(','));
        set(`${name}/port`, String(inst.ServicePort ?? 0));
      }
    }
  }
  return out;
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
  if (flags.rest.length === 0) {
    err(`missing command\n\n${usage()}`);
    return EXIT.parseFlags;
  }
  let killSignal: SignalName = 'SIGTERM';
  let killTimeoutMs = 30_000;
  let splayMs = 0;
  const sources: Source[] = [];
  try {
    if (typeof f['exec-kill-signal'] === 'string') killSignal = parseSignalName(f['exec-kill-signal']);
    if (typeof f['exec-kill-timeout'] === 'string') killTimeoutMs = parseGoDuration(f['exec-kill-timeout']) / 1e6;
    if (typeof f['exec-splay'] === 'string') splayMs = parseGoDuration(f['exec-splay']) / 1e6;
    for (const p of (f.prefix as string[] | undefined) ?? []) sources.push({ dep: kvListDependency(p.replace(/^\/+/, '')), kind: 'prefix' });
    for (const s of (f.service as string[] | undefined) ?? []) sources.push({ dep: catalogServiceDependency(s), kind: 'service' });
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return EXIT.parseFlags;
  }
  const log: Logger = createLogger({ level: parseLogLevel(String(f['log-level'] ?? 'warn')) ?? 'warn', format: 'consul-template', write: (line) => err(line + '\n') });
  let client: ConsulClient;
  try {
    client = new ConsulClient({ address: f['consul-addr'] as string | undefined, token: f['consul-token'] as string | undefined, env, consistency: 'stale' });
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return EXIT.config;
  }
  const source = consulClientSource(client, { stale: true });
  const base: Record<string, string | undefined> = f.pristine === true ? {} : { ...env };

  let child: ExecChild | undefined;
  let current: Record<string, string> | undefined;
  let finish!: (code: number) => void;
  const done = new Promise<number>((r) => (finish = r));
  let chain = Promise.resolve();
  const spawnWith = async (vars: Record<string, string>) => {
    const next = new ExecChild({
      command: flags.rest,
      env: { ...base, ...vars },
      killSignal,
      killTimeoutMs,
      splayMs,
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
    const vars = buildEnvironment(sources as { kind: 'prefix' | 'service'; value: unknown }[], { upcase: f.upcase === true, sanitize: f.sanitize === true });
    if (current && deepEqual(current, vars)) return;
    if (current && f.once === true) return;
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
  if (code !== 0) log.error(`(cli) child process exited with code ${code}`);
  return code;
}
