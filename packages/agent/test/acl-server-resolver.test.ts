// A secondary datacenter's server without token replication: its local tokens come from its own state, global
// ones from the primary (GET /v1/acl/token/self there), compiled with the replicated policies, or with the
// primary's when replication has not brought them yet; kept for token_ttl; down_policy when the primary is away.
import { describe, expect, it } from 'vitest';
import type { ForwardedRequest, RequestForwarder } from '@conclave/http-api';
import { StateMachine, type Command } from '@conclave/state';
import { silentLogger } from '@conclave/toolkit';
import { ServerTokenResolver } from '../src/acl-server-resolver.js';
import { defaultAclSettings, type AclDownPolicy } from '../src/config/acl-config.js';

const RULES = { kv: 'key_prefix "app/" { policy = "write" }', unreplicated: 'key_prefix "new/" { policy = "read" }', elsewhere: 'key_prefix "dc3/" { policy = "read" }' };

function primaryToken(over: Record<string, unknown> = {}) {
  return { AccessorID: 'acc-global', SecretID: 'global-secret', Description: '', Policies: [{ ID: 'p-kv', Name: 'kv' }], Local: false, ...over };
}

function setup(downPolicy: AclDownPolicy = 'extend-cache', primary = true) {
  const state = new StateMachine();
  let index = 0;
  const apply = (cmd: Command) => state.apply(cmd, ++index);
  apply({ type: 'acl.policy.set', Policy: { ID: 'p-kv', Name: 'kv', Description: '', Rules: RULES.kv, Datacenters: [] } });
  apply({ type: 'acl.policy.set', Policy: { ID: 'p-dc3', Name: 'dc3', Description: '', Rules: RULES.elsewhere, Datacenters: ['dc3'] } });
  const base = { Description: '', Roles: [], ServiceIdentities: [], NodeIdentities: [], CreateTime: new Date().toISOString() };
  apply({ type: 'acl.token.set', Token: { ...base, AccessorID: 'acc-local', SecretID: 'local-secret', Policies: [{ ID: 'p-kv' }], Local: true } });
  // A stale copy of a global token (say, from before token replication was turned off) is not trusted.
  apply({ type: 'acl.token.set', Token: { ...base, AccessorID: 'acc-global', SecretID: 'global-secret', Policies: [{ ID: 'p-kv' }], Local: false } });
  const remote = {
    up: true,
    requests: [] as Array<{ path: string; token: string }>,
    tokens: new Map<string, Record<string, unknown>>([['global-secret', primaryToken()]]),
    policies: new Map<string, Record<string, unknown>>([['p-new', { ID: 'p-new', Name: 'new', Rules: RULES.unreplicated, Datacenters: [] }]]),
  };
  const forwarder: RequestForwarder = {
    shouldForward: () => true,
    forward: async (req: ForwardedRequest) => {
      if (!remote.up) throw new Error('No path to datacenter');
      const [path, query] = req.url.split('?');
      expect(new URLSearchParams(query).get('dc')).toBe('dc1');
      const token = String(req.headers['x-consul-token'] ?? '');
      remote.requests.push({ path: path!, token });
      const reply = (status: number, body: unknown) => ({ status, headers: {}, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) });
      if (path === '/v1/acl/token/self') {
        const t = remote.tokens.get(token);
        return t ? reply(200, t) : reply(403, 'ACL not found');
      }
      const m = /^\/v1\/acl\/policy\/(.+)$/.exec(path!);
      if (m && token === 'replication-secret') return remote.policies.has(m[1]!) ? reply(200, remote.policies.get(m[1]!)) : reply(403, 'ACL not found');
      return reply(403, 'Permission denied');
    },
  };
  const clock = { now: Date.now() };
  const settings = { ...defaultAclSettings(), enabled: true, defaultPolicy: 'deny' as const, downPolicy, tokenTtlMs: 30_000 };
  const resolver = new ServerTokenResolver(state, {
    settings,
    datacenter: 'dc2',
    defaultToken: () => '',
    primary: primary ? { datacenter: 'dc1', forwarder: () => forwarder, replicationToken: () => 'replication-secret' } : undefined,
    logger: silentLogger,
    now: () => clock.now,
  });
  return { state, resolver, remote, clock };
}

describe('ServerTokenResolver in a secondary datacenter without token replication', () => {
  it('resolves a global token by the primary, with the replicated policies, and keeps it for token_ttl', async () => {
    const { resolver, remote, clock } = setup();
    const t = await resolver.resolve('global-secret');
    expect(t.accessorId).toBe('acc-global');
    expect(t.authorizer.allowed('key', 'write', 'app/x')).toBe(true);
    expect(t.authorizer.allowed('key', 'read', 'other')).toBe(false);
    expect(remote.requests).toEqual([{ path: '/v1/acl/token/self', token: 'global-secret' }]);
    clock.now += 29_999;
    await resolver.resolve('global-secret');
    expect(remote.requests).toHaveLength(1);
    // Deleted in the primary: refused once the TTL has passed.
    remote.tokens.delete('global-secret');
    clock.now += 1;
    await expect(Promise.resolve().then(() => resolver.resolve('global-secret'))).rejects.toMatchObject({ status: 403, message: 'ACL not found' });
  });

  it('resolves local tokens from its own state, without the primary', async () => {
    const { resolver, remote } = setup();
    remote.up = false;
    const t = await resolver.resolve('local-secret');
    expect(t.accessorId).toBe('acc-local');
    expect(t.authorizer.allowed('key', 'write', 'app/x')).toBe(true);
    expect((await resolver.resolution('local-secret'))?.accessorId).toBe('acc-local');
    expect(remote.requests).toEqual([]);
  });

  it('reads the policies replication has not brought yet from the primary; policies for other datacenters grant nothing', async () => {
    const { resolver, remote } = setup();
    remote.tokens.set('global-secret', primaryToken({ Policies: [{ ID: 'p-new' }, { ID: 'p-dc3' }, { ID: 'p-gone' }] }));
    const t = await resolver.resolve('global-secret');
    expect(t.authorizer.allowed('key', 'read', 'new/x')).toBe(true);
    expect(t.authorizer.allowed('key', 'read', 'dc3/x')).toBe(false);
    expect(t.authorizer.allowed('key', 'read', 'app/x')).toBe(false);
    expect(remote.requests.map((r) => `${r.path} ${r.token}`)).toEqual([
      '/v1/acl/token/self global-secret',
      '/v1/acl/policy/p-new replication-secret',
      '/v1/acl/policy/p-gone replication-secret',
    ]);
  });

  it('refuses another datacenter\'s local token, and answers a client agent uncached', async () => {
    const { resolver, remote } = setup();
    remote.tokens.set('dc1-local', primaryToken({ AccessorID: 'acc-dc1', Local: true }));
    await expect(Promise.resolve().then(() => resolver.resolve('dc1-local'))).rejects.toMatchObject({ status: 403, message: 'Permission denied: This is a local token in datacenter "dc1"' });
    expect(await resolver.resolution('global-secret')).toMatchObject({ accessorId: 'acc-global' });
    expect(await resolver.resolution('global-secret')).toMatchObject({ accessorId: 'acc-global' });
    expect(await resolver.resolution('nope')).toBeNull();
    expect(remote.requests.filter((r) => r.token === 'global-secret')).toHaveLength(2);
    remote.up = false;
    await expect(resolver.resolution('global-secret')).rejects.toThrow('No path to datacenter');
  });

  it('follows down_policy while the primary is unreachable', async () => {
    for (const [policy, cached, unknown] of [
      ['extend-cache', true, false],
      ['async-cache', true, false],
      ['allow', true, true],
      ['deny', false, false],
    ] as const) {
      const { resolver, remote, clock } = setup(policy);
      await resolver.resolve('global-secret');
      remote.up = false;
      clock.now += 60_000;
      expect((await resolver.resolve('global-secret')).authorizer.allowed('key', 'write', 'app/x'), policy).toBe(cached);
      expect((await resolver.resolve('never-seen')).authorizer.allowed('key', 'write', 'app/x'), policy).toBe(unknown);
      // The anonymous token is global: the primary's too.
      expect((await resolver.resolve('')).authorizer.allowed('key', 'write', 'app/x'), policy).toBe(unknown);
    }
  });

  it('answers every token from its own state when it is not a secondary without token replication', async () => {
    const { resolver, remote } = setup('extend-cache', false);
    expect((await resolver.resolve('global-secret')).accessorId).toBe('acc-global');
    expect((await resolver.resolveRpc('')).accessorId).toBe('00000000-0000-0000-0000-000000000002');
    expect(remote.requests).toEqual([]);
  });
});
