// `conclave acl auth-method create|read|update|delete|list`, with Consul's flags, texts and output.
import { parseGoDuration } from '@conclave/toolkit';
import { CLIENT_FLAGS, dispatch, runCommand, type CommandContext } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { loadDataSource } from './acl-args.js';
import { formatAuthMethod, formatAuthMethodList, type AuthMethodJson } from './acl-auth-format.js';
import { formatJson } from './acl-format.js';

const FORMAT = { kind: 'string' as const, usage: 'Output format {pretty|json}' };
const META = { kind: 'bool' as const, usage: 'Indicates that auth method metadata such as the raft indices should be shown for each entry.' };
const NAME = { kind: 'string' as const, usage: 'The name of the auth method.' };

const BODY_FLAGS = {
  'display-name': { kind: 'string' as const, usage: 'An optional name to use instead of the name when displaying this auth method in a UI.' },
  description: { kind: 'string' as const, usage: 'A description of the auth method.' },
  'max-token-ttl': { kind: 'string' as const, usage: 'Duration of time all tokens created by this auth method should be valid for' },
  'token-locality': {
    kind: 'string' as const,
    usage: "Defines the kind of token that this auth method should produce. This can be either 'local' or 'global'. If empty the value of 'local' is assumed.",
  },
  'kubernetes-host': { kind: 'string' as const, usage: 'Address of the Kubernetes API server. This flag is required for type=kubernetes.' },
  'kubernetes-ca-cert': {
    kind: 'string' as const,
    usage: "PEM encoded CA cert for use by the TLS client used to talk with the Kubernetes API. May be prefixed with '@' to indicate that the value is a file path to load the cert from. This flag is required for type=kubernetes.",
  },
  'kubernetes-service-account-jwt': {
    kind: 'string' as const,
    usage: 'A Kubernetes service account JWT used to access the TokenReview API to validate other JWTs during login. This flag is required for type=kubernetes.',
  },
  config: {
    kind: 'string' as const,
    usage: "The configuration for the auth method. Must be JSON. May be prefixed with '@' to indicate that the value is a file path to load the config from. '-' may also be given to indicate that the config is available on stdin",
  },
};

function show(ctx: CommandContext, m: AuthMethodJson): number {
  ctx.out(ctx.flags.format === 'json' ? formatJson(m) : formatAuthMethod(m, ctx.flags.meta === true));
  return 0;
}

const flagString = (ctx: CommandContext, k: string): string | undefined => (typeof ctx.flags[k] === 'string' ? (ctx.flags[k] as string) : undefined);

/** The body fields the flags give (undefined: not given); errors are Consul's texts, returned for ctx.err. */
function bodyFromFlags(ctx: CommandContext, type: string): { body: Record<string, unknown> } | { error: string } {
  const body: Record<string, unknown> = {};
  const set = (field: string, flag: string) => {
    const v = flagString(ctx, flag);
    if (v !== undefined) body[field] = v;
  };
  set('DisplayName', 'display-name');
  set('Description', 'description');
  set('TokenLocality', 'token-locality');
  const ttl = flagString(ctx, 'max-token-ttl');
  if (ttl !== undefined) {
    try {
      if (parseGoDuration(ttl) > 0) body.MaxTokenTTL = ttl;
    } catch {
      return { error: `invalid value "${ttl}" for flag -max-token-ttl: parse error` };
    }
  }
  const k8s = ['kubernetes-host', 'kubernetes-ca-cert', 'kubernetes-service-account-jwt'].filter((f) => flagString(ctx, f));
  const config = flagString(ctx, 'config');
  if (config) {
    if (k8s.length) return { error: "Cannot use command line arguments with '-config' flags" };
    let text: string;
    try {
      text = loadDataSource(config);
    } catch (err) {
      return { error: `Error loading configuration file: ${(err as Error).message}` };
    }
    try {
      body.Config = JSON.parse(text);
    } catch (err) {
      return { error: `Error parsing JSON configuration file: ${(err as Error).message}` };
    }
  }
  if (type === 'kubernetes' && (!config || k8s.length)) {
    for (const f of ['kubernetes-host', 'kubernetes-ca-cert', 'kubernetes-service-account-jwt'])
      if (!flagString(ctx, f)) return { error: `Missing required '-${f}' flag` };
    let ca: string;
    try {
      ca = loadDataSource(flagString(ctx, 'kubernetes-ca-cert')!);
    } catch (err) {
      return { error: `Invalid '-kubernetes-ca-cert' value: ${(err as Error).message}` };
    }
    if (!ca) return { error: 'Kubernetes CA Cert is empty' };
    body.Config = { Host: flagString(ctx, 'kubernetes-host'), CACert: ca, ServiceAccountJWT: flagString(ctx, 'kubernetes-service-account-jwt') };
  }
  return { body };
}

const create = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl auth-method create -name NAME -type TYPE [options]\n\n  Create a new auth method.',
    flags: { ...CLIENT_FLAGS, type: { kind: 'string', usage: "The new auth method's type. This flag is required." }, name: { kind: 'string', usage: "The new auth method's name. This flag is required." }, ...BODY_FLAGS, format: FORMAT, meta: META },
    async run(ctx) {
      const type = flagString(ctx, 'type');
      const name = flagString(ctx, 'name');
      if (!type) {
        ctx.err("Missing required '-type' flag");
        return 1;
      }
      if (!name) {
        ctx.err("Missing required '-name' flag");
        return 1;
      }
      const built = bodyFromFlags(ctx, type);
      if ('error' in built) {
        ctx.err(built.error);
        return 1;
      }
      try {
        return show(ctx, (await ctx.client().write('PUT', 'acl/auth-method', undefined, { ...built.body, Name: name, Type: type })) as AuthMethodJson);
      } catch (err) {
        ctx.err(`Failed to create new auth method: ${(err as Error).message}`);
        return 1;
      }
    },
  });

const read = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl auth-method read -name NAME [options]\n\n  This command will retrieve and print out the details of a single auth method.',
    flags: { ...CLIENT_FLAGS, name: NAME, format: FORMAT, meta: META },
    async run(ctx) {
      const name = flagString(ctx, 'name');
      if (!name) {
        ctx.err('Must specify the -name parameter');
        return 1;
      }
      let method: AuthMethodJson | null;
      try {
        method = (await ctx.client().query<AuthMethodJson>(`acl/auth-method/${name}`)).body as AuthMethodJson | null;
      } catch (err) {
        ctx.err(`Error reading auth method "${name}": ${(err as Error).message}`);
        return 1;
      }
      if (!method) {
        ctx.err(`Auth method not found with name "${name}"`);
        return 1;
      }
      return show(ctx, method);
    },
  });

const update = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl auth-method update -name NAME [options]\n\n  Updates an auth method. Fields not given keep their value (unless -no-merge).',
    flags: { ...CLIENT_FLAGS, name: NAME, ...BODY_FLAGS, 'no-merge': { kind: 'bool', usage: 'Do not merge the current auth method information with what is provided to the command. Instead overwrite all fields with the exception of the name which is immutable.' }, format: FORMAT, meta: META },
    async run(ctx) {
      const name = flagString(ctx, 'name');
      if (!name) {
        ctx.err('Cannot update an auth method without specifying the -name parameter');
        return 1;
      }
      const client = ctx.client();
      let current: AuthMethodJson | null;
      try {
        current = (await client.query<AuthMethodJson>(`acl/auth-method/${name}`)).body as AuthMethodJson | null;
      } catch (err) {
        ctx.err(`Error when retrieving current auth method: ${(err as Error).message}`);
        return 1;
      }
      if (!current) {
        ctx.err(`Auth method not found with name "${name}"`);
        return 1;
      }
      const built = bodyFromFlags(ctx, current.Type);
      if ('error' in built) {
        ctx.err(built.error);
        return 1;
      }
      const merged = ctx.flags['no-merge'] === true ? { ...built.body, Name: name, Type: current.Type } : { ...current, ...built.body };
      try {
        return show(ctx, (await client.write('PUT', `acl/auth-method/${name}`, undefined, merged)) as AuthMethodJson);
      } catch (err) {
        ctx.err(`Error updating auth method "${name}": ${(err as Error).message}`);
        return 1;
      }
    },
  });

const del = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl auth-method delete -name NAME [options]\n\n  Deletes an ACL auth method by providing its name.',
    flags: { ...CLIENT_FLAGS, name: NAME },
    async run(ctx) {
      const name = flagString(ctx, 'name');
      if (!name) {
        ctx.err('Must specify the -name parameter');
        return 1;
      }
      try {
        await ctx.client().write('DELETE', `acl/auth-method/${name}`);
      } catch (err) {
        ctx.err(`Error deleting auth method "${name}": ${(err as Error).message}`);
        return 1;
      }
      ctx.out(`Auth method "${name}" deleted successfully`);
      return 0;
    },
  });

const list = (argv: string[], io: CliIo) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave acl auth-method list [options]\n\n  List all auth methods.',
    flags: { ...CLIENT_FLAGS, format: FORMAT, meta: META },
    async run(ctx) {
      try {
        const methods = ((await ctx.client().query<AuthMethodJson[]>('acl/auth-methods')).body ?? []) as AuthMethodJson[];
        ctx.out(ctx.flags.format === 'json' ? formatJson(methods) : formatAuthMethodList(methods, ctx.flags.meta === true));
        return 0;
      } catch (err) {
        ctx.err(`Failed to retrieve the auth method list: ${(err as Error).message}`);
        return 1;
      }
    },
  });

export const aclAuthMethod = dispatch('acl auth-method', "Manage Consul's ACL auth methods", { create, read, update, delete: del, list });
