// Auth methods with the built CLI against a -dev agent with ACLs on (default_policy deny): `acl auth-method`,
// `acl binding-rule`, `login` with a JWT signed here (ES256, node:crypto) writing the token sink, the token
// working, `logout`, and `acl templated-policy list|read|preview`.
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startDevAgent, type AgentProcess } from './support/agent-process.js';

let agent: AgentProcess;
let dir = '';
let management = '';
const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const b64 = (v: string | Buffer) => Buffer.from(v).toString('base64url');

function jwt(claims: Record<string, unknown>): string {
  const data = `${b64(JSON.stringify({ alg: 'ES256', typ: 'JWT' }))}.${b64(JSON.stringify(claims))}`;
  return `${data}.${b64(sign('sha256', Buffer.from(data), { key: keys.privateKey, dsaEncoding: 'ieee-p1363' }))}`;
}

const cli = (args: string[], token = management) => runCli(args, { CONSUL_HTTP_ADDR: agent.httpAddr, CONSUL_HTTP_TOKEN: token, CONSUL_HTTP_TOKEN_FILE: '' });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-acl-auth-'));
  agent = await startDevAgent(['-hcl', 'acl { enabled = true\ndefault_policy = "deny" }']);
  const boot = await cli(['acl', 'bootstrap', '-format', 'json'], '');
  expect(boot.code).toBe(0);
  management = JSON.parse(boot.stdout).SecretID;
}, 30_000);

afterAll(async () => {
  await agent?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('conclave acl auth-method / binding-rule / login / logout', () => {
  it('creates a jwt auth method and prints it as Consul does', { timeout: 30_000 }, async () => {
    const config = join(dir, 'jwt.json');
    writeFileSync(config, JSON.stringify({ JWTValidationPubKeys: [keys.publicKey.export({ type: 'spki', format: 'pem' })], BoundAudiences: ['ci'], ClaimMappings: { project: 'project' } }));
    const created = await cli(['acl', 'auth-method', 'create', '-type', 'jwt', '-name', 'ci', '-description', 'CI jobs', '-max-token-ttl', '5m', '-config', `@${config}`]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Name: {10}ci\nType: {10}jwt\nDescription: {3}CI jobs\nMaxTokenTTL: {3}5m0s\nConfig:\n\{\n/);
    const missing = await cli(['acl', 'auth-method', 'create', '-name', 'x']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Missing required '-type' flag");
    const read = await cli(['acl', 'auth-method', 'read', '-name', 'ci', '-format', 'json']);
    expect(JSON.parse(read.stdout)).toMatchObject({ Name: 'ci', Type: 'jwt', MaxTokenTTL: '5m0s' });
    const notFound = await cli(['acl', 'auth-method', 'read', '-name', 'nope']);
    expect(notFound.code).toBe(1);
    expect(notFound.stderr.trim()).toBe('Auth method not found with name "nope"');
    const updated = await cli(['acl', 'auth-method', 'update', '-name', 'ci', '-display-name', 'CI']);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain('DisplayName:   CI\nDescription:   CI jobs\n');
    const list = await cli(['acl', 'auth-method', 'list']);
    expect(list.stdout).toBe('ci:\n   Type:         jwt\n   DisplayName:  CI\n   Description:  CI jobs\n');
  });

  it('binds a service identity and logs in and out with the CLI', { timeout: 30_000 }, async () => {
    const rule = await cli(['acl', 'binding-rule', 'create', '-method', 'ci', '-bind-type', 'service', '-bind-name', 'job-${value.project}', '-selector', 'value.project != ""', '-format', 'json']);
    expect(rule.stderr).toBe('');
    const id = JSON.parse(rule.stdout).ID as string;
    const shown = await cli(['acl', 'binding-rule', 'read', '-id', id]);
    expect(shown.stdout).toBe(`ID:           ${id}\nAuthMethod:   ci\nDescription:  \nBindType:     service\nBindName:     job-\${value.project}\nSelector:     value.project != ""\n`);
    expect((await cli(['acl', 'binding-rule', 'list', '-method', 'ci'])).stdout).toContain(`${id}:\n   AuthMethod:   ci\n`);
    expect((await cli(['acl', 'binding-rule', 'read', '-id', id.slice(0, 8), '-format', 'json'])).stdout).toContain(`"ID": "${id}"`);
    expect((await cli(['acl', 'binding-rule', 'read', '-id', 'zzzz'])).stderr.trim()).toBe('Error determining binding rule ID: No such rule ID with prefix: zzzz');
    const bad = await cli(['acl', 'binding-rule', 'create', '-method', 'ci', '-bind-type', 'service', '-bind-name', '${value.nope}']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Failed to create new binding rule: Unexpected response code: 400 (Invalid Binding Rule: invalid BindName:');

    const bearer = join(dir, 'bearer');
    const sink = join(dir, 'sink', 'token');
    const now = Math.floor(Date.now() / 1000);
    writeFileSync(bearer, `${jwt({ aud: 'ci', project: 'billing', iat: now, exp: now + 60 })}\n`);
    // A stale CONSUL_HTTP_TOKEN does not get in the way: login sends none.
    const login = await cli(['login', '-method', 'ci', '-bearer-token-file', bearer, '-token-sink-file', sink, '-meta', 'job=42'], 'not-a-token');
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    const secret = readFileSync(sink, 'utf8');
    expect(statSync(sink).mode & 0o777).toBe(0o600);
    const self = await cli(['acl', 'token', 'read', '-self', '-format', 'json'], secret);
    expect(JSON.parse(self.stdout)).toMatchObject({ Description: 'token created via login: {"job":"42"}', ServiceIdentities: [{ ServiceName: 'job-billing' }], AuthMethod: 'ci' });
    expect((await cli(['acl', 'token', 'read', '-self'], secret)).stdout).toContain('\nAuth Method:      ci\n');
    // The service identity may register its own service, not another.
    const res = await fetch(`http://${agent.httpAddr}/v1/agent/service/register`, { method: 'PUT', headers: { 'X-Consul-Token': secret }, body: JSON.stringify({ Name: 'job-billing' }) });
    expect(res.status).toBe(200);
    const other = await fetch(`http://${agent.httpAddr}/v1/agent/service/register`, { method: 'PUT', headers: { 'X-Consul-Token': secret }, body: JSON.stringify({ Name: 'payroll' }) });
    expect(other.status).toBe(403);

    const again = await cli(['login', '-method', 'ci', '-bearer-token-file', bearer, '-token-sink-file', sink, '-type', 'jwt'], '');
    expect(again.code).toBe(0);
    writeFileSync(bearer, jwt({ aud: 'ci', iat: now, exp: now + 60 }));
    const nothing = await cli(['login', '-method', 'ci', '-bearer-token-file', bearer, '-token-sink-file', sink], '');
    expect(nothing.code).toBe(1);
    expect(nothing.stderr.trim()).toBe('Error logging in: Unexpected response code: 403 (Permission denied)');
    expect((await cli(['login', '-method', 'ci', '-token-sink-file', sink])).stderr.trim()).toBe("Missing required '-bearer-token-file' flag");

    expect((await cli(['logout'], secret)).code).toBe(0);
    const gone = await cli(['acl', 'token', 'read', '-self'], secret);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('ACL not found');
    const notLogin = await cli(['logout']);
    expect(notLogin.code).toBe(1);
    expect(notLogin.stderr.trim()).toBe('Error destroying token: Unexpected response code: 403 (Permission denied)');

    expect((await cli(['acl', 'binding-rule', 'delete', '-id', id])).stdout.trim()).toBe(`Binding rule "${id}" deleted successfully`);
    expect((await cli(['acl', 'auth-method', 'delete', '-name', 'ci'])).stdout.trim()).toBe('Auth method "ci" deleted successfully');
    expect((await cli(['acl', 'auth-method', 'list', '-format', 'json'])).stdout.trim()).toBe('[]');
  });

  it('lists, reads and previews templated policies', { timeout: 30_000 }, async () => {
    expect((await cli(['acl', 'templated-policy', 'list'])).stdout).toBe('builtin/dns\nbuiltin/node\nbuiltin/service\n');
    const read = await cli(['acl', 'templated-policy', 'read', '-name', 'builtin/node']);
    expect(read.stdout).toContain('Name:            builtin/node\n');
    const preview = await cli(['acl', 'templated-policy', 'preview', '-name', 'builtin/service', '-var', 'name:api']);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toMatch(/^ID: +[0-9a-f]{32}\nName: +synthetic-policy-[0-9a-f]{32}\n/);
    expect(preview.stdout).toContain('service "api" {');
  });

  it('creates tokens and roles with templated policies', { timeout: 30_000 }, async () => {
    const token = await cli(['acl', 'token', 'create', '-templated-policy', 'builtin/node', '-var', 'name:n7']);
    expect(token.stderr).toBe('');
    expect(token.stdout).toContain('Templated Policies:\n   builtin/node\n      Name: n7\n      Datacenters: all\n');
    const secret = /SecretID: +(\S+)/.exec(token.stdout)![1]!;
    const reg = (node: string) =>
      fetch(`http://${agent.httpAddr}/v1/catalog/register`, { method: 'PUT', headers: { 'X-Consul-Token': secret }, body: JSON.stringify({ Node: node, Address: '10.0.0.7' }) });
    expect((await reg('n7')).status).toBe(200);
    expect((await reg('n6')).status).toBe(403);
    const missing = await cli(['acl', 'token', 'create', '-templated-policy', 'builtin/service']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Unexpected response code: 400 (encountered templated policy variables validation error: name is required)');
    const role = await cli(['acl', 'role', 'create', '-name', 'dns', '-templated-policy', 'builtin/dns', '-format', 'json']);
    expect(JSON.parse(role.stdout).TemplatedPolicies).toEqual([{ TemplateName: 'builtin/dns' }]);
  });
});
