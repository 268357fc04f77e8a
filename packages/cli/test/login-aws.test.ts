// `conclave login -aws-auto-bearer-token` against a dev agent with ACLs on and an aws-iam auth method whose
// STSEndpoint and IAMEndpoint are a fake STS and IAM (test-support's test-aws.mjs: HTTPS with a test CA, SigV4
// checked with known test credentials). The command signs with credentials from its flags or the standard AWS
// environment variables; AWS_CA_BUNDLE names the test CA to the command and to the agent (this process).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AWS_TEST_IDENTITIES, startFakeAws, type FakeAws } from '@conclave/test-support/test-aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startAgent, type TestAgent } from './support/run.js';

const { user, role } = AWS_TEST_IDENTITIES;
const ACCOUNT = '123456789012';
let agent: TestAgent;
let fake: FakeAws;
let dir = '';
let root = '';

const api = (method: string, path: string, token: string, body?: unknown) => agent.api(method, path, token, body);

const login = (args: string[], env: Record<string, string> = {}) =>
  run(['login', '-method=aws', ...args], { env: { CONSUL_HTTP_ADDR: agent.httpAddr, CONSUL_HTTP_TOKEN: 'stale', AWS_CA_BUNDLE: fake.caFile, ...env } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-login-aws-'));
  fake = await startFakeAws();
  process.env.AWS_CA_BUNDLE = fake.caFile;
  agent = await startAgent('aws-cli', undefined, ['-hcl', 'acl { enabled = true\ndefault_policy = "deny" }']);
  root = (await api('PUT', '/v1/acl/bootstrap', '')).json.SecretID;
  const method = await api('PUT', '/v1/acl/auth-method', root, {
    Name: 'aws',
    Type: 'aws-iam',
    Config: {
      BoundIAMPrincipalARNs: [`arn:aws:iam::${ACCOUNT}:role/app/*`, `arn:aws:iam::${ACCOUNT}:user/dev/alice`],
      EnableIAMEntityDetails: true,
      IAMEntityTags: ['team'],
      ServerIDHeaderValue: 'dc1.conclave',
      STSEndpoint: fake.base,
      IAMEndpoint: fake.base,
    },
  });
  expect(method.status).toBe(200);
  expect((await api('PUT', '/v1/acl/binding-rule', root, { AuthMethod: 'aws', BindType: 'service', BindName: '${entity_tags.team}-${entity_name}' })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await fake?.close();
  delete process.env.AWS_CA_BUNDLE;
  rmSync(dir, { recursive: true, force: true });
});

describe('conclave login -aws-auto-bearer-token', () => {
  it('signs with credentials from the environment, includes the role, and writes the token', async () => {
    const sink = join(dir, 'role-token');
    const res = await login(['-type=aws-iam', '-aws-auto-bearer-token', '-aws-include-entity', '-aws-server-id-header-value=dc1.conclave', `-aws-sts-endpoint=${fake.base}`, `-token-sink-file=${sink}`, '-meta', 'via=cli'], {
      AWS_ACCESS_KEY_ID: role.accessKeyId,
      AWS_SECRET_ACCESS_KEY: role.secretAccessKey,
      AWS_SESSION_TOKEN: role.sessionToken!,
      AWS_REGION: 'us-east-1',
    });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const self = await api('GET', '/v1/acl/token/self', readFileSync(sink, 'utf8'));
    expect(self.json).toMatchObject({ AuthMethod: 'aws', ServiceIdentities: [{ ServiceName: 'web-web-role' }], Description: 'token created via login: {"via":"cli"}' });
    // The command's own GetCallerIdentity, then the server's replay of the token's two requests.
    expect(fake.requests.slice(-3).map((r) => r.action)).toEqual(['GetCallerIdentity', 'GetCallerIdentity', 'GetRole']);
  });

  it('signs with credentials from the flags', async () => {
    const sink = join(dir, 'user-token');
    const res = await login([
      '-aws-auto-bearer-token',
      '-aws-include-entity',
      '-aws-server-id-header-value=dc1.conclave',
      `-aws-sts-endpoint=${fake.base}`,
      '-aws-region=eu-west-1',
      `-aws-access-key-id=${user.accessKeyId}`,
      `-aws-secret-access-key=${user.secretAccessKey}`,
      `-token-sink-file=${sink}`,
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const self = await api('GET', '/v1/acl/token/self', readFileSync(sink, 'utf8'));
    expect(self.json.ServiceIdentities).toEqual([{ ServiceName: 'pay-alice' }]);
  });

  it('reports what the server refuses and flags that do not go together', async () => {
    const sink = join(dir, 'never');
    const creds = [`-aws-access-key-id=${user.accessKeyId}`, `-aws-secret-access-key=${user.secretAccessKey}`, '-aws-region=us-east-1', `-aws-sts-endpoint=${fake.base}`, '-aws-include-entity'];
    const noServerId = await login(['-aws-auto-bearer-token', ...creds, `-token-sink-file=${sink}`]);
    expect(noServerId.code).toBe(1);
    expect(noServerId.stderr.trim()).toBe('Error logging in: Unexpected response code: 500 (missing header "X-Consul-IAM-ServerID")');
    const badSecret = await login(['-aws-auto-bearer-token', '-aws-include-entity', '-aws-region=us-east-1', `-aws-sts-endpoint=${fake.base}`, `-aws-access-key-id=${user.accessKeyId}`, '-aws-secret-access-key=wrong', `-token-sink-file=${sink}`]);
    expect(badSecret.code).toBe(1);
    expect(badSecret.stderr).toMatch(/^Error with aws-iam auth method: sts:GetCallerIdentity: 403 Forbidden: <ErrorResponse .*SignatureDoesNotMatch/);
    // Without -aws-include-entity the token lacks the iam:GetRole/GetUser request this method requires.
    const noEntity = await login(['-aws-auto-bearer-token', '-aws-region=us-east-1', '-aws-server-id-header-value=dc1.conclave', `-aws-access-key-id=${user.accessKeyId}`, `-aws-secret-access-key=${user.secretAccessKey}`, `-token-sink-file=${sink}`]);
    expect(noEntity.stderr.trim()).toBe('Error logging in: Unexpected response code: 500 (missing header "X-Consul-IAM-GetEntity-Method")');
    expect(existsSync(sink)).toBe(false);

    const checks: Array<[string[], string]> = [
      [['-aws-include-entity'], "Missing '-aws-auto-bearer-token' flag"],
      [['-aws-auto-bearer-token', '-aws-access-key-id=x'], "Missing '-aws-secret-access-key' flag"],
      [['-aws-auto-bearer-token', '-aws-secret-access-key=x'], "Missing '-aws-access-key-id' flag"],
      [['-aws-auto-bearer-token', '-aws-session-token=x'], "Missing '-aws-access-key-id' and '-aws-secret-access-key' flags"],
      [['-aws-auto-bearer-token', '-bearer-token-file=/dev/null'], "Cannot use '-bearer-token-file' flag with '-aws-auto-bearer-token'"],
      [['-aws-auto-bearer-token'], 'Error with aws-iam auth method: AWS region not found'],
      [['-aws-auto-bearer-token', '-aws-region=us-east-1'], 'Error with aws-iam auth method: AWS credentials not found'],
    ];
    for (const [args, text] of checks) {
      const r = await login([...args, `-token-sink-file=${sink}`]);
      expect({ args, code: r.code, err: r.stderr.trim() }).toEqual({ args, code: 1, err: text });
    }
  });
});
