// The `conclave-template` command (consul-template's CLI) as a function, so an app can be a thin
// wrapper: parse flags, load configuration, run the Renderer against the agent, map failures to
// consul-template's exit codes, log one line per event at the chosen level.
import { ConsulClient, parseFlags, type FlagSpecs } from '@conclave/client';
import { consulClientSource } from './client-source.js';
import { Renderer } from './renderer.js';
import { TemplateConfigError, TemplateRunConfig, emptyConfig, loadTemplateConfig, mergeConfigs, parseTemplateFlag, parseWaitSpec } from './template-config.js';
import { createLogger, parseGoDuration, parseLogLevel, type Logger } from '@conclave/toolkit';
import type { StdioOptions } from 'node:child_process';
import { ExecChild, type SignalName } from './exec-child.js';
import { execEnvironment } from './exec-env.js';
import { retryPolicy } from './retry-policy.js';
import { signalOrNone } from './template-config.js';
import { PidFile } from './pid-file.js';
import { DedupManager } from './dedup-manager.js';
import { dedupEnabled } from './template-config.js';
import { SyslogWriter, syslogFacility } from './syslog-writer.js';

/** Hands this process's monitored signals to `listener` (what the apps pass as `onSignal`); returns the unsubscribe. */
export function processSignals(listener: (sig: NodeJS.Signals) => void): () => void {
  for (const sig of MONITORED_SIGNALS) process.on(sig, listener);
  return () => {
    for (const sig of MONITORED_SIGNALS) process.off(sig, listener);
  };
}

/** Runs a command function as this process's command line: its argv, its signals, its exit code (the apps' whole body). */
export async function runAsProcess(command: (argv: readonly string[], io: { onSignal: typeof processSignals }) => Promise<number>): Promise<void> {
  process.exitCode = await command(process.argv.slice(2), { onSignal: processSignals });
}

/** The signals the app forwards to the command (consul-template's signals_unix.go less SIGKILL/SIGSTOP, which cannot be caught, and the fatal ones). */
export const MONITORED_SIGNALS: NodeJS.Signals[] = [
  'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGCONT', 'SIGWINCH', 'SIGTTIN', 'SIGTTOU', 'SIGTSTP', 'SIGPIPE', 'SIGIO', 'SIGPROF',
];

/** consul-template's exit codes. */
export const EXIT = { ok: 0, error: 11, interrupt: 12, parseFlags: 13, runner: 14, config: 15 } as const;

export const TEMPLATE_FLAGS: FlagSpecs = {
  'consul-addr': { kind: 'string', usage: 'Address of the Consul-compatible agent (default 127.0.0.1:8500, or CONSUL_HTTP_ADDR).' },
  'consul-token': { kind: 'string', usage: 'ACL token (or CONSUL_HTTP_TOKEN).' },
  'consul-token-file': { kind: 'string', usage: 'File holding the ACL token.' },
  'consul-ssl': { kind: 'bool', usage: 'Use HTTPS to talk to the agent (or CONSUL_HTTP_SSL).' },
  'consul-ssl-verify': { kind: 'bool', usage: "Verify the agent's certificate (default true; or CONSUL_HTTP_SSL_VERIFY)." },
  'consul-ssl-ca-cert': { kind: 'string', usage: 'CA certificate file to verify the agent with (or CONSUL_CACERT).' },
  'consul-ssl-ca-path': { kind: 'string', usage: 'Directory of CA certificates (or CONSUL_CAPATH).' },
  'consul-ssl-cert': { kind: 'string', usage: 'Client certificate file (or CONSUL_CLIENT_CERT).' },
  'consul-ssl-key': { kind: 'string', usage: 'Client key file (or CONSUL_CLIENT_KEY).' },
  'consul-ssl-server-name': { kind: 'string', usage: 'Server name to verify the certificate against (or CONSUL_TLS_SERVER_NAME).' },
  template: { kind: 'list', usage: 'Template to render, "source[:destination[:command]]"; repeatable.' },
  config: { kind: 'list', usage: 'HCL or JSON configuration file or directory; repeatable.' },
  once: { kind: 'bool', usage: 'Render each template once, then exit.' },
  dry: { kind: 'bool', usage: 'Print rendered templates to stdout instead of writing them; run no commands.' },
  wait: { kind: 'string', usage: 'Quiescence "min[:max]" (e.g. 2s:10s); one value means max = 4 × min.' },
  'log-level': { kind: 'string', usage: 'trace, debug, info, warn or err (default warn).' },
  'max-stale': { kind: 'string', usage: 'Maximum staleness of a stale read before re-reading consistently (default 2s).' },
  'block-query-wait': { kind: 'string', usage: 'Blocking query wait (default 60s).' },
  'default-left-delimiter': { kind: 'string', usage: 'Default left delimiter for templates.' },
  'default-right-delimiter': { kind: 'string', usage: 'Default right delimiter for templates.' },
  'parse-only': { kind: 'bool', usage: 'Parse the templates and exit.' },
  exec: { kind: 'string', usage: 'Command to run as a supervised child once every template has rendered; reloaded or restarted on change.' },
  'exec-kill-signal': { kind: 'string', usage: 'Signal that stops the child gracefully (default SIGINT).' },
  'exec-kill-timeout': { kind: 'string', usage: 'Time the child has to exit after the kill signal before SIGKILL (default 30s).' },
  'exec-reload-signal': { kind: 'string', usage: 'Signal sent to the child when a template changes (default: restart the child).' },
  'exec-splay': { kind: 'string', usage: 'Maximum random delay before reloading or stopping the child (default 0).' },
  'exec-env-pristine': { kind: 'bool', usage: "Give the child only -exec-env-custom variables, not this process's environment." },
  'exec-env-custom': { kind: 'list', usage: 'Extra "NAME=value" variable for the child; repeatable.' },
  'exec-env-allowlist': { kind: 'list', usage: 'Glob of environment variables the child may see; repeatable.' },
  'exec-env-denylist': { kind: 'list', usage: 'Glob of environment variables hidden from the child; repeatable.' },
  'kill-signal': { kind: 'string', usage: 'Signal that stops conclave-template gracefully (default SIGINT).' },
  'reload-signal': { kind: 'string', usage: 'Signal that reloads configuration and templates (default SIGHUP).' },
  retry: { kind: 'string', usage: 'Base of the exponential backoff between retries of a failing query (default 250ms).' },
  'consul-retry': { kind: 'bool', usage: 'Retry failing queries (default true).' },
  'consul-retry-attempts': { kind: 'int', usage: 'Retries of a failing query before exiting; 0 = forever (default 12).' },
  'consul-retry-backoff': { kind: 'string', usage: 'Base of the exponential backoff (default 250ms).' },
  'consul-retry-max-backoff': { kind: 'string', usage: 'Longest wait between retries (default 1m).' },
  'pid-file': { kind: 'string', usage: 'Path of a file holding the process id while running.' },
  'template-error-fatal': { kind: 'bool', usage: 'A template execution error ends the process (default true); false logs it and keeps rendering.' },
  syslog: { kind: 'bool', usage: 'Send logs to syslog as well (through util-linux logger); they still go to stderr.' },
  'syslog-facility': { kind: 'string', usage: 'Syslog facility (default LOCAL0).' },
  'syslog-name': { kind: 'string', usage: 'Syslog program name (default consul-template).' },
  dedup: { kind: 'bool', usage: 'De-duplication mode: one instance per template holds a KV lock, queries the agent and publishes the data; the others render from it.' },
  version: { kind: 'bool', usage: 'Print the version and exit.' },
  v: { kind: 'bool', usage: 'Print the version and exit.' },
  h: { kind: 'bool', usage: 'Show this help.' },
  help: { kind: 'bool', usage: 'Show this help.' },
};

export interface TemplateCommandIO {
  env?: Record<string, string | undefined>;
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
  /** Aborting stops the renderer and the child at once; the exit code is then `interrupt`. */
  signal?: AbortSignal;
  /**
   * Subscribes to the process's signals (the app wires MONITORED_SIGNALS here); returns an unsubscribe
   * function. The kill signal stops, the reload signal reloads configuration and templates, others go to the child.
   */
  onSignal?: (listener: (sig: NodeJS.Signals) => void) => () => void;
  /** stdio of the exec child (default: inherit this process's). */
  childStdio?: StdioOptions;
  version?: string;
}

function usage(): string {
  const lines = ['Usage: conclave-template [options]', '', 'Renders templates from data in a Consul-compatible agent.', '', 'Options:'];
  for (const [name, spec] of Object.entries(TEMPLATE_FLAGS)) {
    if (name === 'v' || name === 'h') continue;
    lines.push(`  -${name}${spec.kind === 'bool' ? '' : '=<value>'}`, `      ${spec.usage ?? ''}`);
  }
  return lines.join('\n') + '\n';
}

/** Flags into a configuration layer (flags beat configuration files). Throws TemplateConfigError. */
function configFromFlags(f: Record<string, unknown>): TemplateRunConfig {
  const c = emptyConfig();
  // Go's flag package wraps a value's parse error this way.
  const badValue = (name: string, e: unknown) => new TemplateConfigError(`invalid value ${JSON.stringify(f[name])} for flag -${name}: ${(e as Error).message}`);
  const dur = (name: string): number => {
    try {
      return parseGoDuration(f[name] as string) / 1e6;
    } catch (e) {
      throw badValue(name, e);
    }
  };
  const sig = (name: string): SignalName | null => {
    try {
      return signalOrNone(f[name], name);
    } catch (e) {
      throw badValue(name, new Error((e as Error).message.replace(`${name}: `, '')));
    }
  };
  const has = (name: string) => f[name] !== undefined;
  for (const t of (f.template as string[] | undefined) ?? []) c.templates.push(parseTemplateFlag(t));
  if (typeof f['consul-addr'] === 'string') c.consul.address = f['consul-addr'];
  if (typeof f['consul-token'] === 'string') c.consul.token = f['consul-token'];
  const ssl: NonNullable<TemplateRunConfig['consul']['ssl']> = {};
  if (typeof f['consul-ssl'] === 'boolean') ssl.enabled = f['consul-ssl'];
  if (typeof f['consul-ssl-verify'] === 'boolean') ssl.verify = f['consul-ssl-verify'];
  if (typeof f['consul-ssl-ca-cert'] === 'string') ssl.caCert = f['consul-ssl-ca-cert'];
  if (typeof f['consul-ssl-ca-path'] === 'string') ssl.caPath = f['consul-ssl-ca-path'];
  if (typeof f['consul-ssl-cert'] === 'string') ssl.cert = f['consul-ssl-cert'];
  if (typeof f['consul-ssl-key'] === 'string') ssl.key = f['consul-ssl-key'];
  if (typeof f['consul-ssl-server-name'] === 'string') ssl.serverName = f['consul-ssl-server-name'];
  if (Object.keys(ssl).length > 0) c.consul.ssl = ssl;
  const retry: NonNullable<TemplateRunConfig['consul']['retry']> = {};
  if (typeof f['consul-retry'] === 'boolean') retry.enabled = f['consul-retry'];
  if (typeof f['consul-retry-attempts'] === 'number') retry.attempts = f['consul-retry-attempts'];
  if (has('consul-retry-backoff')) retry.backoffMs = dur('consul-retry-backoff');
  if (has('retry')) retry.backoffMs = dur('retry');
  if (has('consul-retry-max-backoff')) retry.maxBackoffMs = dur('consul-retry-max-backoff');
  if (Object.keys(retry).length > 0) c.consul.retry = retry;
  if (typeof f.wait === 'string') {
    try {
      c.wait = parseWaitSpec(f.wait);
    } catch (e) {
      throw badValue('wait', e);
    }
  }
  if (typeof f['log-level'] === 'string') c.logLevel = f['log-level'];
  if (f.once === true) c.once = true;
  if (has('max-stale')) c.maxStaleMs = dur('max-stale');
  if (has('block-query-wait')) c.blockQueryWaitMs = dur('block-query-wait');
  if (typeof f['default-left-delimiter'] === 'string') c.defaultLeftDelimiter = f['default-left-delimiter'];
  if (typeof f['default-right-delimiter'] === 'string') c.defaultRightDelimiter = f['default-right-delimiter'];
  if (typeof f['pid-file'] === 'string') c.pidFile = f['pid-file'];
  if (typeof f['template-error-fatal'] === 'boolean') c.templateErrorFatal = f['template-error-fatal'];
  const syslog: NonNullable<TemplateRunConfig['syslog']> = {};
  if (typeof f.syslog === 'boolean') syslog.enabled = f.syslog;
  if (typeof f['syslog-facility'] === 'string') syslog.facility = f['syslog-facility'];
  if (typeof f['syslog-name'] === 'string') syslog.name = f['syslog-name'];
  if (Object.keys(syslog).length > 0) c.syslog = syslog;
  if (typeof f.dedup === 'boolean') c.dedup = { enabled: f.dedup };
  if (has('kill-signal')) c.killSignal = sig('kill-signal');
  if (has('reload-signal')) c.reloadSignal = sig('reload-signal');
  const exec: NonNullable<TemplateRunConfig['exec']> = {};
  if (typeof f.exec === 'string') {
    exec.enabled = true;
    exec.command = [f.exec];
  }
  if (has('exec-kill-signal')) exec.killSignal = sig('exec-kill-signal');
  if (has('exec-reload-signal')) exec.reloadSignal = sig('exec-reload-signal');
  if (has('exec-kill-timeout')) exec.killTimeoutMs = dur('exec-kill-timeout');
  if (has('exec-splay')) exec.splayMs = dur('exec-splay');
  const env: NonNullable<NonNullable<TemplateRunConfig['exec']>['env']> = {};
  if (typeof f['exec-env-pristine'] === 'boolean') env.pristine = f['exec-env-pristine'];
  if (has('exec-env-custom')) env.custom = f['exec-env-custom'] as string[];
  if (has('exec-env-allowlist')) env.allowlist = f['exec-env-allowlist'] as string[];
  if (has('exec-env-denylist')) env.denylist = f['exec-env-denylist'] as string[];
  if (Object.keys(env).length > 0) exec.env = env;
  if (Object.keys(exec).length > 0) c.exec = exec;
  return c;
}

/** Reads the configuration files again and lays the flags over them (at start and on the reload signal). */
async function loadRunConfig(paths: string[], fromFlags: TemplateRunConfig): Promise<TemplateRunConfig> {
  let cfg = emptyConfig();
  for (const path of paths) cfg = mergeConfigs(cfg, await loadTemplateConfig(path));
  cfg = mergeConfigs(cfg, fromFlags);
  if (cfg.templates.length === 0) throw new TemplateConfigError('no templates: give at least one -template "source:destination[:command]" or a template block in -config');
  if (cfg.logLevel !== undefined && [undefined, 'off'].includes(parseLogLevel(cfg.logLevel))) {
    throw new TemplateConfigError(`-log-level: unknown level "${cfg.logLevel}" (use trace, debug, info, warn or err)`);
  }
  return cfg;
}

function execEnabled(cfg: TemplateRunConfig): boolean {
  const e = cfg.exec;
  if (!e?.command || e.command.length === 0 || e.command[0] === '') return false;
  return e.enabled ?? true;
}

/** The variables consul-template's runner exports to its child and commands (childEnv). */
function runnerVars(cfg: TemplateRunConfig): Record<string, string> {
  const v: Record<string, string> = {};
  if (cfg.consul.address) v.CONSUL_HTTP_ADDR = cfg.consul.address; // as configured, like consul-template
  if (cfg.consul.token) v.CONSUL_HTTP_TOKEN = cfg.consul.token;
  v.CONSUL_HTTP_SSL = String(cfg.consul.ssl?.enabled === true);
  v.CONSUL_HTTP_SSL_VERIFY = String(cfg.consul.ssl?.verify !== false && cfg.consul.ssl?.enabled === true);
  return v;
}

/** How a session ended. */
type SessionEnd =
  | { kind: 'done' }
  | { kind: 'failed'; error: Error }
  | { kind: 'child'; code: number }
  | { kind: 'signal'; sig: NodeJS.Signals }
  | { kind: 'abort' };

/** One configuration's run: a client, a renderer and maybe an exec child. SIGHUP replaces it with a new one. */
class Session {
  readonly renderer: Renderer;
  child: ExecChild | undefined;
  private readonly client: ConsulClient;
  private childExit: ((code: number) => void) | undefined;
  /** Resolves with the child's exit code when it exits by itself. */
  readonly childDied: Promise<number>;
  private childFailed: ((e: Error) => void) | undefined;
  readonly childStartFailed: Promise<Error>;
  private dedup: DedupManager | undefined;

  constructor(
    readonly cfg: TemplateRunConfig,
    client: ConsulClient,
    opts: { dry: boolean; out: (s: string) => void; log: Logger; env: Record<string, string | undefined>; childStdio?: StdioOptions },
  ) {
    this.client = client;
    this.childDied = new Promise((r) => (this.childExit = r));
    this.childStartFailed = new Promise((r) => (this.childFailed = r));
    const templates = cfg.templates.map((t) => ({
      ...t,
      // consul-template: a template's error_fatal defaults to template_error_fatal, which defaults to true.
      errorFatal: t.errorFatal ?? cfg.templateErrorFatal ?? true,
      leftDelimiter: t.leftDelimiter ?? cfg.defaultLeftDelimiter,
      rightDelimiter: t.rightDelimiter ?? cfg.defaultRightDelimiter,
    }));
    const retry = retryPolicy(cfg.consul.retry);
    const log = opts.log;
    this.renderer = new Renderer({
      source: consulClientSource(client, { stale: true, maxStaleMs: cfg.maxStaleMs ?? 2_000 }),
      templates,
      dry: opts.dry,
      once: cfg.once === true,
      wait: cfg.wait,
      blockQueryWaitMs: cfg.blockQueryWaitMs ?? 60_000,
      stdout: opts.out,
      logger: log,
      env: opts.env,
      retryDelayMs: (n) => retry.delayMs(n),
      maxRetries: retry.maxRetries,
      dedup: dedupEnabled(cfg.dedup)
        ? { isLeader: (id) => this.dedup?.isLeader(id) === true, publish: (id, data) => this.dedup?.publish(id, data) }
        : undefined,
      afterPass: execEnabled(cfg)
        ? async ({ renderedAny, allComplete }) => {
            if (!this.child) {
              if (!allComplete) return;
              const e = cfg.exec!;
              const child = new ExecChild({
                command: e.command!,
                env: execEnvironment(opts.env, e.env, runnerVars(cfg)),
                reloadSignal: e.reloadSignal ?? undefined,
                killSignal: e.killSignal === undefined ? 'SIGINT' : e.killSignal,
                killTimeoutMs: e.killTimeoutMs ?? 30_000,
                splayMs: e.splayMs ?? 0,
                stdio: opts.childStdio,
                logger: log,
                onExit: (code) => this.childExit?.(code),
              });
              this.child = child;
              try {
                await child.start();
              } catch (err) {
                this.childFailed?.(new Error(`child: ${(err as Error).message}`));
              }
            } else if (renderedAny) await this.child.reload();
          }
        : undefined,
    });
  }

  /** De-duplication mode: takes part in the election for every template (after the renderer has loaded them). */
  startDedup(log: Logger): void {
    if (!dedupEnabled(this.cfg.dedup)) return;
    const d = this.cfg.dedup!;
    this.dedup = new DedupManager({
      client: this.client,
      templateIds: this.renderer.templateIds(),
      prefix: d.prefix,
      ttlMs: d.ttlMs,
      maxStaleMs: d.maxStaleMs,
      blockQueryWaitMs: d.blockQueryWaitMs,
      logger: log,
      onLeadership: (id) => this.renderer.leadershipChanged(id),
      onData: (id, data) => this.renderer.receiveShared(id, data),
    });
    this.dedup.start();
  }

  /** Stops rendering and the child (its kill signal; `immediately` skips the splay). */
  async stop(immediately: boolean): Promise<void> {
    // The session goes first: the keys it held are deleted and another instance takes over at once.
    await this.dedup?.stop();
    await this.renderer.stop();
    await this.child?.stop(immediately);
    this.client.close();
  }
}

/** Runs the command; resolves with the exit code. Never throws. */
export async function runTemplateCommand(argv: readonly string[], io: TemplateCommandIO = {}): Promise<number> {
  const env = io.env ?? process.env;
  const out = io.stdout ?? ((s: string) => void process.stdout.write(s));
  const err = io.stderr ?? ((s: string) => void process.stderr.write(s));

  let flags;
  try {
    flags = parseFlags(argv, TEMPLATE_FLAGS);
  } catch (e) {
    err(`${(e as Error).message}\n\n${usage()}`);
    return EXIT.parseFlags;
  }
  const f = flags.values;
  if (f.h || f.help) {
    out(usage());
    return EXIT.ok;
  }
  if (f.version || f.v) {
    out(`conclave-template ${io.version ?? 'v0.1.0'}\n`);
    return EXIT.ok;
  }
  if (flags.rest.length > 0) {
    err(`unexpected argument ${JSON.stringify(flags.rest[0])}\n\n${usage()}`);
    return EXIT.parseFlags;
  }
  let fromFlags: TemplateRunConfig;
  try {
    fromFlags = configFromFlags(f);
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return EXIT.parseFlags;
  }
  const paths = (f.config as string[] | undefined) ?? [];

  // Signals arrive in a queue that the main loop below reads, one at a time.
  const signals: NodeJS.Signals[] = [];
  let wake: (() => void) | undefined;
  const signalArrived = () => new Promise<void>((r) => (wake = r));
  let nextSignal = signalArrived();
  const unsubscribe = io.onSignal?.((sig) => {
    signals.push(sig);
    wake?.();
  });
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    wake?.();
  };
  if (io.signal?.aborted) aborted = true;
  else io.signal?.addEventListener('abort', onAbort, { once: true });

  // The renderer may have nothing pending (a template whose every render fails, no dependency to watch):
  // keep the process alive until it is told to stop, as consul-template does.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let log: Logger | undefined;
  let syslog: SyslogWriter | undefined;
  const pidFile = new PidFile(process.pid, () => log!);
  try {
    let first = true;
    for (;;) {
      let cfg: TemplateRunConfig;
      try {
        cfg = await loadRunConfig(paths, fromFlags);
      } catch (e) {
        err(`${(e as Error).message}\n`);
        return EXIT.config;
      }
      await syslog?.close();
      syslog = undefined;
      if (cfg.syslog?.enabled ?? (cfg.syslog?.facility !== undefined || cfg.syslog?.name !== undefined)) {
        try {
          syslogFacility(cfg.syslog?.facility ?? 'LOCAL0');
        } catch (e) {
          err(`${(e as Error).message}\n`);
          return EXIT.config;
        }
        syslog = new SyslogWriter({ facility: cfg.syslog?.facility, name: cfg.syslog?.name, onError: (m) => err(`${m}\n`) });
      }
      const toSyslog = syslog;
      log = createLogger({
        level: parseLogLevel(cfg.logLevel ?? 'warn') ?? 'warn',
        format: 'consul-template',
        write: (line) => {
          err(line + '\n');
          toSyslog?.write(line);
        },
      });
      for (const w of cfg.warnings) log.warn(`(config) ${w}`);
      let client: ConsulClient;
      try {
        client = makeClient(cfg.consul, env, f['consul-token-file'] as string | undefined);
      } catch (e) {
        err(`${(e as Error).message}\n`);
        return EXIT.config;
      }
      const session = new Session(cfg, client, { dry: f.dry === true, out, log, env, childStdio: io.childStdio });
      try {
        if (f['parse-only'] === true) {
          await session.renderer.parseOnly();
          client.close();
          return EXIT.ok;
        }
        if (first) log.info(`(runner) starting with ${cfg.templates.length} template(s), agent ${client.address.display}`);
        // consul-template creates the pid file before anything else the runner does.
        await pidFile.use(cfg.pidFile);
        await session.renderer.start();
        session.startDedup(log);
      } catch (e) {
        err(`${(e as Error).message}\n`);
        await session.stop(true);
        return EXIT.runner;
      }
      first = false;

      const killSignal = cfg.killSignal === undefined ? 'SIGINT' : cfg.killSignal;
      const reloadSignal = cfg.reloadSignal === undefined ? 'SIGHUP' : cfg.reloadSignal;
      const end = await runSession(session, killSignal, reloadSignal, log);
      switch (end.kind) {
        case 'signal':
          if (end.sig === reloadSignal) {
            err('Reloading configuration...\n');
            await session.stop(false);
            continue;
          }
          err('Cleaning up...\n');
          await session.stop(true);
          return EXIT.interrupt;
        case 'abort':
          err('Cleaning up...\n');
          await session.stop(true);
          return EXIT.interrupt;
        case 'failed':
          log.error(`(cli) ${end.error.message}`);
          await session.stop(true);
          return EXIT.runner;
        case 'child':
          await session.stop(true);
          if (end.code === 0) {
            log.info('(cli) child process exited with code 0');
            return EXIT.ok;
          }
          log.error(`(cli) child process exited with code ${end.code}`);
          return end.code;
        case 'done':
          await session.stop(true);
          return EXIT.ok;
      }
    }
  } finally {
    await pidFile.remove();
    await syslog?.close();
    clearInterval(keepAlive);
    unsubscribe?.();
    io.signal?.removeEventListener('abort', onAbort);
  }

  /** Waits for what ends this session, forwarding the signals that do not. */
  async function runSession(session: Session, killSignal: SignalName | null, reloadSignal: SignalName | null, log: Logger): Promise<SessionEnd> {
    const finished = session.renderer.finished.then(async (): Promise<SessionEnd> => {
      if (session.renderer.failure) return { kind: 'failed', error: session.renderer.failure };
      // -once with a child: wait for the child to exit and take its code.
      if (session.child?.running) return { kind: 'child', code: await session.childDied };
      return { kind: 'done' };
    });
    const childDied = session.childDied.then((code): SessionEnd => ({ kind: 'child', code }));
    const childFailed = session.childStartFailed.then((error): SessionEnd => ({ kind: 'failed', error }));
    for (;;) {
      if (aborted) return { kind: 'abort' };
      const sig = signals.shift();
      if (sig !== undefined) {
        log.debug(`(cli) receiving signal "${sig}"`);
        if (sig === reloadSignal || sig === killSignal) return { kind: 'signal', sig };
        if (session.child?.running) await session.child.signal(sig);
        // Without a child there is nobody to forward SIGTERM to; stop rather than ignore it (a Go
        // consul-template ignores it, which leaves service managers waiting for their own SIGKILL).
        else if (sig === 'SIGTERM') return { kind: 'signal', sig };
        continue;
      }
      const r = await Promise.race([finished, childDied, childFailed, nextSignal.then((): undefined => undefined)]);
      if (r) return r;
      nextSignal = signalArrived();
    }
  }
}

/** The agent client of a `consul {}` block (conclave-template's and conclave-env's). */
export function makeClient(consul: TemplateRunConfig['consul'], env: Record<string, string | undefined>, tokenFile: string | undefined): ConsulClient {
  const ssl = consul.ssl;
  // ssl.enabled turns a scheme-less address (or the default one) into https://, as consul-template does.
  let address = consul.address;
  if (ssl?.enabled) {
    const base = address || env.CONSUL_HTTP_ADDR || '127.0.0.1:8500';
    address = base.includes('://') ? base : `https://${base}`;
  }
  return new ConsulClient({
    address,
    token: consul.token,
    tokenFile,
    env,
    consistency: 'stale',
    tls: ssl && {
      caFile: ssl.caCert,
      caPath: ssl.caPath,
      certFile: ssl.cert,
      keyFile: ssl.key,
      serverName: ssl.serverName,
      insecureSkipVerify: ssl.verify === false ? true : undefined,
    },
  });
}
