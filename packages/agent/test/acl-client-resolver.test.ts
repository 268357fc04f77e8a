// A client agent's token cache: within token_ttl no server is asked; after it the server's answer counts (a
// deleted token is refused); when no server answers, down_policy decides.
import { describe, expect, it } from 'vitest';
import { ApiError, type TokenResolution } from '@conclave/http-api';
import { ClientTokenResolver } from '../src/acl-client-resolver.js';
import type { AclDownPolicy } from '../src/config/acl-config.js';

const reader: TokenResolution = {
  accessorId: 'acc-1',
  management: false,
  rules: [{ segments: [{ resource: 'key', name: 'app/', prefix: true, policy: 'read' }], singles: {} }],
};

function setup(downPolicy: AclDownPolicy = 'extend-cache') {
  const clock = { now: 1_000 };
  const server = { calls: 0, answer: reader as TokenResolution | null, down: false };
  const resolver = new ClientTokenResolver({
    fetch: async () => {
      server.calls++;
      if (server.down) throw new Error('No known Consul servers');
      return server.answer;
    },
    ttlMs: 30_000,
    downPolicy,
    defaultPolicy: 'deny',
    defaultToken: () => '',
    now: () => clock.now,
  });
  return { clock, server, resolver };
}

describe('ClientTokenResolver', () => {
  it('answers from its cache within the TTL, without asking a server', async () => {
    const { server, resolver, clock } = setup();
    const first = await resolver.resolve('s1');
    expect(first.accessorId).toBe('acc-1');
    expect(first.authorizer.allowed('key', 'read', 'app/x')).toBe(true);
    expect(first.authorizer.allowed('key', 'write', 'app/x')).toBe(false);
    clock.now += 29_999;
    const again = resolver.resolve('s1');
    expect(again).not.toBeInstanceOf(Promise);
    expect(server.calls).toBe(1);
  });

  it('refuses a token the server no longer knows once the TTL is over', async () => {
    const { server, resolver, clock } = setup();
    await resolver.resolve('s1');
    server.answer = null;
    clock.now += 30_000;
    await expect(Promise.resolve().then(() => resolver.resolve('s1'))).rejects.toMatchObject({ status: 403, message: 'ACL not found' });
  });

  it('follows down_policy when no server answers', async () => {
    for (const [policy, cachedWrite, unknown] of [
      ['extend-cache', false, 'denied'],
      ['async-cache', false, 'denied'],
      ['allow', true, 'allowed'],
      ['deny', false, 'denied'],
    ] as const) {
      const { server, resolver, clock } = setup(policy);
      await resolver.resolve('s1');
      server.down = true;
      clock.now += 60_000;
      const cached = await resolver.resolve('s1');
      // extend-cache / async-cache keep the cached rules (read yes, write no); allow and deny replace them.
      expect(cached.authorizer.allowed('key', 'read', 'app/x'), policy).toBe(policy !== 'deny');
      expect(cached.authorizer.allowed('key', 'write', 'app/x'), policy).toBe(cachedWrite);
      // A token never seen: allow and deny as ever; the cache policies fall back to default_policy (deny here).
      const never = await resolver.resolve('never-seen');
      expect(never.authorizer.allowed('key', 'read', 'x'), policy).toBe(unknown === 'allowed');
    }
  });

  it('under extend-cache, a token never seen gets default_policy while no server answers', async () => {
    const resolver = new ClientTokenResolver({
      fetch: async () => {
        throw new Error('No known Consul servers');
      },
      ttlMs: 30_000,
      downPolicy: 'extend-cache',
      defaultPolicy: 'allow',
      defaultToken: () => '',
    });
    expect((await resolver.resolve('never-seen')).authorizer.allowed('key', 'write', 'x')).toBe(true);
  });

  it('refuses a cached token once its ExpirationTime passes, within the TTL', async () => {
    const { server, resolver, clock } = setup();
    server.answer = { ...reader, expirationTime: new Date(11_000).toISOString() };
    expect((await resolver.resolve('s1')).accessorId).toBe('acc-1');
    clock.now = 10_999;
    expect(() => resolver.resolve('s1')).not.toThrow();
    clock.now = 11_000;
    expect(() => resolver.resolve('s1')).toThrow('ACL not found');
    expect(server.calls).toBe(1);
  });

  it('passes on a refusal the server states, without down_policy and without caching it', async () => {
    let calls = 0;
    const resolver = new ClientTokenResolver({
      fetch: async () => {
        calls++;
        throw new ApiError(403, 'Permission denied: This is a local token in datacenter "dc1"');
      },
      ttlMs: 30_000,
      downPolicy: 'allow',
      defaultPolicy: 'allow',
      defaultToken: () => '',
    });
    await expect(Promise.resolve().then(() => resolver.resolve('s1'))).rejects.toMatchObject({ status: 403, message: 'Permission denied: This is a local token in datacenter "dc1"' });
    await expect(Promise.resolve().then(() => resolver.resolve('s1'))).rejects.toMatchObject({ status: 403 });
    expect(calls).toBe(2);
  });

  it('keeps a token made of policies no longer than policy_ttl, of roles no longer than role_ttl', async () => {
    const clock = { now: 0 };
    const answers: Record<string, TokenResolution> = {
      identities: { ...reader, policyIds: [], roleIds: [] },
      policies: { ...reader, policyIds: ['p1'], roleIds: [] },
      roles: { ...reader, policyIds: [], roleIds: ['r1'] },
      both: { ...reader, policyIds: ['p1'], roleIds: ['r1'] },
    };
    const calls: string[] = [];
    const resolver = new ClientTokenResolver({
      fetch: async (secret) => (calls.push(secret), answers[secret]!),
      ttlMs: 30_000,
      policyTtlMs: 10_000,
      roleTtlMs: 5_000,
      downPolicy: 'extend-cache',
      defaultPolicy: 'deny',
      defaultToken: () => '',
      now: () => clock.now,
    });
    for (const secret of Object.keys(answers)) await resolver.resolve(secret);
    expect(calls).toHaveLength(4);
    const refetched = async (at: number) => {
      clock.now = at;
      calls.length = 0;
      for (const secret of Object.keys(answers)) await resolver.resolve(secret);
      return [...calls].sort();
    };
    // Role TTL (5 s) bounds the role-made ones; policy TTL (10 s) the policy-made one; token TTL the rest.
    expect(await refetched(4_999)).toEqual([]);
    expect(await refetched(5_000)).toEqual(['both', 'roles']);
    expect(await refetched(10_000)).toEqual(['both', 'policies', 'roles']);
    expect(await refetched(30_000)).toEqual(['both', 'identities', 'policies', 'roles']);
  });

  it('uses the agent default token for requests without one', async () => {
    const seen: string[] = [];
    const resolver = new ClientTokenResolver({
      fetch: async (secret) => (seen.push(secret), reader),
      ttlMs: 1000,
      downPolicy: 'extend-cache',
      defaultPolicy: 'deny',
      defaultToken: () => 'agent-default',
    });
    await resolver.resolve('');
    expect(seen).toEqual(['agent-default']);
  });
});
