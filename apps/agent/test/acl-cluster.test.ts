// ACLs end to end with real processes: three servers and a client agent, default_policy deny. Bootstrap prints
// the management token once (the CLI), a token with key_prefix "app/" write + service "web" read writes app/x,
// is refused secret/y, sees only web in the catalog with the filtered header; anonymous requests are refused;
// DNS answers with the agent's default token (a server's answers cached, yet current after a policy change, a new
// default token or its expiry); the client's anti-entropy writes only with acl.tokens.agent; a deleted token stops working on the client within token_ttl;
// tokens survive a restart of every server.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { dig, runCli } from './support/agent-process.js';
import { allocate, startClusterAgent, stopAgent, type ClusterAgent } from './support/cluster.js';

const root = mkdtempSync(join(tmpdir(), 'conclave-acl-cluster-'));
const ACL = 'acl { enabled = true\ndefault_policy = "deny"\ntoken_ttl = "2s"\nenable_token_persistence = true }';
const agents: ClusterAgent[] = [];
let specs: Array<Awaited<ReturnType<typeof allocate>>>;
let seed = '';
let management = '';

const client = () => agents[3]!;

async function http(a: ClusterAgent, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`http://${a.httpAddr}${path}`, {
    method,
    headers: token ? { 'X-Consul-Token': token } : {},
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, json: () => JSON.parse(text) };
}

const cli = (args: string[], token?: string) =>
  runCli(args, { CONSUL_HTTP_ADDR: client().httpAddr, CONSUL_HTTP_TOKEN: token ?? '', CONSUL_HTTP_TOKEN_FILE: '' });

function startServer(i: number): Promise<ClusterAgent> {
  return startClusterAgent(specs[i]!, ['-bootstrap-expect', '3', '-retry-join', seed, '-retry-interval', '1s', '-hcl', ACL]);
}

beforeAll(async () => {
  specs = await Promise.all(['s1', 's2', 's3', 'c1'].map((n) => allocate(n, n.startsWith('s'), root)));
  seed = `127.0.0.1:${specs[0]!.ports.serf}`;
  agents.push(...(await Promise.all([0, 1, 2].map(startServer))));
  agents.push(await startClusterAgent(specs[3]!, ['-retry-join', seed, '-retry-interval', '1s', '-hcl', ACL]));
  await waitFor('a leader known to the client', async () => JSON.parse((await http(client(), 'GET', '/v1/status/leader')).text) !== '', {
    timeoutMs: 40_000,
    intervalMs: 200,
  });
}, 90_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => stopAgent(a, 'SIGKILL')));
});

describe('ACLs in a cluster with default_policy deny', () => {
  it('bootstraps once through the client and prints the management token', { timeout: 30_000 }, async () => {
    const first = await cli(['acl', 'bootstrap']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^AccessorID: +[0-9a-f-]{36}\nSecretID: +[0-9a-f-]{36}\nDescription: +Bootstrap Token \(Global Management\)\n/);
    expect(first.stdout).toContain('00000000-0000-0000-0000-000000000001 - global-management');
    management = /SecretID: +(\S+)/.exec(first.stdout)![1]!;
    const second = await cli(['acl', 'bootstrap']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/403 \(Permission denied: ACL bootstrap no longer allowed \(reset index: \d+\)\)/);
  });

  it('enforces a key_prefix + service policy through the client agent', { timeout: 30_000 }, async () => {
    const rules = 'key_prefix "app/" { policy = "write" }\nservice "web" { policy = "read" }';
    expect((await cli(['acl', 'policy', 'create', '-name', 'app', '-rules', rules], management)).code).toBe(0);
    const created = await cli(['acl', 'token', 'create', '-description', 'app', '-policy-name', 'app', '-format', 'json'], management);
    expect(created.code).toBe(0);
    const token = JSON.parse(created.stdout) as { SecretID: string; AccessorID: string };

    for (const [name, port] of [['web', 80], ['db', 5432]] as const) {
      const reg = await http(client(), 'PUT', '/v1/catalog/register', management, { Node: `${name}-node`, Address: '10.1.1.1', Service: { Service: name, Port: port } });
      expect(reg.status).toBe(200);
    }
    expect((await http(client(), 'PUT', '/v1/kv/secret/y', management, 's')).status).toBe(200);

    const put = await cli(['kv', 'put', '-token', token.SecretID, 'app/x', '1']);
    expect(put.code).toBe(0);
    const secret = await http(client(), 'GET', '/v1/kv/secret/y', token.SecretID);
    expect(secret.status).toBe(403);
    expect(secret.text).toBe(`Permission denied: token with AccessorID '${token.AccessorID}' lacks permission 'key:read' on "secret/y"`);
    const services = await http(client(), 'GET', '/v1/catalog/services', token.SecretID);
    expect(Object.keys(services.json())).toEqual(['web']);
    expect(services.headers.get('x-consul-results-filtered-by-acls')).toBe('true');

    const anonymous = await http(client(), 'GET', '/v1/kv/app/x');
    expect(anonymous.status).toBe(403);
    expect(anonymous.text).toContain("token with AccessorID '00000000-0000-0000-0000-000000000002'");

    // DNS answers with the agent's default token: none (anonymous) denies web; a token that may read web and
    // the nodes (Consul filters instances by node:read too) allows it, and still not db.
    expect((await dig(client().ports.dns, 'web.service.consul')).status).toBe('NXDOMAIN');
    const dnsRules = 'service "web" { policy = "read" }\nnode_prefix "" { policy = "read" }';
    expect((await cli(['acl', 'policy', 'create', '-name', 'dns', '-rules', dnsRules], management)).code).toBe(0);
    const dnsToken = JSON.parse((await cli(['acl', 'token', 'create', '-policy-name', 'dns', '-format', 'json'], management)).stdout) as { SecretID: string };
    expect((await cli(['acl', 'set-agent-token', 'default', dnsToken.SecretID], management)).code).toBe(0);
    const answered = await dig(client().ports.dns, 'web.service.consul');
    expect(answered.status).toBe('NOERROR');
    expect(answered.answer[0]?.[4]).toBe('10.1.1.1');
    expect((await dig(client().ports.dns, 'db.service.consul')).status).toBe('NXDOMAIN');
    // Prepared queries over DNS run with the same default token: web's answers, nothing of db's.
    for (const name of ['web', 'db']) expect((await http(client(), 'POST', '/v1/query', management, { Name: `${name}q`, Service: { Service: name } })).status).toBe(200);
    const viaQuery = await dig(client().ports.dns, 'webq.query.consul');
    expect(viaQuery.status).toBe('NOERROR');
    expect(viaQuery.answer[0]?.[4]).toBe('10.1.1.1');
    expect((await dig(client().ports.dns, 'dbq.query.consul')).answer).toEqual([]);
    // Requests without a token that the client forwards carry its default token too.
    expect(Object.keys((await http(client(), 'GET', '/v1/catalog/services')).json())).toEqual(['web']);
    expect((await cli(['acl', 'set-agent-token', 'default', ''], management)).code).toBe(0);
  });

  it('caches a server’s DNS answers and still follows the policy, the default token and its expiry at once', { timeout: 90_000 }, async () => {
    const s1 = agents[0]!;
    const setDefault = async (secret: string) => expect((await http(s1, 'PUT', '/v1/agent/token/default', management, { Token: secret })).status).toBe(200);
    const web = async () => (await dig(s1.ports.dns, 'web.service.consul')).status;
    const read = 'service "web" { policy = "read" }\nnode_prefix "" { policy = "read" }';
    expect((await cli(['acl', 'policy', 'create', '-name', 'dns-server', '-rules', read], management)).code).toBe(0);
    const token = JSON.parse((await cli(['acl', 'token', 'create', '-policy-name', 'dns-server', '-format', 'json'], management)).stdout) as { SecretID: string };
    expect(await web()).toBe('NXDOMAIN');
    await setDefault(token.SecretID);
    // Asked twice: the second is answered from the cache, and both are the token's answer.
    expect([await web(), await web()]).toEqual(['NOERROR', 'NOERROR']);
    // A policy change reaches the very next answer (an ACL write moves the cache's version)...
    expect((await cli(['acl', 'policy', 'update', '-name', 'dns-server', '-rules', 'service "web" { policy = "deny" }\nnode_prefix "" { policy = "read" }'], management)).code).toBe(0);
    expect(await web()).toBe('NXDOMAIN');
    expect((await cli(['acl', 'policy', 'update', '-name', 'dns-server', '-rules', read], management)).code).toBe(0);
    expect(await web()).toBe('NOERROR');
    // ...so does a new default token...
    await setDefault('');
    expect(await web()).toBe('NXDOMAIN');
    // ...and the default token's expiry, which no write announces: caught by the periodic re-resolution.
    const expiring = JSON.parse((await cli(['acl', 'token', 'create', '-policy-name', 'dns-server', '-expires-ttl', '12s', '-format', 'json'], management)).stdout) as { SecretID: string };
    await setDefault(expiring.SecretID);
    expect([await web(), await web()]).toEqual(['NOERROR', 'NOERROR']);
    // (12 s: room for a loaded machine between the token's creation and the two answers above.)
    await waitFor('the expired default token to stop answering', async () => (await web()) === 'NXDOMAIN', { timeoutMs: 45_000, intervalMs: 250 });
    await setDefault('');
  });

  it('syncs the client agent into the catalog only when acl.tokens.agent may write its node', { timeout: 30_000 }, async () => {
    const node = specs[3]!.name;
    const inCatalog = async () => ((await http(client(), 'GET', '/v1/catalog/service/api', management)).json() as Array<{ Node: string }>).some((e) => e.Node === node);
    // An agent token that may only read the node: anti-entropy reads its entries, and the server refuses its
    // `apply` RPC (the catalog register) with Consul's 403 text.
    expect((await cli(['acl', 'policy', 'create', '-name', 'client-agent', '-rules', `node "${node}" { policy = "read" }`], management)).code).toBe(0);
    const agentToken = JSON.parse((await cli(['acl', 'token', 'create', '-policy-name', 'client-agent', '-format', 'json'], management)).stdout) as { SecretID: string; AccessorID: string };
    expect((await cli(['acl', 'set-agent-token', 'agent', agentToken.SecretID], management)).code).toBe(0);
    const refusal = `token with AccessorID '${agentToken.AccessorID}' lacks permission 'node:write'`;
    expect((await http(client(), 'PUT', '/v1/agent/service/register', management, { Name: 'api', Port: 8080 })).status).toBe(200);
    await waitFor('the server to refuse the sync', async () => client().output().includes(refusal), { timeoutMs: 10_000, intervalMs: 100 });
    expect(await inCatalog()).toBe(false);
    // node and service write: the next sync (a local change syncs at once) reaches the catalog.
    const rules = `node "${node}" { policy = "write" }\nservice "api" { policy = "write" }`;
    expect((await cli(['acl', 'policy', 'update', '-name', 'client-agent', '-rules', rules], management)).code).toBe(0);
    expect((await http(client(), 'PUT', '/v1/agent/service/register', management, { Name: 'api', Port: 8081 })).status).toBe(200);
    await waitFor('the client\'s service in the catalog', inCatalog, { timeoutMs: 15_000, intervalMs: 200 });
  });

  it('stops honouring a deleted token on the client within its cache TTL', { timeout: 30_000 }, async () => {
    const policy = 'agent_prefix "" { policy = "read" }';
    expect((await cli(['acl', 'policy', 'create', '-name', 'agent-reader', '-rules', policy], management)).code).toBe(0);
    const token = JSON.parse((await cli(['acl', 'token', 'create', '-policy-name', 'agent-reader', '-format', 'json'], management)).stdout) as {
      SecretID: string;
      AccessorID: string;
    };
    // /v1/agent/self is answered (and authorized) by the client itself, from its token cache.
    expect((await http(client(), 'GET', '/v1/agent/self', token.SecretID)).status).toBe(200);
    expect((await cli(['acl', 'token', 'delete', '-id', token.AccessorID], management)).code).toBe(0);
    const deletedAt = Date.now();
    await waitFor('the client to refuse the deleted token', async () => (await http(client(), 'GET', '/v1/agent/self', token.SecretID)).status === 403, {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    // token_ttl is 2 s: refused within it (plus a request's time).
    expect(Date.now() - deletedAt).toBeLessThan(4_000);
    expect((await http(client(), 'GET', '/v1/agent/self', token.SecretID)).text).toBe('ACL not found');
  });

  it('keeps tokens and policies across a restart of every server', { timeout: 90_000 }, async () => {
    const before = (await http(client(), 'GET', '/v1/acl/tokens', management)).json() as Array<{ AccessorID: string }>;
    await Promise.all(agents.slice(0, 3).map((a) => stopAgent(a, 'SIGTERM')));
    const restarted = await Promise.all([0, 1, 2].map(startServer));
    agents.splice(0, 3, ...restarted);
    await waitFor(
      'the restarted cluster to answer with the old tokens',
      async () => {
        const res = await http(client(), 'GET', '/v1/acl/tokens', management);
        return res.status === 200 && (res.json() as unknown[]).length === before.length;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect((await http(client(), 'GET', '/v1/kv/app/x', management)).status).toBe(200);
    expect((await http(client(), 'GET', '/v1/kv/app/x')).status).toBe(403);
  });
});
