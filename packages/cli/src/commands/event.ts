// `conclave event [-name n] [-node re] [-service re] [-tag re] [payload]`: fires a user event, prints its ID.
import { GoRegexp } from '@conclave/toolkit';
import { CLIENT_FLAGS, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';

const usage = `
Usage: conclave event [options] [payload]

  Dispatches a custom user event across a datacenter. An event must provide a name, but a payload is
  optional. Events support filtering using regular expressions on node name, service, and tag definitions.
`;

export function event(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage,
    flags: {
      name: { kind: 'string', usage: 'Name of the event.' },
      node: { kind: 'string', usage: 'Regular expression to filter on node names.' },
      service: { kind: 'string', usage: 'Regular expression to filter on service instances.' },
      tag: { kind: 'string', usage: 'Regular expression to filter on service tags. Must be used with -service.' },
      datacenter: { kind: 'string', usage: 'Name of the datacenter to fire the event in.' },
      ...CLIENT_FLAGS,
    },
    async run(ctx) {
      const name = (ctx.flags.name as string | undefined) ?? '';
      const node = (ctx.flags.node as string | undefined) ?? '';
      const service = (ctx.flags.service as string | undefined) ?? '';
      const tag = (ctx.flags.tag as string | undefined) ?? '';
      if (name === '') {
        ctx.err('Event name must be specified');
        return 1;
      }
      for (const [flag, re] of [['node', node], ['service', service], ['tag', tag]] as const) {
        if (!re) continue;
        try {
          GoRegexp.compile(re);
        } catch (err) {
          ctx.err(`Failed to compile ${flag} filter regexp: ${(err as Error).message}`);
          return 1;
        }
      }
      if (tag && !service) {
        ctx.err('Cannot provide tag filter without service filter.');
        return 1;
      }
      if (ctx.args.length > 1) {
        ctx.err(`Too many command line arguments.`);
        return 1;
      }
      const payload = ctx.args[0] ?? '';
      try {
        const res = (await ctx.client().write('PUT', `event/fire/${name}`, { node: node || undefined, service: service || undefined, tag: tag || undefined }, payload)) as {
          ID?: string;
        };
        ctx.out(`Event ID: ${res?.ID ?? ''}`);
        return 0;
      } catch (err) {
        ctx.err(`Error firing event: ${(err as Error).message}`);
        return 1;
      }
    },
  });
}
