// `conclave acl binding-rule create|read|update|delete|list`, with Consul's flags, texts and output.
import { CLIENT_FLAGS, dispatch, parseKeyValueFlags, runCommand, type CommandContext } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { formatBindingRule, formatBindingRuleList, type BindingRuleJson } from './acl-auth-format.js';
import { formatJson } from './acl-format.js';

const FORMAT = { kind: 'string' as const, usage: 'Output format {pretty|json}' };
const META = { kind: 'bool' as const, usage: 'Indicates that binding rule metadata such as the raft indices should be shown for each entry.' };
const ID = { kind: 'string' as const, usage: 'The ID of the binding rule. It may be specified as a unique ID prefix but will error if the prefix matches multiple binding rule IDs' };

const BODY_FLAGS = {
  description: { kind: 'string' as const, usage: 'A description of the binding rule.' },
  selector: { kind: 'string' as const, usage: 'Selector is an expression that matches against verified identity attributes returned from the auth method during login.' },
  'bind-type': {
    kind: 'string' as const,
    usage: "Type of binding to perform (\"service\", \"node\", \"policy\", \"role\" or \"templated-policy\").",
  },
  'bind-name': { kind: 'string' as const, usage: 'Name to bind on match. Can use ${var} interpolation.' },
  'bind-vars': { kind: 'list' as const, usage: 'Templated policy variables. Can only be used when -bind-type is templated-policy. May be specified multiple times with different variables. Can use ${var} interpolation. Format is VariableName=Value' },
};

const flagString = (ctx: CommandContext, k: string): string | undefined => (typeof ctx.flags[k] === 'string' ? (ctx.flags[k] as string) : undefined);

function show(ctx: CommandContext, r: BindingRuleJson): number {
  ctx.out(ctx.flags.format === 'json' ? formatJson(r) : formatBindingRule(r, ctx.flags.meta === true));
  return 0;
}

/** -bind-vars name=api → {Name: 'api'} (Consul's variables are matched case-insensitively). */
function bindVars(ctx: CommandContext): { Name?: string } | undefined {
  const pairs = parseKeyValueFlags(ctx.flags['bind-vars'], 'bind-vars');
  const entries = Object.entries(pairs);
  if (!entries.length) return undefined;
  const out: { Name?: string } = {};
  for (const [k, v] of entries) if (k.toLowerCase() === 'name') out.Name = v;
  return out;
}

/** Consul's GetBindingRuleIDFromPartial: a whole ID as given, else the one rule whose ID starts with it. */
async function ruleIdFromPartial(ctx: CommandContext, partial: string): Promise<string> {
  if (partial.length === 36) return partial;
  const rules = ((await ctx.client().query<BindingRuleJson[]>('acl/binding-rules')).body ?? []) as BindingRuleJson[];
  const matches = rules.filter((r) => r.ID.startsWith(partial));
  if (matches.length > 1) throw new Error('Partial rule ID is not unique');
  if (matches.length === 0) throw new Error(`No such rule ID with prefix: ${partial}`);
  return matches[0]!.ID;
}

/** The -id flag resolved to a whole ID, or undefined after printing Consul's error. */
async function resolveId(ctx: CommandContext, partial: string): Promise<string | undefined> {
  try {
    return await ruleIdFromPartial(ctx, partial);
  } catch (err) {
    ctx.err(`Error determining binding rule ID: ${(err as Error).message}`);
    return undefined;
  }
}

async function readRule(ctx: CommandContext, id: string): Promise<BindingRuleJson | null> {
  return (await ctx.client().query<BindingRuleJson>(`acl/binding-rule/${id}`)).body as BindingRuleJson | null;
}

const create = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl binding-rule create [options]\n\n  Create a new binding rule.',
    flags: { ...CLIENT_FLAGS, method: { kind: 'string', usage: "The auth method's name for which this binding rule applies. This flag is required." }, ...BODY_FLAGS, format: FORMAT, meta: META },
    async run(ctx) {
      const method = flagString(ctx, 'method');
      const bindType = flagString(ctx, 'bind-type');
      const bindName = flagString(ctx, 'bind-name');
      if (!method) {
        ctx.err("Missing required '-method' flag");
        return 1;
      }
      if (!bindType) {
        ctx.err("Missing required '-bind-type' flag");
        return 1;
      }
      if (!bindName) {
        ctx.err("Missing required '-bind-name' flag");
        return 1;
      }
      const body: Record<string, unknown> = {
        AuthMethod: method,
        Description: flagString(ctx, 'description') ?? '',
        Selector: flagString(ctx, 'selector') ?? '',
        BindType: bindType,
        BindName: bindName,
      };
      const vars = bindVars(ctx);
      if (vars) body.BindVars = vars;
      try {
        return show(ctx, (await ctx.client().write('PUT', 'acl/binding-rule', undefined, body)) as BindingRuleJson);
      } catch (err) {
        ctx.err(`Failed to create new binding rule: ${(err as Error).message}`);
        return 1;
      }
    },
  });

const read = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl binding-rule read -id ID [options]\n\n  This command will retrieve and print out the details of a single binding rule.',
    flags: { ...CLIENT_FLAGS, id: ID, format: FORMAT, meta: META },
    async run(ctx) {
      const partial = flagString(ctx, 'id');
      if (!partial) {
        ctx.err('Must specify the -id parameter');
        return 1;
      }
      const id = await resolveId(ctx, partial);
      if (!id) return 1;
      let rule: BindingRuleJson | null;
      try {
        rule = await readRule(ctx, id);
      } catch (err) {
        ctx.err(`Error reading binding rule "${id}": ${(err as Error).message}`);
        return 1;
      }
      if (!rule) {
        ctx.err(`Binding rule not found with ID "${id}"`);
        return 1;
      }
      return show(ctx, rule);
    },
  });

const update = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl binding-rule update -id ID [options]\n\n  Updates a binding rule. Fields not given keep their value (unless -no-merge).',
    flags: { ...CLIENT_FLAGS, id: ID, ...BODY_FLAGS, 'no-merge': { kind: 'bool', usage: 'Do not merge the current binding rule information with what is provided to the command. Instead overwrite all fields with the exception of the binding rule ID and method which are immutable.' }, format: FORMAT, meta: META },
    async run(ctx) {
      const partial = flagString(ctx, 'id');
      if (!partial) {
        ctx.err('Cannot update a binding rule without specifying the -id parameter');
        return 1;
      }
      const id = await resolveId(ctx, partial);
      if (!id) return 1;
      let current: BindingRuleJson | null;
      try {
        current = await readRule(ctx, id);
      } catch (err) {
        ctx.err(`Error when retrieving current binding rule: ${(err as Error).message}`);
        return 1;
      }
      if (!current) {
        ctx.err(`Binding rule not found with ID "${id}"`);
        return 1;
      }
      const noMerge = ctx.flags['no-merge'] === true;
      const pick = (flag: string, field: keyof BindingRuleJson) => flagString(ctx, flag) ?? (noMerge ? '' : (current[field] as string));
      const body: Record<string, unknown> = {
        ID: id,
        AuthMethod: current.AuthMethod,
        Description: pick('description', 'Description'),
        Selector: pick('selector', 'Selector'),
        BindType: pick('bind-type', 'BindType'),
        BindName: pick('bind-name', 'BindName'),
      };
      const vars = bindVars(ctx) ?? (noMerge ? undefined : current.BindVars);
      if (vars) body.BindVars = vars;
      try {
        return show(ctx, (await ctx.client().write('PUT', `acl/binding-rule/${id}`, undefined, body)) as BindingRuleJson);
      } catch (err) {
        ctx.err(`Error updating binding rule "${id}": ${(err as Error).message}`);
        return 1;
      }
    },
  });

const del = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl binding-rule delete -id ID [options]\n\n  Deletes an ACL binding rule by providing its ID.',
    flags: { ...CLIENT_FLAGS, id: ID },
    async run(ctx) {
      const partial = flagString(ctx, 'id');
      if (!partial) {
        ctx.err('Must specify the -id parameter');
        return 1;
      }
      const id = await resolveId(ctx, partial);
      if (!id) return 1;
      try {
        await ctx.client().write('DELETE', `acl/binding-rule/${id}`);
      } catch (err) {
        ctx.err(`Error deleting binding rule "${id}": ${(err as Error).message}`);
        return 1;
      }
      ctx.out(`Binding rule "${id}" deleted successfully`);
      return 0;
    },
  });

const list = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl binding-rule list [options]\n\n  Lists all the ACL binding rules.',
    flags: { ...CLIENT_FLAGS, method: { kind: 'string', usage: 'Only show rules linked to the auth method with the given name.' }, format: FORMAT, meta: META },
    async run(ctx) {
      const method = flagString(ctx, 'method');
      try {
        const rules = ((await ctx.client().query<BindingRuleJson[]>('acl/binding-rules', method ? { authmethod: method } : undefined)).body ?? []) as BindingRuleJson[];
        ctx.out(ctx.flags.format === 'json' ? formatJson(rules) : formatBindingRuleList(rules, ctx.flags.meta === true));
        return 0;
      } catch (err) {
        ctx.err(`Failed to retrieve the binding rule list: ${(err as Error).message}`);
        return 1;
      }
    },
  });

export const aclBindingRule = dispatch('acl binding-rule', "Manage Consul's ACL binding rules", { create, read, update, delete: del, list });
