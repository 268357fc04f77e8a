// `conclave acl role create|read|update|delete|list`, with Consul's flags and output.
import { CLIENT_FLAGS, dispatch, runCommand, type CommandContext } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { links, nodeIdentities, serviceIdentities, templatedPolicies } from './acl-args.js';
import { FORMAT_FLAG } from './acl-bootstrap.js';
import { formatJson, formatRole, type RoleJson } from './acl-format.js';

const ID_FLAGS = {
  id: { kind: 'string' as const, usage: 'The ID of the role.' },
  name: { kind: 'string' as const, usage: 'The name of the role.' },
};

const BODY_FLAGS = {
  description: { kind: 'string' as const, usage: 'A description of the role' },
  'policy-id': { kind: 'list' as const, usage: 'ID of a policy to use for this role. May be specified multiple times' },
  'policy-name': { kind: 'list' as const, usage: 'Name of a policy to use for this role. May be specified multiple times' },
  'service-identity': { kind: 'list' as const, usage: 'Name of a service identity to use for this role. May be specified multiple times.' },
  'node-identity': { kind: 'list' as const, usage: 'Name of a node identity to use for this role. May be specified multiple times. Format is NODENAME:DATACENTER' },
  'templated-policy': { kind: 'string' as const, usage: 'The templated policy name. Use -var flag to specify variables when required.' },
  var: { kind: 'list' as const, usage: 'Templated policy variables. Must be used in combination with -templated-policy flag to specify required variables. Format is VariableName:Value' },
};

function show(ctx: CommandContext, r: RoleJson): number {
  ctx.out(ctx.flags.format === 'json' ? formatJson(r) : formatRole(r));
  return 0;
}

function failed(ctx: CommandContext, what: string, err: unknown): number {
  ctx.err(`${what}: ${(err as Error).message}`);
  return 1;
}

async function find(ctx: CommandContext): Promise<RoleJson | undefined> {
  const { id, name } = ctx.flags;
  if (typeof id !== 'string' && typeof name !== 'string') {
    ctx.err('Must specify either the -id or -name parameters');
    return undefined;
  }
  const path = typeof id === 'string' ? `acl/role/${id}` : `acl/role/name/${name as string}`;
  return (await ctx.client().query<RoleJson>(path)).body as RoleJson;
}

function body(ctx: CommandContext, current?: RoleJson): Record<string, unknown> {
  const f = ctx.flags;
  const given = (k: string) => f[k] !== undefined;
  return {
    Name: typeof f.name === 'string' ? f.name : current?.Name,
    Description: typeof f.description === 'string' ? f.description : (current?.Description ?? ''),
    Policies: given('policy-id') || given('policy-name') || !current ? links(f['policy-id'], f['policy-name']) : (current.Policies ?? []),
    ServiceIdentities: given('service-identity') || !current ? serviceIdentities(f['service-identity']) : (current.ServiceIdentities ?? []),
    NodeIdentities: given('node-identity') || !current ? nodeIdentities(f['node-identity']) : (current.NodeIdentities ?? []),
    TemplatedPolicies: given('templated-policy') || !current ? (templatedPolicies(f['templated-policy'], f.var) ?? []) : (current.TemplatedPolicies ?? []),
  };
}

const create = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl role create -name NAME [options]\n\n  Create a new role.',
    flags: { ...CLIENT_FLAGS, name: ID_FLAGS.name, ...BODY_FLAGS, format: FORMAT_FLAG },
    async run(ctx) {
      if (typeof ctx.flags.name !== 'string') {
        ctx.err('Missing required \'-name\' flag');
        return 1;
      }
      try {
        return show(ctx, (await ctx.client().write('PUT', 'acl/role', undefined, body(ctx))) as RoleJson);
      } catch (err) {
        return failed(ctx, 'Failed to create new role', err);
      }
    },
  });

const read = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl role read [options] [args]\n\n  This command will retrieve and print out the details of a single role.',
    flags: { ...CLIENT_FLAGS, ...ID_FLAGS, format: FORMAT_FLAG },
    async run(ctx) {
      try {
        const r = await find(ctx);
        return r ? show(ctx, r) : 1;
      } catch (err) {
        return failed(ctx, 'Error reading role', err);
      }
    },
  });

const update = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl role update [options]\n\n  Updates a role. Fields not given keep their value.',
    flags: { ...CLIENT_FLAGS, id: ID_FLAGS.id, name: { kind: 'string', usage: 'The new name of the role.' }, ...BODY_FLAGS, format: FORMAT_FLAG },
    async run(ctx) {
      if (typeof ctx.flags.id !== 'string') {
        ctx.err('Cannot update a role without specifying the -id parameter');
        return 1;
      }
      try {
        const client = ctx.client();
        const current = (await client.query<RoleJson>(`acl/role/${ctx.flags.id}`)).body as RoleJson;
        return show(ctx, (await client.write('PUT', `acl/role/${current.ID}`, undefined, body(ctx, current))) as RoleJson);
      } catch (err) {
        return failed(ctx, 'Failed to update role', err);
      }
    },
  });

const del = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl role delete [options] -id ROLE\n\n  Deletes an ACL role by providing either the ID or the name.',
    flags: { ...CLIENT_FLAGS, ...ID_FLAGS },
    async run(ctx) {
      try {
        const r = await find(ctx);
        if (!r) return 1;
        await ctx.client().write('DELETE', `acl/role/${r.ID}`);
        ctx.out(`Role "${r.ID}" deleted successfully`);
        return 0;
      } catch (err) {
        return failed(ctx, 'Error deleting role', err);
      }
    },
  });

const list = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl role list [options]\n\n  Lists all the ACL roles.',
    flags: { ...CLIENT_FLAGS, format: FORMAT_FLAG },
    async run(ctx) {
      try {
        const roles = ((await ctx.client().query<RoleJson[]>('acl/roles')).body ?? []) as RoleJson[];
        ctx.out(ctx.flags.format === 'json' ? formatJson(roles) : roles.map((r) => `${r.Name}:\n${formatRole(r).replace(/^/gm, '   ')}`).join('\n'));
        return 0;
      } catch (err) {
        return failed(ctx, 'Failed to retrieve the role list', err);
      }
    },
  });

export const aclRole = dispatch('acl role', 'Manage Consul\'s ACL roles', { create, read, update, delete: del, list });
