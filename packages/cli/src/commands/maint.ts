// `conclave maint`: node or service maintenance mode; without -enable/-disable, list what is in maintenance.
import { CLIENT_FLAGS, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';

const usage = `
Usage: conclave maint [options]

  Places a node or service into maintenance mode. During maintenance mode, the node or service will be excluded from
  all queries through the DNS or API interfaces. This is done by registering an additional critical health check.
  If no arguments are given, the agent's maintenance status will be shown.
`;

export function maint(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage,
    flags: {
      enable: { kind: 'bool', usage: 'Enable maintenance mode.' },
      disable: { kind: 'bool', usage: 'Disable maintenance mode.' },
      reason: { kind: 'string', usage: 'Text describing the maintenance reason.' },
      service: { kind: 'string', usage: 'Control maintenance mode for a specific service ID.' },
      ...CLIENT_FLAGS,
    },
    async run(ctx) {
      const enable = ctx.flags.enable === true;
      const disable = ctx.flags.disable === true;
      const reason = (ctx.flags.reason as string | undefined) ?? '';
      const serviceId = (ctx.flags.service as string | undefined) ?? '';
      if (enable && disable) {
        ctx.err('Only one of -enable or -disable may be provided');
        return 1;
      }
      if (!enable && reason !== '') {
        ctx.err('Reason may only be provided with -enable');
        return 1;
      }
      if (!enable && !disable && serviceId !== '') {
        ctx.err('Service requires either -enable or -disable');
        return 1;
      }
      const agent = ctx.client().agent;
      let nodeName: string;
      try {
        nodeName = (await agent.self()).Config.NodeName;
      } catch (err) {
        ctx.err(`Error querying Consul agent: ${(err as Error).message}`);
        return 1;
      }
      if (!enable && !disable) {
        let checks;
        try {
          checks = await agent.checks();
        } catch (err) {
          ctx.err(`Error getting checks: ${(err as Error).message}`);
          return 1;
        }
        for (const check of Object.values(checks)) {
          if (check.CheckID === '_node_maintenance') {
            ctx.out('Node:');
            ctx.out('  Name:   ' + nodeName);
            ctx.out('  Reason: ' + check.Notes);
            ctx.out('');
          } else if (check.CheckID.startsWith('_service_maintenance:')) {
            ctx.out('Service:');
            ctx.out('  ID:     ' + check.ServiceID);
            ctx.out('  Reason: ' + check.Notes);
            ctx.out('');
          }
        }
        return 0;
      }
      const verb = enable ? 'enabl' : 'disabl';
      try {
        if (serviceId === '') await agent.nodeMaintenance(enable, reason);
        else await agent.serviceMaintenance(serviceId, enable, reason);
      } catch (err) {
        ctx.err(`Error ${verb}ing ${serviceId === '' ? 'node' : 'service'} maintenance: ${(err as Error).message}`);
        return 1;
      }
      ctx.out(serviceId === '' ? `Node maintenance is now ${verb}ed` : `Service maintenance is now ${verb}ed for ${JSON.stringify(serviceId)}`);
      return 0;
    },
  });
}
