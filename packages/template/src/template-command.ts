// The `conclave-template` command (consul-template's CLI) as a function, so an app can be a thin
// wrapper: parse flags, load configuration, run the Renderer against the agent, map failures to
// consul-template's exit codes, log one line per event at the chosen level.
import { ConsulClient, parseFlags, type FlagSpecs } from '@conclave/client';
import { consulClientSource } from './client-source.js';
import { Renderer } from './renderer.js';
import { TemplateConfigError, TemplateRunConfig, emptyConfig, loadTemplateConfig, mergeConfigs, parseTemplateFlag, parseWaitSpec } from './template-config.js';
import { createLogger, parseGoDuration, parseLogLevel } from '@conclave/toolkit';

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
  exec: { kind: 'string', usage: 'Not supported.' },
  version: { kind: 'bool', usage: 'Print the version and exit.' },
  v: { kind: 'bool', usage: 'Print the version and exit.' },
  h: { kind: 'bool', usage: 'Show this help.' },
  help: { kind: 'bool', usage: 'Show this help.' },
};

export interface TemplateCommandIO {
  env?: Record<string, string | undefined>;
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
  /** Aborting stops the renderer (the app wires SIGINT/SIGTERM to it); the exit code is then `interrupt`. */
  signal?: AbortSignal;
  version?: string;
}

function usage(): string {
  const lines = ['Usage: conclave-template [options]', '', 'Renders templates from data in a Consul-compatible agent.', '', 'Options:'];
  for (const [name, spec] of Object.entries(TEMPLATE_FLAGS)) {
    if (name === 'v' || name === 'h' || name === 'exec') continue;
    lines.push(`  -${name}${spec.kind === 'bool' ? '' : '=<value>'}`, `      ${spec.usage ?? ''}`);
  }
  return lines.join('\n') + '\n';
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
  if (f.exec !== undefined) {
    err('-exec is not supported by conclave-template\n');
    return EXIT.parseFlags;
  }

  let cfg: TemplateRunConfig = emptyConfig();
  try {
    for (const path of (f.config as string[] | undefined) ?? []) cfg = mergeConfigs(cfg, await loadTemplateConfig(path));
    // Flags beat configuration files.
    const fromFlags = emptyConfig();
    for (const t of (f.template as string[] | undefined) ?? []) fromFlags.templates.push(parseTemplateFlag(t));
    if (typeof f['consul-addr'] === 'string') fromFlags.consul.address = f['consul-addr'];
    if (typeof f['consul-token'] === 'string') fromFlags.consul.token = f['consul-token'];
    const ssl: NonNullable<TemplateRunConfig['consul']['ssl']> = {};
    if (typeof f['consul-ssl'] === 'boolean') ssl.enabled = f['consul-ssl'];
    if (typeof f['consul-ssl-verify'] === 'boolean') ssl.verify = f['consul-ssl-verify'];
    if (typeof f['consul-ssl-ca-cert'] === 'string') ssl.caCert = f['consul-ssl-ca-cert'];
    if (typeof f['consul-ssl-ca-path'] === 'string') ssl.caPath = f['consul-ssl-ca-path'];
    if (typeof f['consul-ssl-cert'] === 'string') ssl.cert = f['consul-ssl-cert'];
    if (typeof f['consul-ssl-key'] === 'string') ssl.key = f['consul-ssl-key'];
    if (typeof f['consul-ssl-server-name'] === 'string') ssl.serverName = f['consul-ssl-server-name'];
    if (Object.keys(ssl).length > 0) fromFlags.consul.ssl = ssl;
    if (typeof f.wait === 'string') fromFlags.wait = parseWaitSpec(f.wait);
    if (typeof f['log-level'] === 'string') fromFlags.logLevel = f['log-level'];
    if (f.once === true) fromFlags.once = true;
    if (typeof f['max-stale'] === 'string') fromFlags.maxStaleMs = parseGoDuration(f['max-stale']) / 1e6;
    if (typeof f['block-query-wait'] === 'string') fromFlags.blockQueryWaitMs = parseGoDuration(f['block-query-wait']) / 1e6;
    if (typeof f['default-left-delimiter'] === 'string') fromFlags.defaultLeftDelimiter = f['default-left-delimiter'];
    if (typeof f['default-right-delimiter'] === 'string') fromFlags.defaultRightDelimiter = f['default-right-delimiter'];
    cfg = mergeConfigs(cfg, fromFlags);
    if (cfg.templates.length === 0) throw new TemplateConfigError('no templates: give at least one -template "source:destination[:command]" or a template block in -config');
    if (cfg.logLevel !== undefined && [undefined, 'off'].includes(parseLogLevel(cfg.logLevel))) {
      throw new TemplateConfigError(`-log-level: unknown level "${cfg.logLevel}" (use trace, debug, info, warn or err)`);
    }
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return EXIT.config;
  }

  const log = createLogger({ level: parseLogLevel(cfg.logLevel ?? 'warn') ?? 'warn', format: 'consul-template', write: (line) => err(line + '\n') });
  for (const w of cfg.warnings) log.warn(`(config) ${w}`);
  const templates = cfg.templates.map((t) => ({
    ...t,
    leftDelimiter: t.leftDelimiter ?? cfg.defaultLeftDelimiter,
    rightDelimiter: t.rightDelimiter ?? cfg.defaultRightDelimiter,
  }));

  let client: ConsulClient;
  try {
    const ssl = cfg.consul.ssl;
    // ssl.enabled turns a scheme-less address (or the default one) into https://, as consul-template does.
    let address = cfg.consul.address;
    if (ssl?.enabled) {
      const base = address || env.CONSUL_HTTP_ADDR || '127.0.0.1:8500';
      address = base.includes('://') ? base : `https://${base}`;
    }
    client = new ConsulClient({
      address,
      token: cfg.consul.token,
      tokenFile: f['consul-token-file'] as string | undefined,
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
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return EXIT.config;
  }

  const renderer = new Renderer({
    source: consulClientSource(client, { stale: true, maxStaleMs: cfg.maxStaleMs ?? 2_000 }),
    templates,
    dry: f.dry === true,
    once: cfg.once === true,
    wait: cfg.wait,
    blockQueryWaitMs: cfg.blockQueryWaitMs ?? 60_000,
    stdout: out,
    logger: log,
    env,
  });
  try {
    if (f['parse-only'] === true) {
      await renderer.parseOnly();
      return EXIT.ok;
    }
    log.info(`(runner) starting with ${templates.length} template(s), agent ${client.address.display}`);
    await renderer.start();
  } catch (e) {
    err(`${(e as Error).message}\n`);
    await renderer.stop();
    client.close();
    return EXIT.runner;
  }
  let interrupted = false;
  const onAbort = () => {
    interrupted = true;
    void renderer.stop();
  };
  if (io.signal?.aborted) onAbort();
  else io.signal?.addEventListener('abort', onAbort, { once: true });
  await renderer.finished;
  io.signal?.removeEventListener('abort', onAbort);
  client.close();
  if (interrupted) {
    err('Cleaning up...\n');
    return EXIT.interrupt;
  }
  return EXIT.ok;
}

