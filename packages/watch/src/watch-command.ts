// The `watch` command line (Consul's `consul watch`), shared by `conclave watch` and the `conclave-watch` binary.
// Without a handler it prints the first result as JSON and exits 0; with one it runs the handler on the first
// result and on every change until SIGINT/SIGTERM (or `signal`). Handler failures are logged and the watch goes
// on (the next change runs it again).
import {
  CLIENT_FLAGS,
  ConsulConfigError,
  FlagError,
  SERVER_FLAGS,
  clientFromFlags,
  formatFlagUsage,
  parseFlags,
  type ConsulClient,
  type FlagSpecs,
} from '@conclave/client';
import { createLogger } from '@conclave/toolkit';
import { joinPassingOnlyValue, watchParamsFromCli } from './cli-params.js';
import { encodeConsulJson } from './consul-json.js';
import { parseWatchDefinition } from './watch-definition.js';
import { WatchConfigError } from './errors.js';
import { handlerFor } from './handler-for.js';
import type { WatchHandler } from './watch-handler.js';
import { startWatch } from './watch-runner.js';

export interface WatchCommandIO {
  /** How the command is named in its usage text, e.g. `conclave watch`. */
  program?: string;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Stops a running watch (the binaries abort it on SIGINT/SIGTERM). */
  signal?: AbortSignal;
}

const WATCH_FLAGS: FlagSpecs = {
  type: { kind: 'string', usage: 'Specifies the watch type. One of key, keyprefix, services, nodes, service, checks, or event.' },
  key: { kind: 'string', usage: "Specifies the key to watch. Only for 'key' type." },
  prefix: { kind: 'string', usage: "Specifies the key prefix to watch. Only for 'keyprefix' type." },
  service: { kind: 'string', usage: "Specifies the service to watch. Required for 'service' type, optional for 'checks' type." },
  tag: { kind: 'list', usage: "Specifies the service tag(s) to filter on. Optional for 'service' and 'checks' types. May be repeated." },
  passingonly: { kind: 'bool', usage: "Specifies if only hosts passing all checks are displayed. Optional for 'service' type, one of [true|false]. Defaults false." },
  state: { kind: 'string', usage: "Specifies the states to watch. Optional for 'checks' type." },
  name: { kind: 'string', usage: "Specifies an event name to watch. Only for 'event' type." },
  shell: { kind: 'bool', usage: 'Use a shell to run the command. Default true; -shell=false runs the arguments directly.' },
  ...CLIENT_FLAGS,
  ...SERVER_FLAGS,
  h: { kind: 'bool' },
  help: { kind: 'bool' },
};

function usageText(program: string): string {
  return `Usage: ${program} [options] [child...]

  Watches for changes in a given data view from Consul. If a child process is specified, it will be invoked with
  the latest results on changes. Otherwise, the latest values are dumped to stdout and the watch terminates.

  Providing the watch type is required, and other parameters may be required or supported depending on the watch
  type. -service tag.name (the DNS form, e.g. master.db) watches tag "master" of service "db" when no service is
  literally named "master.db".

      $ ${program} -type service -service master.db -passingonly ./failover.sh

${formatFlagUsage(WATCH_FLAGS)}`;
}

/** Runs the watch command; resolves with the exit code (0 ok, 1 usage or agent error). */
export async function runWatchCommand(argv: readonly string[], io: WatchCommandIO = {}): Promise<number> {
  const program = io.program ?? 'conclave watch';
  const out = io.stdout ?? ((t: string) => void process.stdout.write(t + '\n'));
  const err = io.stderr ?? ((t: string) => void process.stderr.write(t + '\n'));
  let flags;
  try {
    flags = parseFlags(joinPassingOnlyValue([...argv]), WATCH_FLAGS);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    err(e.message);
    err(usageText(program));
    return 1;
  }
  const f = flags.values;
  if (f.h || f.help) {
    err(usageText(program));
    return 0;
  }
  const str = (n: string) => (typeof f[n] === 'string' ? (f[n] as string) : undefined);
  if (!str('type')) {
    err('Watch type must be specified');
    err('');
    err(usageText(program));
    return 1;
  }
  let def;
  try {
    const params = watchParamsFromCli({
      type: str('type'),
      key: str('key'),
      prefix: str('prefix'),
      service: str('service'),
      tag: f.tag as string[] | undefined,
      passingonly: f.passingonly as boolean | undefined,
      state: str('state'),
      name: str('name'),
      datacenter: str('datacenter'),
      token: str('token'),
      stale: f.stale === true,
      shell: f.shell as boolean | undefined,
      args: flags.rest,
    });
    def = parseWatchDefinition(params, { requireHandler: false });
  } catch (e) {
    if (!(e instanceof WatchConfigError)) throw e;
    err(e.message);
    return 1;
  }

  let client: ConsulClient;
  try {
    client = clientFromFlags(f);
  } catch (e) {
    if (!(e instanceof ConsulConfigError)) throw e;
    err(`Error connecting to Consul agent: ${e.message}`);
    return 1;
  }
  try {
    try {
      await client.agent.self();
    } catch (e) {
      err(`Error querying Consul agent: ${(e as Error).message}`);
      return 1;
    }
    const logger = createLogger({ level: 'info', name: 'watch' });
    const controller = new AbortController();
    io.signal?.addEventListener('abort', () => controller.abort(), { once: true });
    let handler: WatchHandler;
    if (!def.handler) {
      handler = async (_index, data) => {
        out(encodeConsulJson(data, '    '));
        controller.abort();
      };
    } else {
      handler = handlerFor(def.handler, { logger, output: 'inherit' });
    }
    const running = startWatch(def, { client, handler, logger, signal: controller.signal });
    await running.done;
    return 0;
  } finally {
    client.close();
  }
}
