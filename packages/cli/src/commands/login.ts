// `conclave login`: exchanges a bearer token from a third party (a JWT, a Kubernetes service account token, or
// with -aws-auto-bearer-token a signed AWS request built here, login-aws.ts) for a Consul token through an auth
// method, or with -type=oidc logs in through the OIDC provider in a browser (login-oidc.ts), and writes its
// SecretID to -token-sink-file (Consul's texts).
import { readFileSync } from 'node:fs';
import { clientFromFlags, type ConsulClient } from '@conclave/client';
import { writeFileDurable } from '@conclave/toolkit';
import { CLIENT_FLAGS, parseKeyValueFlags, runCommand, type CommandContext } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { AWS_LOGIN_FLAGS, awsAutoBearerToken, checkAwsFlags } from './login-aws.js';
import { DEFAULT_OIDC_CALLBACK_LISTEN_ADDR, oidcLogin } from './login-oidc.js';

const str = (ctx: CommandContext, k: string): string | undefined => (typeof ctx.flags[k] === 'string' && ctx.flags[k] !== '' ? (ctx.flags[k] as string) : undefined);

export function login(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: `Usage: conclave login [options]

  The login command will exchange the provided third party credentials with the
  requested auth method for a newly minted Consul ACL token. The companion
  command 'conclave logout' should be used to destroy any tokens created this way
  to avoid a resource leak.`,
    flags: {
      ...CLIENT_FLAGS,
      method: { kind: 'string', usage: 'Name of the auth method to login to.' },
      type: { kind: 'string', usage: 'Type of the auth method to login to. This field is optional and defaults to no type.' },
      'bearer-token-file': { kind: 'string', usage: 'Path to a file containing a secret bearer token to use with this auth method.' },
      'token-sink-file': { kind: 'string', usage: "The most recent token's SecretID is kept up to date in this file." },
      meta: { kind: 'list', usage: 'Metadata to set on the token, formatted as key=value. This flag may be specified multiple times to set multiple meta fields.' },
      'oidc-callback-listen-addr': {
        kind: 'string',
        usage: `The address to bind a webserver on to handle the browser callback from the OIDC workflow (default ${DEFAULT_OIDC_CALLBACK_LISTEN_ADDR}).`,
      },
      ...AWS_LOGIN_FLAGS,
    },
    async run(ctx) {
      if (ctx.args.length > 0) {
        ctx.err('Should have no non-flag arguments.');
        return 1;
      }
      const method = str(ctx, 'method');
      const sink = str(ctx, 'token-sink-file');
      const file = str(ctx, 'bearer-token-file');
      if (!method) {
        ctx.err("Missing required '-method' flag");
        return 1;
      }
      if (!sink) {
        ctx.err("Missing required '-token-sink-file' flag");
        return 1;
      }
      if (str(ctx, 'type') === 'oidc') return loginOidc(ctx, method, sink);
      const awsProblem = checkAwsFlags(ctx);
      if (awsProblem) {
        ctx.err(awsProblem);
        return 1;
      }
      let bearer: string;
      if (ctx.flags['aws-auto-bearer-token'] === true) {
        if (file) {
          ctx.err("Cannot use '-bearer-token-file' flag with '-aws-auto-bearer-token'");
          return 1;
        }
        try {
          bearer = await awsAutoBearerToken(ctx);
        } catch (err) {
          ctx.err(`Error with aws-iam auth method: ${(err as Error).message}`);
          return 1;
        }
      } else {
        if (!file) {
          ctx.err("Missing required '-bearer-token-file' flag");
          return 1;
        }
        try {
          bearer = readFileSync(file, 'utf8').trim();
        } catch (err) {
          ctx.err((err as Error).message);
          return 1;
        }
        if (!bearer) {
          ctx.err(`No bearer token found in ${file}`);
          return 1;
        }
      }
      return logIn(ctx, sink, async (client, meta) =>
        (await client.write('POST', 'acl/login', undefined, { AuthMethod: method, BearerToken: bearer, Meta: meta })) as { SecretID: string },
      );
    },
  });
}

function loginOidc(ctx: CommandContext, method: string, sink: string): Promise<number> {
  const listenAddr = str(ctx, 'oidc-callback-listen-addr') ?? DEFAULT_OIDC_CALLBACK_LISTEN_ADDR;
  return logIn(ctx, sink, (client, meta) => oidcLogin(client, { method, listenAddr, meta, io: ctx.io, out: (t) => ctx.out(t) }));
}

/** Runs a login with a client that carries no token of its own (as Consul's command clears it: the bearer token,
 * or the provider's code, is the credential), then writes the token's SecretID to the sink. */
async function logIn(ctx: CommandContext, sink: string, exchange: (client: ConsulClient, meta: Record<string, string>) => Promise<{ SecretID: string }>): Promise<number> {
  const meta = parseKeyValueFlags(ctx.flags.meta, 'meta');
  const client = clientFromFlags({ ...ctx.flags, token: '', 'token-file': '' }, { ...ctx.io.env, CONSUL_HTTP_TOKEN: '', CONSUL_HTTP_TOKEN_FILE: '' });
  let token: { SecretID: string };
  try {
    token = await exchange(client, meta);
  } catch (err) {
    ctx.err(`Error logging in: ${(err as Error).message}`);
    return 1;
  } finally {
    client.close();
  }
  try {
    await writeFileDurable(sink, token.SecretID, { mode: 0o600 });
  } catch (err) {
    ctx.err(`Error writing token to file sink: ${(err as Error).message}`);
    return 1;
  }
  return 0;
}
