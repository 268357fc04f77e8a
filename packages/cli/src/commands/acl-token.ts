// `conclave acl token create|read|update|delete|list|clone`, with Consul's flags and output.
import { CLIENT_FLAGS, dispatch, runCommand, type CommandContext } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { links, nodeIdentities, serviceIdentities, templatedPolicies } from './acl-args.js';
import { FORMAT_FLAG } from './acl-bootstrap.js';
import { formatJson, formatToken, type TokenJson } from './acl-format.js';

const LINK_FLAGS = {
  'policy-id': { kind: 'list' as const, usage: 'ID of a policy to use for this token. May be specified multiple times' },
  'policy-name': { kind: 'list' as const, usage: 'Name of a policy to use for this token. May be specified multiple times' },
  'role-id': { kind: 'list' as const, usage: 'ID of a role to use for this token. May be specified multiple times' },
  'role-name': { kind: 'list' as const, usage: 'Name of a role to use for this token. May be specified multiple times' },
  'service-identity': { kind: 'list' as const, usage: "Name of a service identity to use for this token. May be specified multiple times. Format is the SERVICENAME or SERVICENAME:DATACENTER1,DATACENTER2,..." },
  'node-identity': { kind: 'list' as const, usage: 'Name of a node identity to use for this token. May be specified multiple times. Format is NODENAME:DATACENTER' },
  description: { kind: 'string' as const, usage: 'A description of the token' },
  'templated-policy': { kind: 'string' as const, usage: 'The templated policy name. Use -var flag to specify variables when required.' },
  var: { kind: 'list' as const, usage: 'Templated policy variables. Must be used in combination with -templated-policy flag to specify required variables. May be specified multiple times with different variables. Format is VariableName:Value' },
};

function show(ctx: CommandContext, token: TokenJson): number {
  ctx.out(ctx.flags.format === 'json' ? formatJson(token) : formatToken(token));
  return 0;
}

function body(ctx: CommandContext): Record<string, unknown> {
  const f = ctx.flags;
  const out: Record<string, unknown> = {
    Policies: links(f['policy-id'], f['policy-name']),
    Roles: links(f['role-id'], f['role-name']),
    ServiceIdentities: serviceIdentities(f['service-identity']),
    NodeIdentities: nodeIdentities(f['node-identity']),
  };
  if (typeof f.description === 'string') out.Description = f.description;
  const templated = templatedPolicies(f['templated-policy'], f.var);
  if (templated) out.TemplatedPolicies = templated;
  return out;
}

function failed(ctx: CommandContext, what: string, err: unknown): number {
  ctx.err(`${what}: ${(err as Error).message}`);
  return 1;
}

const create = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl token create [options]\n\n  Create a new token.',
    flags: {
      ...CLIENT_FLAGS,
      ...LINK_FLAGS,
      local: { kind: 'bool', usage: 'Create this as a datacenter local token' },
      'expires-ttl': { kind: 'string', usage: 'Duration of time this token should be valid for' },
      accessor: { kind: 'string', usage: 'Create the token with this Accessor ID. It must be a UUID.' },
      secret: { kind: 'string', usage: 'Create the token with this Secret ID. It must be a UUID.' },
      format: FORMAT_FLAG,
    },
    async run(ctx) {
      const f = ctx.flags;
      try {
        const b = body(ctx);
        if (f.local) b.Local = true;
        if (typeof f['expires-ttl'] === 'string') b.ExpirationTTL = f['expires-ttl'];
        if (typeof f.accessor === 'string') b.AccessorID = f.accessor;
        if (typeof f.secret === 'string') b.SecretID = f.secret;
        return show(ctx, (await ctx.client().write('PUT', 'acl/token', undefined, b)) as TokenJson);
      } catch (err) {
        return failed(ctx, 'Failed to create new token', err);
      }
    },
  });

const read = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl token read [options] -id TOKENID\n\n  This command will retrieve and print out the details of a single token.',
    flags: { ...CLIENT_FLAGS, id: { kind: 'string', usage: 'The Accessor ID of the token to read.' }, self: { kind: 'bool', usage: 'Indicates that the current HTTP token should be read by secret ID instead of expecting a -id option' }, format: FORMAT_FLAG },
    async run(ctx) {
      const f = ctx.flags;
      if (!f.self && typeof f.id !== 'string') {
        ctx.err('Must specify the -id parameter');
        return 1;
      }
      try {
        const path = f.self ? 'acl/token/self' : `acl/token/${f.id as string}`;
        return show(ctx, (await ctx.client().query<TokenJson>(path)).body as TokenJson);
      } catch (err) {
        return failed(ctx, 'Error reading token', err);
      }
    },
  });

const update = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl token update [options]\n\n  This command will update a token. Some parts such as marking the token local cannot be changed.',
    flags: { ...CLIENT_FLAGS, ...LINK_FLAGS, id: { kind: 'string', usage: 'The Accessor ID of the token to update.' }, format: FORMAT_FLAG },
    async run(ctx) {
      const id = ctx.flags.id;
      if (typeof id !== 'string') {
        ctx.err('Cannot update a token without specifying the -id parameter');
        return 1;
      }
      try {
        const client = ctx.client();
        const current = (await client.query<TokenJson>(`acl/token/${id}`)).body as TokenJson;
        const b = body(ctx);
        // As Consul's CLI: the links given replace the token's; unchanged fields keep their value.
        const merged = {
          ...current,
          ...b,
          Description: typeof ctx.flags.description === 'string' ? ctx.flags.description : current.Description,
        };
        return show(ctx, (await client.write('PUT', `acl/token/${id}`, undefined, merged)) as TokenJson);
      } catch (err) {
        return failed(ctx, `Failed to update token ${id}`, err);
      }
    },
  });

const del = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl token delete [options] -id TOKEN\n\n  Deletes an ACL token by providing the ID.',
    flags: { ...CLIENT_FLAGS, id: { kind: 'string', usage: 'The Accessor ID of the token to delete.' } },
    async run(ctx) {
      const id = ctx.flags.id;
      if (typeof id !== 'string') {
        ctx.err('Must specify the -id parameter');
        return 1;
      }
      try {
        await ctx.client().write('DELETE', `acl/token/${id}`);
        ctx.out(`Token "${id}" deleted successfully`);
        return 0;
      } catch (err) {
        return failed(ctx, `Error deleting token "${id}"`, err);
      }
    },
  });

const list = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl token list [options]\n\n  Lists all the ACL tokens.',
    flags: { ...CLIENT_FLAGS, format: FORMAT_FLAG },
    async run(ctx) {
      try {
        const tokens = ((await ctx.client().query<TokenJson[]>('acl/tokens')).body ?? []) as TokenJson[];
        ctx.out(ctx.flags.format === 'json' ? formatJson(tokens) : tokens.map(formatToken).join('\n\n'));
        return 0;
      } catch (err) {
        return failed(ctx, 'Failed to retrieve the token list', err);
      }
    },
  });

const clone = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl token clone [options]\n\n  This command will clone a token.',
    flags: { ...CLIENT_FLAGS, id: { kind: 'string', usage: 'The Accessor ID of the token to clone.' }, description: LINK_FLAGS.description, format: FORMAT_FLAG },
    async run(ctx) {
      const id = ctx.flags.id;
      if (typeof id !== 'string') {
        ctx.err('Cannot clone a token without specifying the -id parameter');
        return 1;
      }
      try {
        const b = typeof ctx.flags.description === 'string' ? { Description: ctx.flags.description } : {};
        return show(ctx, (await ctx.client().write('PUT', `acl/token/${id}/clone`, undefined, b)) as TokenJson);
      } catch (err) {
        return failed(ctx, 'Failed to clone token', err);
      }
    },
  });

export const aclToken = dispatch('acl token', 'Manage Consul\'s ACL tokens', { create, read, update, delete: del, list, clone });
