// The aws-iam auth method against a fake STS and IAM (test-support's test-aws.mjs: HTTPS with a test CA, SigV4
// checked with known test credentials): Config checks with Consul's texts, bearer tokens built as Consul's client
// builds them (toolkit's awsIamBearerToken), logins as a user and as an assumed role with and without the IAM
// entity's details, and each refusal of iamauth.
import { AWS_TEST_IDENTITIES, awsCredentials as creds, startFakeAws, type AwsTestIdentity, type FakeAws } from '@conclave/test-support/test-aws';
import { GET_CALLER_IDENTITY_BODY, awsIamBearerToken, awsIamTokenJson, signedAwsPost } from '@conclave/toolkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthMethodError, newAuthValidator } from '../src/index.js';

const { user, role } = AWS_TEST_IDENTITIES;
const ACCOUNT = '123456789012';
let fake: FakeAws;

beforeAll(async () => {
  fake = await startFakeAws();
  process.env.AWS_CA_BUNDLE = fake.caFile;
});
afterAll(async () => {
  delete process.env.AWS_CA_BUNDLE;
  await fake.close();
});

const token = (who: AwsTestIdentity, over: { stsUrl?: string; serverId?: string; entity?: boolean; secret?: string } = {}) =>
  awsIamBearerToken({
    credentials: { ...creds(who), ...(over.secret ? { secretAccessKey: over.secret } : {}) },
    stsUrl: over.stsUrl ?? `${fake.base}/`,
    region: 'us-east-1',
    serverIdHeaderValue: over.serverId,
    entity: over.entity ? { kind: who.entity.kind === 'Role' ? 'role' : 'user', name: who.entity.name } : undefined,
  });
const validator = (config: Record<string, unknown>) => newAuthValidator('aws-iam', { STSEndpoint: fake.base, IAMEndpoint: fake.base, ...config });
const refusal = async (config: Record<string, unknown>, bearer: string): Promise<string> => {
  const err = await validator(config).validateLogin(bearer).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AuthMethodError);
  return (err as Error).message;
};

describe('Config', () => {
  const refused = (config: Record<string, unknown>) => {
    try {
      newAuthValidator('aws-iam', config);
    } catch (err) {
      expect(err).toBeInstanceOf(AuthMethodError);
      return (err as Error).message;
    }
    return 'accepted';
  };
  it("is checked with Consul's texts", () => {
    expect(refused({})).toBe('BoundIAMPrincipalARNs is required and must have at least 1 entry');
    expect(refused({ BoundIAMPrincipalARNs: ['arn:aws:iam::1:role/*'] })).toBe('Must set EnableIAMEntityDetails=true to use wildcards in BoundIAMPrincipalARNs');
    expect(refused({ BoundIAMPrincipalARNs: ['arn:aws:iam::1:*/x'], EnableIAMEntityDetails: true })).toBe('Only one wildcard is allowed at the end of the bound IAM principal ARN');
    expect(refused({ BoundIAMPrincipalARNs: ['arn:aws:iam::1:role/**'], EnableIAMEntityDetails: true })).toBe('Only one wildcard is allowed at the end of the bound IAM principal ARN');
    expect(refused({ BoundIAMPrincipalARNs: ['role/x'] })).toBe('Invalid principal ARN: "role/x"');
    expect(refused({ BoundIAMPrincipalARNs: ['arn:aws:ec2::1:instance/x'] })).toBe('Invalid principal ARN: "arn:aws:ec2::1:instance/x"');
    expect(refused({ BoundIAMPrincipalARNs: ['arn:aws:iam::1:role/x'], IAMEntityTags: ['a'] })).toBe('Must set EnableIAMEntityDetails=true to use IAMUserTags');
    expect(refused({ BoundIAMPrincipalARNs: 'x' })).toBe("error decoding config: 'BoundIAMPrincipalARNs' expected a list of strings, got a string");
    expect(refused({ BoundIAMPrincipalARNs: ['arn:aws:iam::1:role/x'], MaxRetries: 'x' })).toBe("error decoding config: 'MaxRetries' expected type 'int', got a string");
    expect(refused({ BoundIAMPrincipalARNs: ['arn:aws:iam::1:role/x'], STSEndpoint: 'sts.example' })).toBe('STSEndpoint must be an http or https URL, got "sts.example"');
    expect(refused({ BoundIAMPrincipalARNs: ['arn:aws:iam::1:role/*'], EnableIAMEntityDetails: true, IAMEntityTags: ['team'] })).toBe('accepted');
  });

  it('describes the blank identity binding rules are checked against', () => {
    expect(newAuthValidator('aws-iam', { BoundIAMPrincipalARNs: ['arn:aws:iam::1:role/x'] }).blankIdentity().projectedVars).toEqual({ entity_name: '', entity_id: '', account_id: '' });
    const withTags = newAuthValidator('aws-iam', { BoundIAMPrincipalARNs: ['arn:aws:iam::1:role/x'], EnableIAMEntityDetails: true, IAMEntityTags: ['team'] }).blankIdentity();
    expect(withTags.projectedVars).toEqual({ entity_name: '', entity_id: '', account_id: '', entity_path: '', 'entity_tags.team': '' });
    expect(withTags.selectable.entity_tags).toEqual({ team: '' });
  });
});

describe('login', () => {
  it('logs in an IAM user by its canonical ARN (no path) and exposes entity_name, entity_id, account_id', async () => {
    const v = validator({ BoundIAMPrincipalARNs: [`arn:aws:iam::${ACCOUNT}:user/alice`] });
    const id = await v.validateLogin(token(user));
    expect(id.projectedVars).toEqual({ entity_name: 'alice', entity_id: 'AIDAUSERALICE', account_id: ACCOUNT });
    expect(id.selectable).toMatchObject({ entity_name: 'alice', entity_id: 'AIDAUSERALICE', account_id: ACCOUNT });
    expect(fake.requests.at(-1)).toMatchObject({ action: 'GetCallerIdentity', url: '/' });
  });

  it('logs in an assumed role with the entity details: the path, tags and a wildcard bound', async () => {
    const v = validator({ BoundIAMPrincipalARNs: [`arn:aws:iam::${ACCOUNT}:role/app/*`], EnableIAMEntityDetails: true, IAMEntityTags: ['team', 'missing'] });
    const id = await v.validateLogin(token(role, { entity: true }));
    expect(id.projectedVars).toEqual({ entity_name: 'web-role', entity_id: 'AROAWEBROLE', account_id: ACCOUNT, entity_path: '/app/', 'entity_tags.team': 'web', 'entity_tags.missing': '' });
    expect(id.selectable.entity_tags).toEqual({ team: 'web', missing: '' });
    expect(fake.requests.slice(-2).map((r) => r.action)).toEqual(['GetCallerIdentity', 'GetRole']);
  });

  it("sends a token signed for AWS's host to STSEndpoint, its Host header and signature kept", async () => {
    const v = validator({ BoundIAMPrincipalARNs: [`arn:aws:iam::${ACCOUNT}:user/dev/alice`], EnableIAMEntityDetails: true });
    const id = await v.validateLogin(token(user, { stsUrl: 'https://sts.us-east-1.amazonaws.com/', entity: true }));
    expect(id.projectedVars.entity_path).toBe('/dev/');
    expect(fake.requests.slice(-2).map((r) => r.host)).toEqual(['sts.us-east-1.amazonaws.com', 'iam.amazonaws.com']);
  });

  it('checks the server ID header when ServerIDHeaderValue is set', async () => {
    const config = { BoundIAMPrincipalARNs: [`arn:aws:iam::${ACCOUNT}:user/alice`], ServerIDHeaderValue: 'conclave.example' };
    expect((await validator(config).validateLogin(token(user, { serverId: 'conclave.example' }))).projectedVars.entity_name).toBe('alice');
    const before = fake.requests.length;
    expect(await refusal(config, token(user))).toBe('missing header "X-Consul-IAM-ServerID"');
    expect(await refusal(config, token(user, { serverId: 'other' }))).toBe('expected "conclave.example" but got "other"');
    expect(fake.requests.length).toBe(before);
  });

  it('refuses a principal not bound', async () => {
    expect(await refusal({ BoundIAMPrincipalARNs: [`arn:aws:iam::${ACCOUNT}:user/bob`] }, token(user))).toBe(`IAM principal arn:aws:iam::${ACCOUNT}:user/alice is not trusted`);
    // A wildcard without the entity details never matches (and the Config refuses one).
    expect(await refusal({ BoundIAMPrincipalARNs: [`arn:aws:iam::${ACCOUNT}:role/web-role`] }, token(user))).toMatch(/is not trusted$/);
  });

  it('refuses a bad signature with STS answer', async () => {
    const msg = await refusal({ BoundIAMPrincipalARNs: [`arn:aws:iam::${ACCOUNT}:user/alice`] }, token(user, { secret: 'wrong' }));
    expect(msg).toMatch(/^received error code 403: <ErrorResponse .*<Code>SignatureDoesNotMatch<\/Code>/);
  });

  it('refuses a URL that is not STS when no STSEndpoint is set, and never fetches it', async () => {
    const v = newAuthValidator('aws-iam', { BoundIAMPrincipalARNs: [`arn:aws:iam::${ACCOUNT}:user/alice`] });
    const before = fake.requests.length;
    for (const url of [`${fake.base}/`, 'https://sts.amazonaws.com.evil.example/', 'https://evil.example/?sts.amazonaws.com']) {
      const err = await v.validateLogin(token(user, { stsUrl: url })).then(() => undefined, (e: Error) => e.message);
      expect(err).toMatch(/^invalid STS hostname: /);
    }
    expect(fake.requests.length).toBe(before);
  });

  it('refuses what iamauth refuses in the token', async () => {
    const config = { BoundIAMPrincipalARNs: [`arn:aws:iam::${ACCOUNT}:user/alice`] };
    const signed = (body: string, extra: Record<string, string> = {}) => signedAwsPost(`${fake.base}/`, body, extra, creds(user), 'us-east-1', 'sts');
    expect(await refusal(config, awsIamTokenJson(signed(`${GET_CALLER_IDENTITY_BODY}&Foo=bar`)))).toBe('iam_request_body error: unexpected field "Foo"');
    expect(await refusal(config, awsIamTokenJson(signed('Action=AssumeRole&Version=2011-06-15')))).toBe('iam_request_body error: unexpected value Action=[AssumeRole]');
    expect(await refusal(config, awsIamTokenJson(signed('Version=2011-06-15')))).toBe('iam_request_body error: missing field "Action"');
    expect(await refusal(config, awsIamTokenJson(signed(GET_CALLER_IDENTITY_BODY, { 'X-Amz-Foo': '1' })))).toBe('invalid request header: X-Amz-Foo');
    expect((await validator({ ...config, AllowedSTSHeaderValues: ['X-Amz-Foo'] }).validateLogin(awsIamTokenJson(signed(GET_CALLER_IDENTITY_BODY, { 'X-Amz-Foo': '1' })))).projectedVars.entity_name).toBe('alice');
    expect(await refusal(config, awsIamTokenJson({ ...signed(GET_CALLER_IDENTITY_BODY), method: 'GET' }))).toBe('iam_http_request_method must be POST');
    expect(await refusal(config, 'nope')).toMatch(/^invalid token: /);
    expect(await refusal(config, JSON.stringify({ iam_http_request_method: 'POST', iam_request_url: '%%%' }))).toBe('invalid token: illegal base64 data at input byte 0');
    expect(await refusal(config, JSON.stringify({ iam_http_request_method: 'POST', iam_request_headers: 'e30=' }))).toBe('invalid token: url is invalid: ""');
  });

  it('refuses an entity that is not the caller, and entity requests that are not GetRole/GetUser', async () => {
    const config = { BoundIAMPrincipalARNs: [`arn:aws:iam::${ACCOUNT}:role/*`], EnableIAMEntityDetails: true };
    // alice's credentials, asking IAM about web-role: IAM answers, but the ids differ.
    const mixed = awsIamBearerToken({ credentials: creds(user), stsUrl: `${fake.base}/`, region: 'us-east-1', entity: { kind: 'role', name: 'web-role' } });
    expect(await refusal(config, mixed)).toBe('unique id mismatch in login token');
    expect(await refusal(config, token(user))).toBe('missing header "X-Consul-IAM-GetEntity-Method"');
    const entity = signedAwsPost('https://iam.amazonaws.com/', 'Action=GetRole&UserName=alice&Version=2010-05-08', {}, creds(user), 'us-east-1', 'iam');
    const sts = signedAwsPost(`${fake.base}/`, GET_CALLER_IDENTITY_BODY, {
      'X-Consul-IAM-GetEntity-Method': 'POST',
      'X-Consul-IAM-GetEntity-URL': entity.url,
      'X-Consul-IAM-GetEntity-Headers': JSON.stringify(entity.headers),
      'X-Consul-IAM-GetEntity-Body': entity.body,
    }, creds(user), 'us-east-1', 'sts');
    expect(await refusal(config, awsIamTokenJson(sts))).toBe('iam_request_headers["X-Consul-IAM-GetEntity-Body"] error: invalid request body "Action=GetRole&UserName=alice&Version=2010-05-08"');
    const noIamEndpoint = newAuthValidator('aws-iam', { ...config, STSEndpoint: fake.base });
    const evil = JSON.parse(token(role, { entity: true })) as Record<string, string>;
    const headers = JSON.parse(Buffer.from(evil.iam_request_headers!, 'base64').toString()) as Record<string, string[]>;
    headers['X-Consul-Iam-Getentity-Url'] = ['https://evil.example/'];
    evil.iam_request_headers = Buffer.from(JSON.stringify(headers)).toString('base64');
    expect(await noIamEndpoint.validateLogin(JSON.stringify(evil)).then(() => '', (e: Error) => e.message)).toBe('invalid IAM hostname: "evil.example"');
  });

  it('retries what go-retryablehttp retries, MaxRetries times', async () => {
    const config = { BoundIAMPrincipalARNs: [`arn:aws:iam::${ACCOUNT}:user/alice`] };
    fake.failNext = 1;
    expect(await refusal(config, token(user))).toBe(`error making request: POST ${fake.base}/ giving up after 1 attempt(s)`);
    fake.failNext = 1;
    expect((await validator({ ...config, MaxRetries: 1 }).validateLogin(token(user))).projectedVars.entity_name).toBe('alice');
  });
});
