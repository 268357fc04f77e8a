// Auth methods, binding rules, login/logout, templated policies and the replication status over HTTP, with
// Consul's shapes and texts. JWTs are signed here with node:crypto (RS256 and ES256 keys made per run). A
// Kubernetes API cannot run here, so the kubernetes method logs in against a small local HTTPS server that
// speaks the TokenReview and ServiceAccount API (its TLS certificate made by openssl, trusted through CACert).
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCa, type TestCa } from '@conclave/test-support/test-tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, startHarness, type Harness } from './harness.js';

let h: Harness;
let root = '';

const req = (method: string, path: string, token: string | undefined, body?: unknown) => apiCall(h.base, method, path, token, body);

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const pem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }) as string;
const b64 = (v: string | Buffer) => Buffer.from(v).toString('base64url');

function jwt(alg: 'RS256' | 'ES256', key: KeyObject, claims: Record<string, unknown>): string {
  const data = `${b64(JSON.stringify({ alg, typ: 'JWT' }))}.${b64(JSON.stringify(claims))}`;
  const sig = alg === 'RS256' ? sign('sha256', Buffer.from(data), key) : sign('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' });
  return `${data}.${b64(sig)}`;
}

const nowS = () => Math.floor(Date.now() / 1000);
const claims = (over: Record<string, unknown> = {}) => ({ iss: 'https://issuer.test', aud: 'conclave', sub: 'alice', team: 'pay', groups: ['admins', 'dev'], iat: nowS(), exp: nowS() + 300, ...over });

beforeAll(async () => {
  h = await startHarness({ acl: { defaultPolicy: 'deny' } });
  root = (await req('PUT', '/v1/acl/bootstrap', undefined)).json.SecretID;
});
afterAll(async () => {
  await h.close();
});

describe('/v1/acl/auth-method', () => {
  it('refuses bad configurations with Consul\'s texts', async () => {
    const noType = await req('PUT', '/v1/acl/auth-method', root, { Name: 'x', Type: 'ldap' });
    expect(noType.status).toBe(400);
    expect(noType.text).toBe('Invalid Auth Method: Type should be one of: [aws-iam jwt kubernetes oidc]');
    const noKeys = await req('PUT', '/v1/acl/auth-method', root, { Name: 'x', Type: 'jwt', Config: {} });
    expect(noKeys.text).toBe(`Invalid Auth Method: exactly one of 'JWTValidationPubKeys', 'JWKSURL', or 'OIDCDiscoveryURL' must be set for type "jwt"`);
    const badKey = await req('PUT', '/v1/acl/auth-method', root, { Name: 'x', Type: 'jwt', Config: { JWTValidationPubKeys: ['nope'] } });
    expect(badKey.text).toMatch(/^Invalid Auth Method: error parsing public key JWTValidationPubKeys\[0\]: /);
    const badName = await req('PUT', '/v1/acl/auth-method', root, { Name: 'a b', Type: 'jwt' });
    expect(badName.text).toBe("Invalid Auth Method: invalid Name. Only alphanumeric characters, '-' and '_' are allowed");
    const ttl = await req('PUT', '/v1/acl/auth-method', root, { Name: 'x', Type: 'jwt', MaxTokenTTL: '1s', Config: { JWTValidationPubKeys: [pem(ec.publicKey)] } });
    expect(ttl.text).toBe('MaxTokenTTL 1s cannot be less than 1m0s');
    const k8s = await req('PUT', '/v1/acl/auth-method', root, { Name: 'x', Type: 'kubernetes', Config: { Host: 'https://k8s' } });
    expect(k8s.text).toBe('Invalid Auth Method: Config.CACert is required');
    const anonymous = await req('PUT', '/v1/acl/auth-method', undefined, { Name: 'x', Type: 'jwt' });
    expect(anonymous.status).toBe(403);
    expect((await req('GET', '/v1/acl/auth-methods', root)).json).toEqual([]);
  });

  it('creates, reads, lists, updates a jwt method', async () => {
    const created = await req('PUT', '/v1/acl/auth-method', root, {
      Name: 'jwt-test',
      Type: 'jwt',
      DisplayName: 'Test JWT',
      Description: 'signed here',
      MaxTokenTTL: '10m',
      Config: {
        JWTValidationPubKeys: [pem(rsa.publicKey), pem(ec.publicKey)],
        BoundIssuer: 'https://issuer.test',
        BoundAudiences: ['conclave'],
        ClaimMappings: { sub: 'user', team: 'team' },
        ListClaimMappings: { groups: 'groups' },
      },
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ Name: 'jwt-test', Type: 'jwt', DisplayName: 'Test JWT', Description: 'signed here', MaxTokenTTL: '10m0s' });
    expect(created.json.Config.ClaimMappings).toEqual({ sub: 'user', team: 'team' });
    const read = await req('GET', '/v1/acl/auth-method/jwt-test', root);
    expect(read.json).toEqual(created.json);
    expect(Number(read.headers.get('x-consul-index'))).toBeGreaterThan(0);
    const missing = await req('GET', '/v1/acl/auth-method/nope', root);
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('');
    expect(missing.headers.get('x-consul-index')).not.toBeNull();
    const list = await req('GET', '/v1/acl/auth-methods', root);
    expect(list.json).toHaveLength(1);
    expect(list.json[0]).not.toHaveProperty('Config');
    expect(list.json[0]).toMatchObject({ Name: 'jwt-test', Type: 'jwt', MaxTokenTTL: '10m0s' });
    const immutable = await req('PUT', '/v1/acl/auth-method/jwt-test', root, { Type: 'kubernetes' });
    expect(immutable.text).toBe('the Type field of an Auth Method is immutable');
    const mismatch = await req('PUT', '/v1/acl/auth-method/jwt-test', root, { Name: 'other' });
    expect(mismatch.text).toBe('AuthMethod Name in URL and payload do not match');
  });
});

describe('/v1/acl/binding-rule and login', () => {
  let ruleId = '';
  let token: any;

  it('checks selectors and bind names against the method', async () => {
    const sel = await req('PUT', '/v1/acl/binding-rule', root, { AuthMethod: 'jwt-test', Selector: 'value.team ==', BindType: 'service', BindName: 'x' });
    expect(sel.status).toBe(400);
    expect(sel.text).toMatch(/^invalid Binding Rule: Selector is invalid: /);
    const type = await req('PUT', '/v1/acl/binding-rule', root, { AuthMethod: 'jwt-test', BindType: 'user', BindName: 'x' });
    expect(type.text).toBe('Invalid Binding Rule: unknown BindType "user"');
    const unknownVar = await req('PUT', '/v1/acl/binding-rule', root, { AuthMethod: 'jwt-test', BindType: 'service', BindName: '${value.nope}' });
    expect(unknownVar.text).toBe('Invalid Binding Rule: invalid BindName: failed to validate bindType "service": error interpreting template: unknown variable accessed: value.nope');
    const noMethod = await req('PUT', '/v1/acl/binding-rule', root, { AuthMethod: 'gone', BindType: 'service', BindName: 'x' });
    expect(noMethod.text).toBe('cannot find auth method with name "gone"');
    const noName = await req('PUT', '/v1/acl/binding-rule', root, { AuthMethod: 'jwt-test', BindType: 'service' });
    expect(noName.text).toBe('Invalid Binding Rule: no BindName is set');
  });

  it('creates rules, and a login gets what the matching rules bind', async () => {
    const svc = await req('PUT', '/v1/acl/binding-rule', root, {
      AuthMethod: 'jwt-test',
      Description: 'team services',
      Selector: 'value.team == "pay"',
      BindType: 'service',
      BindName: '${value.team}-web',
    });
    expect(svc.status).toBe(200);
    expect(svc.json).toMatchObject({ AuthMethod: 'jwt-test', Description: 'team services', Selector: 'value.team == "pay"', BindType: 'service', BindName: '${value.team}-web' });
    ruleId = svc.json.ID;
    expect((await req('GET', `/v1/acl/binding-rule/${ruleId}`, root)).json).toEqual(svc.json);
    expect((await req('GET', '/v1/acl/binding-rule/00000000-0000-0000-0000-00000000abcd', root)).status).toBe(404);

    const policy = await req('PUT', '/v1/acl/policy', root, { Name: 'ops-kv', Rules: 'key_prefix "ops/" { policy = "write" }' });
    await req('PUT', '/v1/acl/role', root, { Name: 'ops', Policies: [{ ID: policy.json.ID }] });
    expect((await req('PUT', '/v1/acl/binding-rule', root, { AuthMethod: 'jwt-test', Selector: '"admins" in list.groups', BindType: 'role', BindName: 'ops' })).status).toBe(200);
    expect((await req('PUT', '/v1/acl/binding-rule', root, { AuthMethod: 'jwt-test', Selector: 'value.user == "nobody"', BindType: 'node', BindName: 'n1' })).status).toBe(200);
    expect((await req('GET', '/v1/acl/binding-rules?authmethod=jwt-test', root)).json).toHaveLength(3);
    expect((await req('GET', '/v1/acl/binding-rules?authmethod=other', root)).json).toEqual([]);

    const before = Date.now();
    const login = await req('POST', '/v1/acl/login', undefined, { AuthMethod: 'jwt-test', BearerToken: jwt('RS256', rsa.privateKey, claims()), Meta: { pod: 'p1' } });
    expect(login.status).toBe(200);
    token = login.json;
    expect(token).toMatchObject({
      Description: 'token created via login: {"pod":"p1"}',
      ServiceIdentities: [{ ServiceName: 'pay-web' }],
      Roles: [{ Name: 'ops' }],
      Local: true,
      AuthMethod: 'jwt-test',
    });
    expect(token).not.toHaveProperty('NodeIdentities');
    const expires = Date.parse(token.ExpirationTime);
    expect(expires).toBeGreaterThanOrEqual(before + 600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 600_000 + 1000);

    // The token does what its role and identity allow.
    expect((await req('PUT', '/v1/kv/ops/a', token.SecretID, 'x')).status).toBe(200);
    expect((await req('PUT', '/v1/kv/other/a', token.SecretID, 'x')).status).toBe(403);
    expect((await req('GET', '/v1/catalog/service/anything', token.SecretID)).status).toBe(200);

    const clone = await req('PUT', `/v1/acl/token/${token.AccessorID}/clone`, root, {});
    expect({ status: clone.status, text: clone.text }).toEqual({ status: 400, text: 'Cannot clone a token created from an auth method' });
    const listed = await req('GET', '/v1/acl/tokens?authmethod=jwt-test', root);
    expect(listed.json.map((t: any) => t.AccessorID)).toEqual([token.AccessorID]);
  });

  it('logs in with an ES256 token too, and refuses what does not verify or binds nothing', async () => {
    const es = await req('POST', '/v1/acl/login', undefined, { AuthMethod: 'jwt-test', BearerToken: jwt('ES256', ec.privateKey, claims({ groups: 'admins', team: 'ops' })) });
    expect(es.status).toBe(200);
    expect(es.json.Roles).toEqual([expect.objectContaining({ Name: 'ops' })]);
    expect(es.json).not.toHaveProperty('ServiceIdentities');

    const cases: Array<[Record<string, unknown> | string, number, string]> = [
      [claims({ team: 'other', groups: [] }), 403, 'Permission denied'],
      [jwt('ES256', stranger.privateKey, claims()), 500, 'no known key successfully validated the token signature'],
      [claims({ exp: nowS() - 3600, iat: nowS() - 7200 }), 500, 'error validating claims: go-jose/go-jose/jwt: validation failed, token is expired (exp)'],
      [claims({ iss: 'https://evil.test' }), 500, 'error validating claims: go-jose/go-jose/jwt: validation failed, invalid issuer claim (iss)'],
      [claims({ aud: ['someone-else'] }), 500, 'error validating claims: aud claim does not match any bound audience'],
      [claims({ iat: undefined, exp: undefined }), 500, 'no issue time, notbefore, or expiration time encoded in token'],
      ['not-a-jwt', 500, 'error parsing token: go-jose/go-jose: compact JWS format must have three parts'],
    ];
    for (const [c, status, text] of cases) {
      const bearer = typeof c === 'string' ? c : jwt('RS256', rsa.privateKey, c);
      const r = await req('POST', '/v1/acl/login', undefined, { AuthMethod: 'jwt-test', BearerToken: bearer });
      expect({ status: r.status, text: r.text }).toEqual({ status, text });
    }
    const unknown = await req('POST', '/v1/acl/login', undefined, { AuthMethod: 'nope', BearerToken: 'x' });
    expect({ status: unknown.status, text: unknown.text }).toEqual({ status: 403, text: 'ACL not found: auth method "nope" not found' });
    const garbage = await req('POST', '/v1/acl/login', undefined, { AuthMethod: 5 });
    expect(garbage.status).toBe(400);
    expect(garbage.text).toMatch(/^Failed to decode request body: /);
  });

  it('binds a templated policy with interpolated variables', async () => {
    const bad = await req('PUT', '/v1/acl/binding-rule', root, { AuthMethod: 'jwt-test', BindType: 'templated-policy', BindName: 'builtin/nope' });
    expect(bad.text).toBe('Invalid Binding Rule: invalid BindName: failed to validate bindType "templated-policy": Bind name for templated-policy bind type does not match existing template name: builtin/nope');
    const rule = await req('PUT', '/v1/acl/binding-rule', root, {
      AuthMethod: 'jwt-test',
      Selector: 'value.team == "tmpl"',
      BindType: 'templated-policy',
      BindName: 'builtin/service',
      BindVars: { Name: '${value.team}-api' },
    });
    expect(rule.status).toBe(200);
    expect(rule.json.BindVars).toEqual({ Name: '${value.team}-api' });
    const login = await req('POST', '/v1/acl/login', undefined, { AuthMethod: 'jwt-test', BearerToken: jwt('RS256', rsa.privateKey, claims({ team: 'tmpl', groups: [] })) });
    expect(login.status).toBe(200);
    expect(login.json.TemplatedPolicies).toEqual([{ TemplateName: 'builtin/service', TemplateVariables: { Name: 'tmpl-api' } }]);
    // builtin/service: service "tmpl-api" write, every service and node read; nothing else.
    expect((await req('GET', '/v1/catalog/service/db', login.json.SecretID)).status).toBe(200);
    expect((await req('GET', '/v1/kv/x', login.json.SecretID)).status).toBe(403);
    await req('DELETE', `/v1/acl/binding-rule/${rule.json.ID}`, root);
  });

  it('logs out of login tokens only', async () => {
    expect((await req('POST', '/v1/acl/logout', root)).text).toBe('Permission denied');
    expect((await req('POST', '/v1/acl/logout', undefined)).status).toBe(403);
    const out = await req('POST', '/v1/acl/logout', token.SecretID);
    expect(out.status).toBe(200);
    expect(out.json).toBe(true);
    expect((await req('GET', '/v1/kv/ops/a', token.SecretID)).text).toBe('ACL not found');
  });

  it('deletes a method with its rules and tokens', async () => {
    const login = await req('POST', '/v1/acl/login', undefined, { AuthMethod: 'jwt-test', BearerToken: jwt('RS256', rsa.privateKey, claims()) });
    expect(login.status).toBe(200);
    expect((await req('DELETE', `/v1/acl/binding-rule/${ruleId}`, root)).json).toBe(true);
    expect((await req('GET', '/v1/acl/binding-rules', root)).json).toHaveLength(2);
    expect((await req('DELETE', '/v1/acl/auth-method/jwt-test', root)).json).toBe(true);
    expect((await req('GET', '/v1/acl/binding-rules', root)).json).toEqual([]);
    expect((await req('GET', '/v1/acl/tokens?authmethod=jwt-test', root)).json).toEqual([]);
    expect((await req('GET', '/v1/kv/ops/a', login.json.SecretID)).text).toBe('ACL not found');
  });
});

describe('the kubernetes auth method against a local TokenReview server', () => {
  let dir = '';
  let server: https.Server;
  let host = '';
  let ca = '';
  const saJwt = `${b64('{"alg":"RS256"}')}.${b64('{"sub":"system:serviceaccount:kube-system:consul"}')}.c2ln`;
  const goodJwt = `${b64('{"alg":"RS256"}')}.${b64('{"sub":"web"}')}.c2ln`;
  const reviews: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'conclave-k8s-'));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=kubernetes', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, (rq, rs) => {
      let body = '';
      rq.on('data', (c) => (body += c));
      rq.on('end', () => {
        rs.setHeader('Content-Type', 'application/json');
        if (rq.headers.authorization !== `Bearer ${saJwt}`) {
          rs.statusCode = 401;
          rs.end(JSON.stringify({ kind: 'Status', message: 'Unauthorized' }));
          return;
        }
        if (rq.method === 'POST' && rq.url === '/apis/authentication.k8s.io/v1/tokenreviews') {
          const review = JSON.parse(body);
          reviews.push(review.spec.token);
          const ok = review.spec.token === goodJwt;
          rs.end(JSON.stringify({ ...review, status: ok ? { authenticated: true, user: { username: 'system:serviceaccount:default:web-sa', uid: 'uid-1' } } : { authenticated: false } }));
        } else if (rq.method === 'GET' && rq.url === '/api/v1/namespaces/default/serviceaccounts/web-sa') {
          rs.end(JSON.stringify({ metadata: { name: 'web-sa', namespace: 'default', annotations: { 'consul.hashicorp.com/service-name': 'web' } } }));
        } else {
          rs.statusCode = 404;
          rs.end(JSON.stringify({ kind: 'Status', message: 'not found' }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in through TokenReview, the annotation naming the service', async () => {
    const m = await req('PUT', '/v1/acl/auth-method', root, { Name: 'k8s', Type: 'kubernetes', Config: { Host: host, CACert: ca, ServiceAccountJWT: saJwt } });
    expect(m.status).toBe(200);
    const rule = await req('PUT', '/v1/acl/binding-rule', root, { AuthMethod: 'k8s', Selector: 'serviceaccount.namespace == "default"', BindType: 'service', BindName: '${serviceaccount.name}' });
    expect(rule.status).toBe(200);
    const login = await req('POST', '/v1/acl/login', undefined, { AuthMethod: 'k8s', BearerToken: goodJwt });
    expect(login.status).toBe(200);
    expect(login.json).toMatchObject({ ServiceIdentities: [{ ServiceName: 'web' }], AuthMethod: 'k8s', Local: true });
    expect(login.json).not.toHaveProperty('ExpirationTime');
    const bad = await req('POST', '/v1/acl/login', undefined, { AuthMethod: 'k8s', BearerToken: `${goodJwt}x` });
    expect({ status: bad.status, text: bad.text }).toEqual({ status: 500, text: 'lookup failed: service account jwt not valid' });
    expect(reviews).toEqual([goodJwt, `${goodJwt}x`]);
  });

  it('refuses a Kubernetes API whose certificate CACert does not sign', async () => {
    const wrongCa = execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=other', '-keyout', '/dev/null'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect((await req('PUT', '/v1/acl/auth-method/k8s', root, { Type: 'kubernetes', Config: { Host: host, CACert: wrongCa, ServiceAccountJWT: saJwt } })).status).toBe(200);
    const login = await req('POST', '/v1/acl/login', undefined, { AuthMethod: 'k8s', BearerToken: goodJwt });
    expect(login.status).toBe(500);
    expect(login.text).toMatch(/^POST "https:\/\/127\.0\.0\.1:\d+\/apis\/authentication\.k8s\.io\/v1\/tokenreviews": /);
  });
});

describe('/v1/acl/templated-policies', () => {
  it('lists, reads and previews the built-in templates', async () => {
    const list = await req('GET', '/v1/acl/templated-policies', root);
    expect(Object.keys(list.json).sort()).toEqual(['builtin/dns', 'builtin/node', 'builtin/service']);
    const read = await req('GET', '/v1/acl/templated-policy/name/builtin/service', root);
    expect(read.json.TemplateName).toBe('builtin/service');
    expect(read.json.Template).toContain('service "{{.Name}}-sidecar-proxy"');
    expect((await req('GET', '/v1/acl/templated-policy/name/builtin/nope', root)).status).toBe(404);
    const preview = await req('POST', '/v1/acl/templated-policy/preview/builtin/service', root, { Name: 'api' });
    expect(preview.status).toBe(200);
    expect(preview.json.Name).toMatch(/^synthetic-policy-[0-9a-f]{32}$/);
    expect(preview.json.Description).toBe('synthetic policy generated from templated policy: builtin/service');
    expect(preview.json.Rules).toContain('service "api" {');
    const noName = await req('POST', '/v1/acl/templated-policy/preview/builtin/node', root, {});
    expect(noName.status).toBe(400);
    expect((await req('GET', '/v1/acl/templated-policies', undefined)).status).toBe(403);
  });

  it('grants a templated policy named on a token', async () => {
    const bad = await req('PUT', '/v1/acl/token', root, { TemplatedPolicies: [{ TemplateName: 'builtin/service' }] });
    expect(bad.status).toBe(400);
    const t = await req('PUT', '/v1/acl/token', root, { TemplatedPolicies: [{ TemplateName: 'builtin/node', TemplateVariables: { Name: 'n9' } }] });
    expect(t.status).toBe(200);
    expect(t.json.TemplatedPolicies).toEqual([{ TemplateName: 'builtin/node', TemplateVariables: { Name: 'n9' } }]);
    const reg = await req('PUT', '/v1/catalog/register', t.json.SecretID, { Node: 'n9', Address: '10.0.0.9' });
    expect(reg.status).toBe(200);
    expect((await req('PUT', '/v1/catalog/register', t.json.SecretID, { Node: 'n8', Address: '10.0.0.8' })).status).toBe(403);
  });
});

describe('/v1/acl/replication', () => {
  it('reports replication disabled where nothing replicates, without a token', async () => {
    const r = await req('GET', '/v1/acl/replication', undefined);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      Enabled: false,
      Running: false,
      SourceDatacenter: '',
      ReplicationType: '',
      ReplicatedIndex: 0,
      ReplicatedRoleIndex: 0,
      ReplicatedTokenIndex: 0,
      LastSuccess: '0001-01-01T00:00:00Z',
      LastError: '0001-01-01T00:00:00Z',
      LastErrorMessage: '',
    });
  });
});

describe('the jwt auth method with JWKSURL and OIDCDiscoveryURL against a local HTTPS server', () => {
  // A harness of its own, on a clock the tests move: key sets are fetched again at most every 10 s.
  let hj: Harness;
  let rootJ = '';
  let clock = Date.now();
  let pki: TestCa;
  let otherCa: TestCa;
  let server: https.Server;
  let base = '';
  let routes: Record<string, { status?: number; type?: string; body: string }> = {};
  const hits: Record<string, number> = {};
  const keyB = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = (k: KeyObject, kid: string) => ({ ...k.export({ format: 'jwk' }), kid, use: 'sig' });
  const signed = (key: KeyObject, kid: string, over: Record<string, unknown> = {}) => {
    const t = Math.floor(clock / 1000);
    const data = `${b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }))}.${b64(JSON.stringify({ sub: 'alice', aud: 'conclave', iat: t, exp: t + 300, ...over }))}`;
    return `${data}.${b64(sign('sha256', Buffer.from(data), key))}`;
  };
  const call = (method: string, path: string, token: string | undefined, body?: unknown) => apiCall(hj.base, method, path, token, body);
  const login = (method: string, bearer: string) => call('POST', '/v1/acl/login', undefined, { AuthMethod: method, BearerToken: bearer });

  beforeAll(async () => {
    pki = makeTestCa();
    otherCa = makeTestCa('another CA');
    server = https.createServer({ key: pki.key, cert: pki.cert }, (rq, rs) => {
      const path = rq.url ?? '';
      hits[path] = (hits[path] ?? 0) + 1;
      const route = routes[path];
      rs.statusCode = route ? (route.status ?? 200) : 404;
      rs.setHeader('Content-Type', route?.type ?? 'application/json');
      rs.end(route ? route.body : 'not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    hj = await startHarness({ acl: { defaultPolicy: 'deny' }, now: () => clock });
    rootJ = (await call('PUT', '/v1/acl/bootstrap', undefined)).json.SecretID;
  });
  afterAll(async () => {
    await hj.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('checks JWKSURL when the method is written, logs in with its keys, fetches a rotated set for an unknown kid', async () => {
    routes['/jwks'] = { body: JSON.stringify({ keys: [jwk(rsa.publicKey, 'a')] }) };
    const config = { JWKSURL: `${base}/jwks`, JWKSCACert: pki.ca, BoundAudiences: ['conclave'], ClaimMappings: { sub: 'user' } };
    const m = await call('PUT', '/v1/acl/auth-method', rootJ, { Name: 'jwks', Type: 'jwt', Config: config });
    expect(m.status).toBe(200);
    expect(m.json.Config).toEqual(config);
    expect(hits['/jwks']).toBe(1);
    expect((await call('PUT', '/v1/acl/binding-rule', rootJ, { AuthMethod: 'jwks', BindType: 'service', BindName: '${value.user}' })).status).toBe(200);

    const first = await login('jwks', signed(rsa.privateKey, 'a'));
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ ServiceIdentities: [{ ServiceName: 'alice' }], AuthMethod: 'jwks' });
    expect(hits['/jwks']).toBe(1);

    // The provider rotates to key b; within 10 s of the last fetch the set is not fetched again.
    routes['/jwks'] = { body: JSON.stringify({ keys: [jwk(keyB.publicKey, 'b')] }) };
    const early = await login('jwks', signed(keyB.privateKey, 'b'));
    expect({ status: early.status, text: early.text }).toEqual({
      status: 500,
      text: 'error verifying token: failed to verify id token signature (key "b" is not in the key set; it was fetched 0s ago; it is fetched at most every 10s)',
    });
    clock += 10_000;
    const rotated = await login('jwks', signed(keyB.privateKey, 'b'));
    expect(rotated.status).toBe(200);
    expect(hits['/jwks']).toBe(2);

    // A failing or garbage key set is the login's error; the agent goes on answering.
    routes['/jwks'] = { status: 500, type: 'text/plain', body: 'boom' };
    clock += 10_000;
    const failed = await login('jwks', signed(keyB.privateKey, 'c'));
    expect({ status: failed.status, text: failed.text }).toEqual({ status: 500, text: 'error verifying token: fetching keys oidc: get keys failed: 500 Internal Server Error boom' });
    routes['/jwks'] = { type: 'text/html', body: '<html>sign in</html>' };
    clock += 10_000;
    const garbage = await login('jwks', signed(keyB.privateKey, 'd'));
    expect(garbage.status).toBe(500);
    expect(garbage.text).toMatch(/^error verifying token: fetching keys oidc: failed to decode keys: expected Content-Type = application\/json, got "text\/html": /);
    // Key b is still cached.
    expect((await login('jwks', signed(keyB.privateKey, 'b'))).status).toBe(200);
  });

  it('refuses a JWKSURL whose certificate JWKSCACert does not sign, and a second key source', async () => {
    routes['/jwks'] = { body: JSON.stringify({ keys: [jwk(rsa.publicKey, 'a')] }) };
    const wrong = await call('PUT', '/v1/acl/auth-method', rootJ, { Name: 'jwks-wrong-ca', Type: 'jwt', Config: { JWKSURL: `${base}/jwks`, JWKSCACert: otherCa.ca } });
    expect(wrong.status).toBe(400);
    expect(wrong.text.startsWith(`Invalid Auth Method: error checking JWKSURL: fetching keys oidc: get keys failed Get "${base}/jwks": `)).toBe(true);
    expect((await call('GET', '/v1/acl/auth-method/jwks-wrong-ca', rootJ)).status).toBe(404);
    const two = await call('PUT', '/v1/acl/auth-method', rootJ, { Name: 'two', Type: 'jwt', Config: { JWKSURL: `${base}/jwks`, OIDCDiscoveryURL: base } });
    expect(two.text).toBe(`Invalid Auth Method: exactly one of 'JWTValidationPubKeys', 'JWKSURL', or 'OIDCDiscoveryURL' must be set for type "jwt"`);
    const strayCa = await call('PUT', '/v1/acl/auth-method', rootJ, { Name: 'stray', Type: 'jwt', Config: { JWTValidationPubKeys: [pem(rsa.publicKey)], OIDCDiscoveryCACert: pki.ca } });
    expect(strayCa.text).toBe("Invalid Auth Method: 'OIDCDiscoveryCACert' should not be set unless 'OIDCDiscoveryURL' is set");
  });

  it('discovers OIDCDiscoveryURL and logs in with tokens its issuer signed, and no others', async () => {
    routes['/.well-known/openid-configuration'] = { body: JSON.stringify({ issuer: base, jwks_uri: `${base}/oidc/keys`, id_token_signing_alg_values_supported: ['RS256'] }) };
    routes['/oidc/keys'] = { body: JSON.stringify({ keys: [jwk(rsa.publicKey, 'a')] }) };
    const m = await call('PUT', '/v1/acl/auth-method', rootJ, { Name: 'oidc', Type: 'jwt', Config: { OIDCDiscoveryURL: base, OIDCDiscoveryCACert: pki.ca, ClaimMappings: { sub: 'user' } } });
    expect(m.status).toBe(200);
    expect((await call('PUT', '/v1/acl/binding-rule', rootJ, { AuthMethod: 'oidc', BindType: 'service', BindName: '${value.user}' })).status).toBe(200);
    const ok = await login('oidc', signed(rsa.privateKey, 'a', { iss: base }));
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ ServiceIdentities: [{ ServiceName: 'alice' }], AuthMethod: 'oidc' });
    const foreign = await login('oidc', signed(rsa.privateKey, 'a', { iss: 'https://evil.test' }));
    expect({ status: foreign.status, text: foreign.text }).toEqual({
      status: 500,
      text: `error validating signature: oidc: id token issued by a different provider, expected ${JSON.stringify(base)} got "https://evil.test"`,
    });

    routes['/.well-known/openid-configuration'] = { body: JSON.stringify({ issuer: 'https://elsewhere.test', jwks_uri: `${base}/oidc/keys` }) };
    const mismatch = await call('PUT', '/v1/acl/auth-method', rootJ, { Name: 'oidc2', Type: 'jwt', Config: { OIDCDiscoveryURL: base, OIDCDiscoveryCACert: pki.ca } });
    expect({ status: mismatch.status, text: mismatch.text }).toEqual({
      status: 400,
      text: `Invalid Auth Method: error checking OIDCDiscoveryURL: oidc: issuer did not match the issuer returned by provider, expected ${JSON.stringify(base)} got "https://elsewhere.test"`,
    });
  });
});
