// The aws-iam auth method over HTTP, end to end: the method written through /v1/acl/auth-method (Consul's texts
// for a bad Config), binding rules selecting on its identity (entity_tags.<tag>, entity_path) and interpolating
// ${entity_name}, and /v1/acl/login with bearer tokens built as Consul's client builds them, checked by a fake STS
// and IAM (test-support's test-aws.mjs, HTTPS with a test CA trusted through AWS_CA_BUNDLE), and its refusals.
import { AWS_TEST_IDENTITIES, awsCredentials as creds, startFakeAws, type AwsTestIdentity, type FakeAws } from '@conclave/test-support/test-aws';
import { GET_CALLER_IDENTITY_BODY, awsIamBearerToken, awsIamTokenJson, signedAwsPost } from '@conclave/toolkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, startHarness, type Harness } from './harness.js';

const { user, role } = AWS_TEST_IDENTITIES;
const ACCOUNT = '123456789012';
let h: Harness;
let fake: FakeAws;
let root = '';

const req = (method: string, path: string, token: string | undefined, body?: unknown) => apiCall(h.base, method, path, token, body);
const token = (who: AwsTestIdentity, over: { serverId?: string; secret?: string; stsUrl?: string } = {}) =>
  awsIamBearerToken({
    credentials: { ...creds(who), ...(over.secret ? { secretAccessKey: over.secret } : {}) },
    stsUrl: over.stsUrl ?? 'https://sts.us-east-1.amazonaws.com/',
    region: 'us-east-1',
    serverIdHeaderValue: over.serverId ?? 'conclave-test',
    entity: { kind: who.entity.kind === 'Role' ? 'role' : 'user', name: who.entity.name },
  });
const login = (bearer: string) => req('POST', '/v1/acl/login', undefined, { AuthMethod: 'aws', BearerToken: bearer });

beforeAll(async () => {
  fake = await startFakeAws();
  process.env.AWS_CA_BUNDLE = fake.caFile;
  h = await startHarness({ acl: { defaultPolicy: 'deny' } });
  root = (await req('PUT', '/v1/acl/bootstrap', undefined)).json.SecretID;
});
afterAll(async () => {
  await h.close();
  await fake.close();
  delete process.env.AWS_CA_BUNDLE;
});

describe('the aws-iam auth method over HTTP', () => {
  it("refuses a bad Config with Consul's texts", async () => {
    const none = await req('PUT', '/v1/acl/auth-method', root, { Name: 'aws', Type: 'aws-iam', Config: {} });
    expect({ status: none.status, text: none.text }).toEqual({ status: 400, text: 'Invalid Auth Method: BoundIAMPrincipalARNs is required and must have at least 1 entry' });
    const wildcard = await req('PUT', '/v1/acl/auth-method', root, { Name: 'aws', Type: 'aws-iam', Config: { BoundIAMPrincipalARNs: [`arn:aws:iam::${ACCOUNT}:role/*`] } });
    expect(wildcard.text).toBe('Invalid Auth Method: Must set EnableIAMEntityDetails=true to use wildcards in BoundIAMPrincipalARNs');
  });

  it('logs in a role and a user, binding rules selecting on tags and path and naming services after the entity', async () => {
    const config = {
      BoundIAMPrincipalARNs: [`arn:aws:iam::${ACCOUNT}:role/app/*`, `arn:aws:iam::${ACCOUNT}:user/dev/alice`],
      EnableIAMEntityDetails: true,
      IAMEntityTags: ['team'],
      ServerIDHeaderValue: 'conclave-test',
      STSEndpoint: fake.base,
      IAMEndpoint: fake.base,
    };
    const m = await req('PUT', '/v1/acl/auth-method', root, { Name: 'aws', Type: 'aws-iam', Config: config });
    expect(m.status).toBe(200);
    expect(m.json).toMatchObject({ Name: 'aws', Type: 'aws-iam', Config: config });
    const svc = await req('PUT', '/v1/acl/binding-rule', root, { AuthMethod: 'aws', Selector: 'entity_tags.team == "web"', BindType: 'service', BindName: '${entity_name}' });
    expect(svc.status).toBe(200);
    const node = await req('PUT', '/v1/acl/binding-rule', root, { AuthMethod: 'aws', Selector: 'entity_path == "/dev/"', BindType: 'node', BindName: '${entity_tags.team}-${entity_name}' });
    expect(node.status).toBe(200);
    const unknown = await req('PUT', '/v1/acl/binding-rule', root, { AuthMethod: 'aws', BindType: 'service', BindName: '${entity_tags.env}' });
    expect(unknown.status).toBe(400);

    const asRole = await login(token(role));
    expect(asRole.status).toBe(200);
    expect(asRole.json).toMatchObject({ AuthMethod: 'aws', ServiceIdentities: [{ ServiceName: 'web-role' }], Local: true });
    expect(asRole.json).not.toHaveProperty('NodeIdentities');
    const asUser = await login(token(user));
    expect(asUser.status).toBe(200);
    expect(asUser.json).toMatchObject({ NodeIdentities: [{ NodeName: 'pay-alice' }] });
    expect(asUser.json).not.toHaveProperty('ServiceIdentities');
    const self = await req('GET', '/v1/acl/token/self', asRole.json.SecretID);
    expect(self.json.AccessorID).toBe(asRole.json.AccessorID);
    expect(fake.requests.slice(-4).map((r) => `${r.host} ${r.action}`)).toEqual([
      'sts.us-east-1.amazonaws.com GetCallerIdentity',
      'iam.amazonaws.com GetRole',
      'sts.us-east-1.amazonaws.com GetCallerIdentity',
      'iam.amazonaws.com GetUser',
    ]);
  });

  it('refuses a bad signature, a wrong server ID, a token for elsewhere, extra body fields, a disallowed header, an unbound ARN', async () => {
    const before = fake.requests.length;
    const badSig = await login(token(role, { secret: 'not-the-secret' }));
    expect(badSig.status).toBe(500);
    expect(badSig.text).toMatch(/^received error code 403: <ErrorResponse .*<Code>SignatureDoesNotMatch<\/Code>/);
    expect((await login(token(role, { serverId: 'other-cluster' }))).text).toBe('expected "conclave-test" but got "other-cluster"');
    const sts = (body: string, extra: Record<string, string> = {}) =>
      awsIamTokenJson(signedAwsPost('https://sts.us-east-1.amazonaws.com/', body, { 'X-Consul-IAM-ServerID': 'conclave-test', ...extra }, creds(role), 'us-east-1', 'sts'));
    expect((await login(sts(`${GET_CALLER_IDENTITY_BODY}&RoleArn=x`))).text).toBe('iam_request_body error: unexpected field "RoleArn"');
    expect((await login(sts(GET_CALLER_IDENTITY_BODY, { 'X-Amz-Target': 'x' }))).text).toBe('invalid request header: X-Amz-Target');
    // Whatever URL a token names, the request goes to STSEndpoint (here the fake, which saw one more request).
    const elsewhere = await login(token(role, { stsUrl: 'https://169.254.169.254/latest/' }));
    expect(elsewhere.status).toBe(200);
    expect(fake.requests.slice(before).map((r) => `${r.host}${r.url}`)).toEqual(['sts.us-east-1.amazonaws.com/', '169.254.169.254/latest/', 'iam.amazonaws.com/']);

    expect((await req('PUT', '/v1/acl/auth-method/aws', root, { Type: 'aws-iam', Config: { BoundIAMPrincipalARNs: [`arn:aws:iam::${ACCOUNT}:role/other`], STSEndpoint: fake.base } })).status).toBe(200);
    const unbound = await login(awsIamBearerToken({ credentials: creds(role), stsUrl: 'https://sts.us-east-1.amazonaws.com/', region: 'us-east-1' }));
    expect({ status: unbound.status, text: unbound.text }).toEqual({ status: 500, text: `IAM principal arn:aws:iam::${ACCOUNT}:role/web-role is not trusted` });
    // No STSEndpoint: only AWS's STS hosts.
    expect((await req('PUT', '/v1/acl/auth-method/aws', root, { Type: 'aws-iam', Config: { BoundIAMPrincipalARNs: [`arn:aws:iam::${ACCOUNT}:role/web-role`] } })).status).toBe(200);
    const wrongUrl = await login(awsIamBearerToken({ credentials: creds(role), stsUrl: `${fake.base}/`, region: 'us-east-1' }));
    expect(wrongUrl.text).toBe('invalid STS hostname: "127.0.0.1"');
  });
});
