// `conclave acl policy create|read|update|delete|list`, with Consul's flags and output. -rules takes Consul's
// data source: the rules, `@file` or `-` for stdin.
import { CLIENT_FLAGS, dispatch, runCommand, type CommandContext } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { list as listOf, loadDataSource } from './acl-args.js';
import { FORMAT_FLAG } from './acl-bootstrap.js';
import { formatJson, formatPolicy, formatPolicyListEntry, type PolicyJson } from './acl-format.js';

const ID_FLAGS = {
  id: { kind: 'string' as const, usage: 'The ID of the policy.' },
  name: { kind: 'string' as const, usage: 'The name of the policy.' },
};

const BODY_FLAGS = {
  description: { kind: 'string' as const, usage: 'A description of the policy' },
  rules: { kind: 'string' as const, usage: 'The policy rules. May be prefixed with \'@\' to indicate that the value is a file path to load the rules from. \'-\' may also be given to indicate that the rules are available on stdin' },
  'valid-datacenter': { kind: 'list' as const, usage: 'Datacenter that the policy should be valid within. This flag may be specified multiple times' },
};

function show(ctx: CommandContext, p: PolicyJson): number {
  ctx.out(ctx.flags.format === 'json' ? formatJson(p) : formatPolicy(p));
  return 0;
}

function failed(ctx: CommandContext, what: string, err: unknown): number {
  ctx.err(`${what}: ${(err as Error).message}`);
  return 1;
}

/** The policy named by -id or -name. */
async function find(ctx: CommandContext): Promise<PolicyJson | undefined> {
  const { id, name } = ctx.flags;
  if (typeof id !== 'string' && typeof name !== 'string') {
    ctx.err('Must specify either the -id or -name parameters');
    return undefined;
  }
  const path = typeof id === 'string' ? `acl/policy/${id}` : `acl/policy/name/${name as string}`;
  return (await ctx.client().query<PolicyJson>(path)).body as PolicyJson;
}

const create = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl policy create -name NAME [options]\n\n  Create a new policy.',
    flags: { ...CLIENT_FLAGS, name: ID_FLAGS.name, ...BODY_FLAGS, format: FORMAT_FLAG },
    async run(ctx) {
      const f = ctx.flags;
      if (typeof f.name !== 'string') {
        ctx.err('Missing required \'-name\' flag');
        return 1;
      }
      try {
        const body = {
          Name: f.name,
          Description: typeof f.description === 'string' ? f.description : '',
          Rules: typeof f.rules === 'string' ? loadDataSource(f.rules) : '',
          Datacenters: listOf(f['valid-datacenter']),
        };
        return show(ctx, (await ctx.client().write('PUT', 'acl/policy', undefined, body)) as PolicyJson);
      } catch (err) {
        return failed(ctx, 'Failed to create new policy', err);
      }
    },
  });

const read = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl policy read [options] [args]\n\n  This command will retrieve and print out the details of a single policy.',
    flags: { ...CLIENT_FLAGS, ...ID_FLAGS, format: FORMAT_FLAG },
    async run(ctx) {
      try {
        const p = await find(ctx);
        return p ? show(ctx, p) : 1;
      } catch (err) {
        return failed(ctx, 'Error reading policy', err);
      }
    },
  });

const update = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl policy update [options]\n\n  Updates a policy. By default it will merge the policy information with its current state so that you do\n  not have to provide all parameters. This behavior can be disabled by passing -no-merge.',
    flags: { ...CLIENT_FLAGS, ...ID_FLAGS, ...BODY_FLAGS, 'no-merge': { kind: 'bool', usage: 'Do not merge the current policy information with what is provided to the command.' }, format: FORMAT_FLAG },
    async run(ctx) {
      const f = ctx.flags;
      try {
        const current = await find(ctx);
        if (!current) return 1;
        const keep = !f['no-merge'];
        const body = {
          Name: current.Name,
          Description: typeof f.description === 'string' ? f.description : keep ? current.Description : '',
          Rules: typeof f.rules === 'string' ? loadDataSource(f.rules) : keep ? (current.Rules ?? '') : '',
          Datacenters: f['valid-datacenter'] !== undefined ? listOf(f['valid-datacenter']) : keep ? (current.Datacenters ?? []) : [],
        };
        return show(ctx, (await ctx.client().write('PUT', `acl/policy/${current.ID}`, undefined, body)) as PolicyJson);
      } catch (err) {
        return failed(ctx, 'Failed to update policy', err);
      }
    },
  });

const del = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl policy delete [options] -id POLICY\n\n  Deletes an ACL policy by providing either the ID or the name.',
    flags: { ...CLIENT_FLAGS, ...ID_FLAGS },
    async run(ctx) {
      try {
        const p = await find(ctx);
        if (!p) return 1;
        await ctx.client().write('DELETE', `acl/policy/${p.ID}`);
        ctx.out(`Policy "${p.ID}" deleted successfully`);
        return 0;
      } catch (err) {
        return failed(ctx, 'Error deleting policy', err);
      }
    },
  });

const list = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl policy list [options]\n\n  Lists all the ACL policies.',
    flags: { ...CLIENT_FLAGS, format: FORMAT_FLAG },
    async run(ctx) {
      try {
        const policies = ((await ctx.client().query<PolicyJson[]>('acl/policies')).body ?? []) as PolicyJson[];
        ctx.out(ctx.flags.format === 'json' ? formatJson(policies) : policies.map(formatPolicyListEntry).join('\n'));
        return 0;
      } catch (err) {
        return failed(ctx, 'Failed to retrieve the policy list', err);
      }
    },
  });

export const aclPolicy = dispatch('acl policy', 'Manage Consul\'s ACL policies', { create, read, update, delete: del, list });
