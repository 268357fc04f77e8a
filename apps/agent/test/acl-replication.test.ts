// ACL replication between datacenters, as processes on 127.0.0.1 (one server each, as federation.test.ts, and a
// client agent in dc2 and in dc3):
// dc1 is the primary (its initial management token), dc2 replicates policies, roles and global tokens from it with
// acl.tokens.replication. A policy and token made in dc1 work against dc2's own server; a token deleted in dc1
// stops working in dc2; dc2's local tokens stay; a policy written in dc2 is forwarded to dc1 and replicated back;
// a login through dc2's client agent makes a dc2 token; /v1/acl/replication reports the running replication.
// dc3 replicates policies and roles only (enable_token_replication off, Consul's default): its server asks dc1
// for global tokens and keeps them for token_ttl (2 s); its client agent asks its server. With dc1's server
// stopped, dc3's server (down_policy extend-cache) keeps using what it cached, its client agent (down_policy
// deny) refuses the token on its own endpoints, and dc2's local tokens work on.
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { allocate, startClusterAgent, stopAgent, type ClusterAgent } from './support/cluster.js';

const root = mkdtempSync(join(tmpdir(), 'conclave-acl-replication-'));
const management = randomUUID();
let s1: ClusterAgent;
let s2: ClusterAgent;
let c2: ClusterAgent;
let s3: ClusterAgent;
let c3: ClusterAgent;

async function http(a: ClusterAgent, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`http://${a.httpAddr}${path}`, {
    method,
    headers: token ? { 'X-Consul-Token': token } : {},
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

beforeAll(async () => {
  const [a, b, c, d, e] = await Promise.all([
    allocate('s1', true, root),
    allocate('s2', true, root),
    allocate('c2', false, root),
    allocate('s3', true, root),
    allocate('c3', false, root),
  ]);
  const acl = (extra: string) => `primary_datacenter = "dc1"\nacl { enabled = true\ndefault_policy = "deny"\n${extra} }`;
  s1 = await startClusterAgent(a, ['-datacenter', 'dc1', '-bootstrap-expect', '1', '-hcl', acl(`tokens { initial_management = "${management}" }`)]);
  // A secondary's server joins dc1's WAN pool; its client agent joins the server.
  const secondary = (spec: typeof b, dc: string, extra: string) =>
    startClusterAgent(spec, ['-datacenter', dc, '-bootstrap-expect', '1', '-retry-join-wan', `127.0.0.1:${a.ports.serfWan}`, '-retry-interval-wan', '1s', '-hcl', acl(extra)]);
  const client = (spec: typeof c, dc: string, server: typeof b, extra: string) =>
    startClusterAgent(spec, ['-datacenter', dc, '-retry-join', `127.0.0.1:${server.ports.serf}`, '-retry-interval', '1s', '-hcl', acl(extra)]);
  [s2, s3] = await Promise.all([
    secondary(b, 'dc2', `enable_token_replication = true\ntokens { replication = "${management}" }`),
    secondary(d, 'dc3', `token_ttl = "2s"\ndown_policy = "extend-cache"\ntokens { replication = "${management}" }`),
  ]);
  [c2, c3] = await Promise.all([client(c, 'dc2', b, ''), client(e, 'dc3', d, 'token_ttl = "2s"\ndown_policy = "deny"')]);
  for (const s of [s1, s2, c2, s3, c3])
    await waitFor('a leader', async () => JSON.parse((await http(s, 'GET', '/v1/status/leader')).text) !== '', { timeoutMs: 30_000, intervalMs: 200 });
}, 120_000);

afterAll(async () => {
  await Promise.all([s1, s2, c2, s3, c3].filter(Boolean).map((a) => stopAgent(a, 'SIGKILL')));
  rmSync(root, { recursive: true, force: true });
});

describe('ACL replication from the primary datacenter', () => {
  it('replicates policies and global tokens; dc2 resolves them itself', { timeout: 60_000 }, async () => {
    await waitFor('the management token replicated to dc2', async () => (await http(s2, 'GET', '/v1/acl/token/self', management)).status === 200, { timeoutMs: 30_000, intervalMs: 250 });
    const policy = await http(s1, 'PUT', '/v1/acl/policy', management, { Name: 'app', Rules: 'key_prefix "app/" { policy = "write" }' });
    expect(policy.status).toBe(200);
    const token = (await http(s1, 'PUT', '/v1/acl/token', management, { Description: 'app', Policies: [{ Name: 'app' }] })).json();
    const local = (await http(s1, 'PUT', '/v1/acl/token', management, { Description: 'dc1 only', Local: true, Policies: [{ Name: 'app' }] })).json();
    await waitFor('the app token works in dc2', async () => (await http(s2, 'PUT', '/v1/kv/app/x', token.SecretID, 'v')).status === 200, { timeoutMs: 20_000, intervalMs: 250 });
    expect((await http(s2, 'GET', '/v1/kv/secret/y', token.SecretID)).status).toBe(403);
    expect((await http(s2, 'GET', `/v1/acl/policy/${policy.json().ID}`, management)).json()).toMatchObject({ Name: 'app', Hash: policy.json().Hash });
    expect((await http(s2, 'GET', '/v1/kv/app/x', local.SecretID)).text).toBe('ACL not found');

    // Bootstrapping is the primary's (already bootstrapped by its initial management token).
    const boot = await http(s2, 'PUT', '/v1/acl/bootstrap');
    expect(boot.status).toBe(403);
    expect(boot.text).toMatch(/^Permission denied: ACL bootstrap no longer allowed \(reset index: \d+\)$/);
    const status = (await http(s2, 'GET', '/v1/acl/replication')).json();
    expect(status).toMatchObject({ Enabled: true, Running: true, SourceDatacenter: 'dc1', ReplicationType: 'tokens', LastErrorMessage: '' });
    expect(status.ReplicatedIndex).toBeGreaterThan(0);
    expect(status.LastSuccess).not.toBe('0001-01-01T00:00:00Z');
    expect((await http(s1, 'GET', '/v1/acl/replication')).json()).toMatchObject({ Enabled: false, Running: false });

    // Policies written in dc2 are dc1's to keep (forwarded, as Consul does) and come back by replication.
    const viaDc2 = await http(s2, 'PUT', '/v1/acl/policy', management, { Name: 'from-dc2', Rules: 'key_prefix "b/" { policy = "read" }' });
    expect(viaDc2.status).toBe(200);
    expect((await http(s1, 'GET', '/v1/acl/policy/name/from-dc2', management)).json().ID).toBe(viaDc2.json().ID);
    await waitFor('the policy replicated back to dc2', async () => (await http(s2, 'GET', '/v1/acl/policy/name/from-dc2', management)).status === 200, { timeoutMs: 20_000, intervalMs: 250 });
    // So are global tokens created in dc2; local ones stay in dc2.
    const globalViaDc2 = await http(s2, 'PUT', '/v1/acl/token', management, { Description: 'made in dc2', Policies: [{ Name: 'app' }] });
    expect(globalViaDc2.status).toBe(200);
    expect((await http(s1, 'GET', `/v1/acl/token/${globalViaDc2.json().AccessorID}`, management)).json().Description).toBe('made in dc2');
    await waitFor('the token made through dc2 works there', async () => (await http(s2, 'GET', '/v1/kv/app/x', globalViaDc2.json().SecretID)).status === 200, { timeoutMs: 20_000, intervalMs: 250 });
    // Logins in a secondary make local tokens only; one through dc2's client agent works against dc2.
    const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const key = keys.publicKey.export({ type: 'spki', format: 'pem' });
    const global = await http(s2, 'PUT', '/v1/acl/auth-method', management, { Name: 'jwt', Type: 'jwt', TokenLocality: 'global', Config: { JWTValidationPubKeys: [key] } });
    expect(global.status).toBe(400);
    expect(global.text).toBe("Invalid Auth Method: TokenLocality 'global' can only be used in the primary datacenter");
    expect((await http(c2, 'PUT', '/v1/acl/auth-method', management, { Name: 'jwt', Type: 'jwt', Config: { JWTValidationPubKeys: [key] } })).status).toBe(200);
    expect((await http(c2, 'PUT', '/v1/acl/binding-rule', management, { AuthMethod: 'jwt', BindType: 'policy', BindName: 'app' })).status).toBe(200);
    const b64 = (v: string | Buffer) => Buffer.from(v).toString('base64url');
    const data = `${b64('{"alg":"ES256"}')}.${b64(JSON.stringify({ iat: Math.floor(Date.now() / 1000) }))}`;
    const bearer = `${data}.${b64(sign('sha256', Buffer.from(data), { key: keys.privateKey, dsaEncoding: 'ieee-p1363' }))}`;
    const login = await http(c2, 'POST', '/v1/acl/login', undefined, { AuthMethod: 'jwt', BearerToken: bearer });
    expect(login.status).toBe(200);
    expect(login.json()).toMatchObject({ Local: true, AuthMethod: 'jwt', Policies: [{ Name: 'app' }] });
    expect((await http(c2, 'PUT', '/v1/kv/app/login', login.json().SecretID, 'v')).status).toBe(200);
    expect((await http(s1, 'GET', `/v1/acl/token/${login.json().AccessorID}`, management)).status).toBe(403);

    // A local token of dc2 survives replication; a token deleted in dc1 goes from dc2.
    const dc2Local = (await http(s2, 'PUT', '/v1/acl/token', management, { Description: 'dc2 only', Local: true, Policies: [{ Name: 'app' }] })).json();
    expect((await http(s1, 'DELETE', `/v1/acl/token/${token.AccessorID}`, management)).status).toBe(200);
    await waitFor('the deleted token refused in dc2', async () => (await http(s2, 'GET', '/v1/kv/app/x', token.SecretID)).text === 'ACL not found', { timeoutMs: 20_000, intervalMs: 250 });
    expect((await http(s2, 'GET', '/v1/kv/app/x', dc2Local.SecretID)).status).toBe(200);
  });

  it('reports a replication token the primary refuses, and recovers when it is fixed at run time', { timeout: 60_000 }, async () => {
    expect((await http(s2, 'PUT', '/v1/agent/token/replication', management, { Token: 'not-a-token' })).status).toBe(200);
    await http(s1, 'PUT', '/v1/acl/policy', management, { Name: 'wake-1', Rules: '' });
    await waitFor('the refusal in the status', async () => (await http(s2, 'GET', '/v1/acl/replication')).json().LastErrorMessage.includes('ACL not found'), { timeoutMs: 20_000, intervalMs: 250 });
    expect((await http(s2, 'PUT', '/v1/agent/token/replication', management, { Token: management })).status).toBe(200);
    await http(s1, 'PUT', '/v1/acl/policy', management, { Name: 'wake-2', Rules: '' });
    await waitFor('a success after the error', async () => {
      const st = (await http(s2, 'GET', '/v1/acl/replication')).json();
      return Date.parse(st.LastSuccess) > Date.parse(st.LastError);
    }, { timeoutMs: 20_000, intervalMs: 250 });
    expect((await http(s2, 'GET', '/v1/acl/policy/name/wake-2', management)).status).toBe(200);
  });
});

describe('remote token resolution in a datacenter without token replication', () => {
  it('resolves global tokens by the primary, on the server and through the client agent, until deleted there', { timeout: 60_000 }, async () => {
    const policy = await http(s1, 'PUT', '/v1/acl/policy', management, { Name: 'remote', Rules: 'key_prefix "remote/" { policy = "read" }' });
    expect(policy.status).toBe(200);
    await waitFor('the policy replicated to dc3', async () => (await http(s3, 'GET', '/v1/acl/policy/name/remote', management)).status === 200, { timeoutMs: 20_000, intervalMs: 250 });
    expect((await http(s3, 'GET', '/v1/acl/replication')).json()).toMatchObject({ Enabled: true, ReplicationType: 'roles', ReplicatedTokenIndex: 0 });
    expect((await http(s3, 'PUT', '/v1/kv/remote/k', management, 'v')).status).toBe(200);
    const token = (await http(s1, 'PUT', '/v1/acl/token', management, { Description: 'remote', Policies: [{ Name: 'remote' }] })).json();
    // Not replicated to dc3 (its replication is of policies and roles), yet usable there: its server asks dc1.
    for (const agent of [s3, c3]) {
      const read = await http(agent, 'GET', '/v1/kv/remote/k?raw', token.SecretID);
      expect(read.status, agent.name).toBe(200);
      expect(read.text).toBe('v');
      expect((await http(agent, 'PUT', '/v1/kv/remote/k', token.SecretID, 'w')).status, agent.name).toBe(403);
      expect((await http(agent, 'GET', '/v1/acl/token/self', token.SecretID)).json(), agent.name).toMatchObject({ AccessorID: token.AccessorID, Description: 'remote' });
    }
    expect((await http(s3, 'GET', '/v1/kv/remote/k', randomUUID())).text).toBe('ACL not found');
    // A local token of dc1 is not a token in dc3.
    const dc1Local = (await http(s1, 'PUT', '/v1/acl/token', management, { Description: 'dc1 only', Local: true, Policies: [{ Name: 'remote' }] })).json();
    const foreign = await http(s3, 'GET', '/v1/kv/remote/k', dc1Local.SecretID);
    expect(foreign.status).toBe(403);
    expect(foreign.text).toBe('Permission denied: This is a local token in datacenter "dc1"');
    // Holding no tokens of its own (Consul's LocalTokensEnabled() is false), dc3 shows dc1's: a read by accessor and
    // the list, which leaves out dc1's local tokens; it makes no local token and runs no auth method.
    for (const agent of [s3, c3]) {
      const read = await http(agent, 'GET', `/v1/acl/token/${token.AccessorID}`, management);
      expect(read.status, agent.name).toBe(200);
      expect(read.json(), agent.name).toMatchObject({ AccessorID: token.AccessorID, Description: 'remote', Local: false });
      const listed = (await http(agent, 'GET', '/v1/acl/tokens', management)).json() as Array<{ AccessorID: string; Local: boolean }>;
      expect(listed.map((t) => t.AccessorID), agent.name).toContain(token.AccessorID);
      expect(listed.some((t) => t.Local), agent.name).toBe(false);
      const local = await http(agent, 'PUT', '/v1/acl/token', management, { Description: 'dc3 local', Local: true });
      expect([local.status, local.text], agent.name).toEqual([500, 'Local tokens are disabled']);
      const method = await http(agent, 'PUT', '/v1/acl/auth-method', management, { Name: 'jwt', Type: 'jwt', Config: {} });
      expect([method.status, method.text], agent.name).toEqual([500, 'Token replication is required for auth methods to function']);
    }

    // Deleted (asked of dc3, which hands it to dc1): gone in dc1, refused in dc3 once token_ttl (2 s) has passed.
    expect((await http(s3, 'DELETE', `/v1/acl/token/${token.AccessorID}`, management)).status).toBe(200);
    expect((await http(s1, 'GET', `/v1/acl/token/${token.AccessorID}`, management)).text).toBe('ACL not found');
    for (const agent of [s3, c3])
      await waitFor(`the deleted token refused by ${agent.name}`, async () => (await http(agent, 'GET', '/v1/kv/remote/k', token.SecretID)).text === 'ACL not found', { timeoutMs: 20_000, intervalMs: 250 });
  });

  it('with the primary unreachable, follows down_policy; local tokens of a secondary work on', { timeout: 90_000 }, async () => {
    // agent:read too: a client agent's own endpoints are checked by its own resolver (and down_policy), the rest
    // by its server's.
    const rules = 'agent_prefix "" { policy = "read" }\nkey_prefix "remote/" { policy = "read" }';
    expect((await http(s1, 'PUT', '/v1/acl/policy', management, { Name: 'remote-agent', Rules: rules })).status).toBe(200);
    const token = (await http(s1, 'PUT', '/v1/acl/token', management, { Description: 'cached', Policies: [{ Name: 'remote-agent' }] })).json();
    const dc2Local = (await http(s2, 'PUT', '/v1/acl/token', management, { Description: 'dc2 only', Local: true, Policies: [{ Name: 'remote' }] })).json();
    expect((await http(s2, 'PUT', '/v1/kv/remote/k', management, 'v')).status).toBe(200);
    // Cached by dc3's server first, then by its client agent (its server answers it uncached, from dc1).
    expect((await http(s3, 'GET', '/v1/agent/self', token.SecretID)).status).toBe(200);
    expect((await http(c3, 'GET', '/v1/agent/self', token.SecretID)).status).toBe(200);
    await stopAgent(s1, 'SIGKILL');
    // The client agent (down_policy deny) refuses the token once its entry is past token_ttl and dc1 cannot be
    // asked; the server's entry, older, is past it too, and extend-cache keeps it in use.
    await waitFor('dc3\'s client agent refusing the token', async () => (await http(c3, 'GET', '/v1/agent/self', token.SecretID)).status === 403, { timeoutMs: 30_000, intervalMs: 250 });
    expect((await http(c3, 'GET', '/v1/agent/self', token.SecretID)).text).toMatch(/^Permission denied: /);
    expect((await http(s3, 'GET', '/v1/agent/self', token.SecretID)).status).toBe(200);
    // KV through the client agent is its server's to check: extended there too.
    for (const agent of [s3, c3]) {
      const extended = await http(agent, 'GET', '/v1/kv/remote/k?raw', token.SecretID);
      expect(extended.status, agent.name).toBe(200);
      expect(extended.text).toBe('v');
    }
    expect(s3.output()).toContain('Primary datacenter unreachable, applying acl.down_policy');
    // A token dc3 never saw gets the default policy (deny) while dc1 is away.
    expect((await http(s3, 'GET', '/v1/kv/remote/k', randomUUID())).status).toBe(403);
    // dc2's local token needs no primary, on its server or through its client agent.
    for (const agent of [s2, c2]) expect((await http(agent, 'GET', '/v1/kv/remote/k?raw', dc2Local.SecretID)).text, agent.name).toBe('v');
  });
});
