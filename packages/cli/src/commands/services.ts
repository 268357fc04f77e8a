// `conclave services register|deregister`: local agent service registration from Consul service definition files
// (`service { }` / `services = [...]` in HCL, `{"service": {...}}` / `{"services": [...]}` in JSON) or from flags.
import type { ServiceDefinition } from '@conclave/client';
import { CLIENT_FLAGS, SERVER_FLAGS, dispatch, parseKeyValueFlags, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';

/** Case-insensitive field lookup, also matching snake_case spellings, as the agent decodes definitions. */
function field(obj: Record<string, unknown>, name: string): unknown {
  const want = name.toLowerCase();
  const key = Object.keys(obj).find((k) => k.toLowerCase().replace(/_/g, '') === want);
  return key === undefined ? undefined : obj[key];
}

/** The services of Consul configuration files (JSON or HCL), read by the agent's own loader as Consul's
 * `services register` reads them: any agent key is allowed, an unknown one or a broken file is an error. */
export async function servicesFromFiles(files: string[]): Promise<ServiceDefinition[]> {
  const { ConfigError, buildAgentConfig } = await import('@conclave/agent/config');
  try {
    const { config } = buildAgentConfig(['-dev', ...files.flatMap((f) => ['-config-file', f])]);
    return config.services.map((s) => s.raw as ServiceDefinition);
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(err.problems.join('\n'));
    throw err;
  }
}

function serviceName(def: ServiceDefinition): string {
  const v = field(def, 'name');
  return typeof v === 'string' ? v : '';
}

function serviceId(def: ServiceDefinition): string {
  const v = field(def, 'id');
  return typeof v === 'string' && v !== '' ? v : serviceName(def);
}

function register(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: `
Usage: conclave services register [options] [FILE...]

  Register one or more services using the local agent API. Services can be registered from service definition files
  (HCL or JSON) or using flags.

      $ conclave services register web.hcl
`,
    flags: {
      id: { kind: 'string', usage: "ID of the service to register for arg-based registration. If this isn't set, it will default to the -name value." },
      name: { kind: 'string', usage: 'Name of the service to register for arg-based registration.' },
      address: { kind: 'string', usage: 'Address of the service to register for arg-based registration.' },
      port: { kind: 'int', usage: 'Port of the service to register for arg-based registration.' },
      socket: { kind: 'string', usage: 'Path to the Unix domain socket to register for arg-based registration (conflicts with address and port).' },
      meta: { kind: 'list', usage: 'Metadata to set on the service, formatted as key=value. May be repeated.' },
      tag: { kind: 'list', usage: 'Tag to add to the service. May be repeated.' },
      'tagged-address': { kind: 'list', usage: 'Tagged address to set on the service, formatted as key=value. May be repeated.' },
      kind: { kind: 'string', usage: "The services 'kind'" },
      ...CLIENT_FLAGS,
      ...SERVER_FLAGS,
    },
    async run(ctx) {
      const f = ctx.flags;
      const meta = parseKeyValueFlags(f.meta, 'meta');
      const tagged: Record<string, { Address: string; Port: number }> = {};
      for (const [k, v] of Object.entries(parseKeyValueFlags(f['tagged-address'], 'tagged-address'))) {
        const m = /^(.*?)(?::(\d+))?$/.exec(v)!;
        tagged[k] = { Address: m[1]!, Port: m[2] ? Number(m[2]) : 0 };
      }
      const tags = (f.tag as string[] | undefined) ?? [];
      const name = (f.name as string | undefined) ?? '';
      if (ctx.args.length === 0 && name === '') {
        ctx.err('Service registration requires at least one argument or flags.');
        return 1;
      }
      if (ctx.args.length > 0 && name !== '') {
        ctx.err('Service registration requires arguments or -id, not both.');
        return 1;
      }
      let defs: ServiceDefinition[];
      if (ctx.args.length > 0) {
        try {
          defs = await servicesFromFiles(ctx.args);
        } catch (err) {
          ctx.err(`Error: ${(err as Error).message}`);
          return 1;
        }
        // Flags fill what a file leaves out, as Consul's CombineArgs.
        defs = defs.map((d) => {
          const out: ServiceDefinition = { ...d };
          if (f.id && !serviceIdRaw(d)) out.ID = f.id;
          if (f.address && !field(d, 'address')) out.Address = f.address;
          if (typeof f.port === 'number' && f.port !== 0 && !field(d, 'port')) out.Port = f.port;
          if (f.kind && !field(d, 'kind')) out.Kind = f.kind;
          if (f.socket && !field(d, 'socketpath')) out.SocketPath = f.socket;
          if (Object.keys(meta).length > 0) setMerged(out, 'meta', 'Meta', meta);
          if (Object.keys(tagged).length > 0) setMerged(out, 'taggedaddresses', 'TaggedAddresses', tagged);
          if (tags.length > 0) {
            const key = Object.keys(out).find((k) => k.toLowerCase() === 'tags') ?? 'Tags';
            out[key] = [...((out[key] as string[] | undefined) ?? []), ...tags];
          }
          return out;
        });
      } else {
        const def: ServiceDefinition = { Name: name, Tags: tags, Meta: meta };
        if (f.id) def.ID = f.id;
        if (f.address) def.Address = f.address;
        if (typeof f.port === 'number') def.Port = f.port;
        if (f.socket) def.SocketPath = f.socket;
        if (f.kind) def.Kind = f.kind;
        if (Object.keys(tagged).length > 0) def.TaggedAddresses = tagged;
        defs = [def];
      }
      const agent = ctx.client().agent;
      for (const def of defs) {
        try {
          await agent.serviceRegister(def);
        } catch (err) {
          ctx.err(`Error registering service ${JSON.stringify(serviceName(def))}: ${(err as Error).message}`);
          return 1;
        }
        ctx.out(`Registered service: ${serviceName(def)}`);
      }
      return 0;
    },
  });
}

function serviceIdRaw(def: ServiceDefinition): string {
  const v = field(def, 'id');
  return typeof v === 'string' ? v : '';
}

function setMerged(obj: ServiceDefinition, lowerKey: string, defaultKey: string, extra: Record<string, unknown>): void {
  const key = Object.keys(obj).find((k) => k.toLowerCase().replace(/_/g, '') === lowerKey) ?? defaultKey;
  obj[key] = { ...((obj[key] as Record<string, unknown> | undefined) ?? {}), ...extra };
}

function deregister(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: `
Usage: conclave services deregister [options] [FILE...]

  Deregister one or more services that were previously registered with the local agent.

      $ conclave services deregister web.json db.json
      $ conclave services deregister -id=web
`,
    flags: {
      id: { kind: 'string', usage: 'ID to delete. This must not be set if arguments are given.' },
      ...CLIENT_FLAGS,
      ...SERVER_FLAGS,
    },
    async run(ctx) {
      const id = (ctx.flags.id as string | undefined) ?? '';
      if (ctx.args.length === 0 && id === '') {
        ctx.err('Service deregistration requires at least one argument or -id.');
        return 1;
      }
      if (ctx.args.length > 0 && id !== '') {
        ctx.err('Service deregistration requires arguments or -id, not both.');
        return 1;
      }
      let ids: Array<{ id: string; name: string }> = [{ id, name: '' }];
      if (ctx.args.length > 0) {
        try {
          ids = (await servicesFromFiles(ctx.args)).map((d) => ({ id: serviceId(d), name: serviceName(d) }));
        } catch (err) {
          ctx.err(`Error: ${(err as Error).message}`);
          return 1;
        }
      }
      const agent = ctx.client().agent;
      for (const s of ids) {
        if (s.id === '') continue;
        try {
          await agent.serviceDeregister(s.id);
        } catch (err) {
          ctx.err(`Error deregistering service ${JSON.stringify(s.name || s.id)}: ${(err as Error).message}`);
          return 1;
        }
        ctx.out(`Deregistered service: ${s.id}`);
      }
      return 0;
    },
  });
}

export const services = dispatch('services', 'Interact with services', { register, deregister });
