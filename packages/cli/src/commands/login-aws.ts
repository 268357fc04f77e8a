// `conclave login -aws-auto-bearer-token`: the aws-iam auth method's bearer token built here, as Consul's command
// does with the AWS SDK (command/login/aws.go), without one: credentials from the -aws-* flags or the standard
// environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the region from -aws-region, AWS_REGION
// or AWS_DEFAULT_REGION, a SigV4-signed sts:GetCallerIdentity request to -aws-sts-endpoint or the region's STS. With
// -aws-include-entity the caller's identity is asked of STS first, to sign an iam:GetRole or iam:GetUser request
// for it. AWS_CA_BUNDLE, when set, names the PEM bundle trusted for that request (as the AWS SDKs read it).
import { readFileSync } from 'node:fs';
import { awsIamBearerToken, boundedPost, GET_CALLER_IDENTITY_BODY, parseArn, parseCallerIdentityResponse, signedAwsPost, type AwsCredentials } from '@conclave/toolkit';
import type { FlagSpecs } from '@conclave/client';
import type { CommandContext } from '../command.js';

export const AWS_LOGIN_FLAGS: FlagSpecs = {
  'aws-auto-bearer-token': {
    kind: 'bool',
    usage:
      'Construct a bearer token and login to the AWS IAM auth method. This requires AWS credentials. AWS credentials are discovered from the standard environment variables. Alternatively, explicit credentials can be passed using the -aws-access-key-id and -aws-secret-access-key flags. [aws-iam only]',
  },
  'aws-include-entity': { kind: 'bool', usage: 'Include a signed request to get the IAM role or IAM user in the bearer token. [aws-iam only]' },
  'aws-sts-endpoint': { kind: 'string', usage: 'URL for AWS STS API calls. [aws-iam only]' },
  'aws-region': {
    kind: 'string',
    usage: 'Region for AWS API calls. If set, should match the region of -aws-sts-endpoint. If not provided, the region is read from the AWS_REGION or AWS_DEFAULT_REGION environment variable. [aws-iam only]',
  },
  'aws-server-id-header-value': {
    kind: 'string',
    usage:
      'If set, an X-Consul-IAM-ServerID header is included in signed AWS API request(s) that form the bearer token. This value must match the server-side configured value for the auth method in order to login. This is optional and helps protect against replay attacks. [aws-iam only]',
  },
  'aws-access-key-id': { kind: 'string', usage: 'AWS access key id to use. Requires -aws-secret-access-key if specified. [aws-iam only]' },
  'aws-secret-access-key': { kind: 'string', usage: 'AWS secret access key to use. Requires -aws-access-key-id if specified. [aws-iam only]' },
  'aws-session-token': { kind: 'string', usage: 'AWS session token to use. Requires -aws-access-key-id and -aws-secret-access-key if specified. [aws-iam only]' },
};

const REQUEST_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 1 << 20;

const flag = (ctx: CommandContext, k: string): string => (typeof ctx.flags[k] === 'string' ? (ctx.flags[k] as string) : '');

/** checkFlags: Consul's texts; undefined when the flags go together. */
export function checkAwsFlags(ctx: CommandContext): string | undefined {
  const [id, secret, session] = [flag(ctx, 'aws-access-key-id'), flag(ctx, 'aws-secret-access-key'), flag(ctx, 'aws-session-token')];
  if (ctx.flags['aws-auto-bearer-token'] !== true) {
    if (ctx.flags['aws-include-entity'] === true || flag(ctx, 'aws-sts-endpoint') || flag(ctx, 'aws-region') || flag(ctx, 'aws-server-id-header-value') || id || secret || session)
      return "Missing '-aws-auto-bearer-token' flag";
  }
  if (id && !secret) return "Missing '-aws-secret-access-key' flag";
  if (secret && !id) return "Missing '-aws-access-key-id' flag";
  if (session && (!id || !secret)) return "Missing '-aws-access-key-id' and '-aws-secret-access-key' flags";
  return undefined;
}

/** createAWSBearerToken. */
export async function awsAutoBearerToken(ctx: CommandContext): Promise<string> {
  const env = ctx.io.env;
  const credentials: AwsCredentials | undefined = flag(ctx, 'aws-access-key-id')
    ? { accessKeyId: flag(ctx, 'aws-access-key-id'), secretAccessKey: flag(ctx, 'aws-secret-access-key'), sessionToken: flag(ctx, 'aws-session-token') || undefined }
    : env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined }
      : undefined;
  const region = flag(ctx, 'aws-region') || env.AWS_REGION || env.AWS_DEFAULT_REGION || '';
  if (!region) throw new Error('AWS region not found');
  if (!credentials) throw new Error('AWS credentials not found');
  const endpoint = flag(ctx, 'aws-sts-endpoint');
  const stsUrl = endpoint ? `${endpoint.replace(/\/+$/, '')}/` : `https://sts.${region}.amazonaws.com/`;
  const serverIdHeaderValue = flag(ctx, 'aws-server-id-header-value') || undefined;
  let entity: { kind: 'role' | 'user'; name: string } | undefined;
  if (ctx.flags['aws-include-entity'] === true) {
    const arn = await callerArn(stsUrl, credentials, region, env.AWS_CA_BUNDLE);
    const parsed = parseArn(arn);
    if (parsed.type === 'role' || parsed.type === 'assumed-role') entity = { kind: 'role', name: parsed.friendlyName };
    else if (parsed.type === 'user') entity = { kind: 'user', name: parsed.friendlyName };
    else throw new Error(`entity ${parsed.type} is not an IAM role or IAM user`);
  }
  return awsIamBearerToken({ credentials, stsUrl, region, serverIdHeaderValue, entity });
}

/** sts:GetCallerIdentity, for the caller's ARN. */
async function callerArn(stsUrl: string, credentials: AwsCredentials, region: string, caFile: string | undefined): Promise<string> {
  const req = signedAwsPost(stsUrl, GET_CALLER_IDENTITY_BODY, {}, credentials, region, 'sts');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = v.join(',');
  const ca = caFile ? readFileSync(caFile, 'utf8') : undefined;
  const res = await boundedPost(req.url, { ca, timeoutMs: REQUEST_TIMEOUT_MS, maxBytes: MAX_RESPONSE_BYTES, headers, body: req.body });
  const body = res.body.toString('utf8');
  if (res.status !== 200) throw new Error(`sts:GetCallerIdentity: ${res.statusLine}: ${body}`);
  const results = parseCallerIdentityResponse(body);
  if (results.length !== 1) throw new Error(`received ${results.length} identities in STS response but expected 1`);
  return results[0]!.Arn;
}
