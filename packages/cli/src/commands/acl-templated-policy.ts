// `conclave acl templated-policy list|read|preview`: Consul's built-in templated policies and the policy one
// renders to.
import { CLIENT_FLAGS, dispatch, runCommand, type CommandContext } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { formatTemplatedPolicy, type TemplatedPolicyJson } from './acl-auth-format.js';
import { formatJson, formatPolicy, type PolicyJson } from './acl-format.js';

const FORMAT = { kind: 'string' as const, usage: 'Output format {pretty|json}' };
const NAME = { kind: 'string' as const, usage: 'The name of the templated policy.' };

const flagString = (ctx: CommandContext, k: string): string | undefined => (typeof ctx.flags[k] === 'string' ? (ctx.flags[k] as string) : undefined);

const list = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl templated-policy list [options]\n\n  Lists all the ACL templated policies.',
    flags: { ...CLIENT_FLAGS, format: FORMAT },
    async run(ctx) {
      try {
        const all = ((await ctx.client().query<Record<string, TemplatedPolicyJson>>('acl/templated-policies')).body ?? {}) as Record<string, TemplatedPolicyJson>;
        ctx.out(ctx.flags.format === 'json' ? formatJson(all) : Object.keys(all).sort().join('\n'));
        return 0;
      } catch (err) {
        ctx.err(`Failed to retrieve the templated policies list: ${(err as Error).message}`);
        return 1;
      }
    },
  });

const read = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl templated-policy read -name NAME [options]\n\n  This command will retrieve and print out the details of a single templated policy.',
    flags: { ...CLIENT_FLAGS, name: NAME, format: FORMAT },
    async run(ctx) {
      const name = flagString(ctx, 'name');
      if (!name) {
        ctx.err('Must specify the -name parameter');
        return 1;
      }
      try {
        const t = (await ctx.client().query<TemplatedPolicyJson>(`acl/templated-policy/name/${name}`)).body as TemplatedPolicyJson | null;
        if (!t) {
          ctx.err(`Templated policy not found with name "${name}"`);
          return 1;
        }
        ctx.out(ctx.flags.format === 'json' ? formatJson(t) : formatTemplatedPolicy(t));
        return 0;
      } catch (err) {
        ctx.err(`Error reading templated policy "${name}": ${(err as Error).message}`);
        return 1;
      }
    },
  });

const preview = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl templated-policy preview -name NAME [-var name:VALUE] [options]\n\n  Preview the policy rendered by the ACL templated policy.',
    flags: { ...CLIENT_FLAGS, name: NAME, var: { kind: 'list', usage: 'Templated policy variables. Must be used in combination with -name. Format is VariableName:Value' }, format: FORMAT },
    async run(ctx) {
      const name = flagString(ctx, 'name');
      if (!name) {
        ctx.err('Cannot preview a templated policy without specifying -name');
        return 1;
      }
      const body: { Name?: string } = {};
      for (const v of (ctx.flags.var as string[] | undefined) ?? []) {
        const colon = v.indexOf(':');
        if (colon < 0) {
          ctx.err(`Failed to parse the -var flag: ${JSON.stringify(v)} is not in the VariableName:Value format`);
          return 1;
        }
        if (v.slice(0, colon).toLowerCase() === 'name') body.Name = v.slice(colon + 1);
      }
      try {
        const p = (await ctx.client().write('POST', `acl/templated-policy/preview/${name}`, undefined, body)) as PolicyJson;
        ctx.out(ctx.flags.format === 'json' ? formatJson(p) : formatPolicy(p));
        return 0;
      } catch (err) {
        ctx.err(`Failed to generate the templated policy preview: ${(err as Error).message}`);
        return 1;
      }
    },
  });

export const aclTemplatedPolicy = dispatch('acl templated-policy', "Manage Consul's ACL templated policies", { list, read, preview });
