// `conclave watch`: Consul's watch command. Without a handler it prints the first result as JSON and exits 0; with
// one it runs the handler on the first result and on every change until SIGINT/SIGTERM. Handler failures are
// logged and the watch goes on (the next change runs it again).
import {
  WatchConfigError,
  createWatchLogger,
  encodeConsulJson,
  handlerFor,
  joinPassingOnlyValue,
  parseWatchDefinition,
  startWatch,
  watchParamsFromCli,
  type WatchHandler,
} from '@conclave/watch';
import { CLIENT_FLAGS, SERVER_FLAGS, runCommand } from './common.js';

const usage = `
Usage: conclave watch [options] [child...]

  Watches for changes in a given data view from Consul. If a child process is specified, it will be invoked with
  the latest results on changes. Otherwise, the latest values are dumped to stdout and the watch terminates.

  Providing the watch type is required, and other parameters may be required or supported depending on the watch
  type. -service tag.name (the DNS form, e.g. master.db) watches tag "master" of service "db" when no service is
  literally named "master.db".

      $ conclave watch -type service -service master.db -passingonly ./failover.sh
`;

export function watch(argv: string[]): Promise<number> {
  return runCommand(joinPassingOnlyValue(argv), {
    usage,
    flags: {
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
    },
    async run(ctx) {
      const f = ctx.flags;
      const str = (n: string) => (typeof f[n] === 'string' ? (f[n] as string) : undefined);
      if (!str('type')) {
        ctx.err('Watch type must be specified');
        ctx.err('');
        ctx.err(usage.trim());
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
          args: ctx.args,
        });
        def = parseWatchDefinition(params, { requireHandler: false });
      } catch (err) {
        if (!(err instanceof WatchConfigError)) throw err;
        ctx.err(err.message);
        return 1;
      }

      const client = ctx.client();
      try {
        await client.agent.self();
      } catch (err) {
        ctx.err(`Error querying Consul agent: ${(err as Error).message}`);
        return 1;
      }

      const logger = createWatchLogger('info');
      const controller = new AbortController();
      let handler: WatchHandler;
      if (!def.handler) {
        handler = async (_index, data) => {
          ctx.out(encodeConsulJson(data, '    '));
          controller.abort();
        };
      } else {
        handler = handlerFor(def.handler, { logger, output: 'inherit' });
      }
      const onSignal = () => controller.abort();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const running = startWatch(def, { client, handler, logger, signal: controller.signal });
        await running.done;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      return 0;
    },
  });
}
