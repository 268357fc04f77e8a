import { describe, expect, it } from 'vitest';
import {
  ANONYMOUS_TOKEN_ACCESSOR_ID,
  ANONYMOUS_TOKEN_DESCRIPTION,
  ANONYMOUS_TOKEN_SECRET_ID,
  GLOBAL_MANAGEMENT_POLICY_ID,
  GLOBAL_MANAGEMENT_POLICY_NAME,
  GLOBAL_MANAGEMENT_RULES,
} from '@conclave/acl';
import { WatchSet, secretDigest, sha256Base64 } from '@conclave/toolkit';
import { BUILTIN_DIGESTS } from '../src/acl-state.js';
import { StateMachine, type AclTokenInput } from '../src/index.js';

function token(accessor: string, secret: string, policies: string[] = []): AclTokenInput {
  return {
    AccessorID: accessor,
    SecretID: secret,
    Description: '',
    Policies: policies.map((ID) => ({ ID })),
    Roles: [],
    ServiceIdentities: [],
    NodeIdentities: [],
    Local: false,
    CreateTime: '2026-12-07T00:00:00Z',
  };
}

describe('ACL tables', () => {
  it('start with the built-in policy and anonymous token', () => {
    const sm = new StateMachine();
    expect(sm.acl.policy(GLOBAL_MANAGEMENT_POLICY_ID)?.Name).toBe('global-management');
    expect(sm.acl.tokenBySecret('anonymous')?.AccessorID).toBe(ANONYMOUS_TOKEN_ACCESSOR_ID);
  });

  // They are written out so that an agent need not hash at start; here they are hashed as any other record is.
  it('give the built-in records the digests their fields hash to', () => {
    expect(BUILTIN_DIGESTS.globalManagementPolicy).toBe(sha256Base64(JSON.stringify([GLOBAL_MANAGEMENT_POLICY_NAME, GLOBAL_MANAGEMENT_RULES])));
    expect(BUILTIN_DIGESTS.anonymousToken).toBe(sha256Base64(JSON.stringify([ANONYMOUS_TOKEN_DESCRIPTION])));
    expect(BUILTIN_DIGESTS.anonymousSecret).toBe(secretDigest(ANONYMOUS_TOKEN_SECRET_ID));
    const sm = new StateMachine();
    expect(sm.acl.policy(GLOBAL_MANAGEMENT_POLICY_ID)?.Hash).toBe(BUILTIN_DIGESTS.globalManagementPolicy);
  });

  it('bootstraps once, then refuses with the reset index', () => {
    const sm = new StateMachine();
    expect(sm.apply({ type: 'acl.bootstrap', Token: token('a1', 's1') }, 5)).toBe(true);
    expect(sm.acl.tokenBySecret('s1')?.Policies).toEqual([{ ID: GLOBAL_MANAGEMENT_POLICY_ID, Name: 'global-management' }]);
    expect(sm.apply({ type: 'acl.bootstrap', Token: token('a2', 's2') }, 6)).toEqual({ error: 'ACL bootstrap no longer allowed (reset index: 5)' });
    expect(sm.acl.token('a2')).toBeUndefined();
    // The initial management token is idempotent and not refused by an earlier bootstrap.
    expect(sm.apply({ type: 'acl.bootstrap', Token: token('a3', 's3'), InitialManagement: true }, 7)).toBe(true);
    expect(sm.apply({ type: 'acl.bootstrap', Token: token('a4', 's3'), InitialManagement: true }, 8)).toBe(true);
    expect(sm.acl.token('a4')).toBeUndefined();
  });

  it('refuses unknown links, duplicate names and secrets, and the built-ins\' deletion, changing nothing', () => {
    const sm = new StateMachine();
    const policy = { ID: 'p1', Name: 'web', Description: '', Rules: 'service "web" { policy = "read" }', Datacenters: [] };
    expect(sm.apply({ type: 'acl.token.set', Token: token('a1', 's1', ['nope']) }, 1)).toEqual({ error: 'No such ACL policy with ID "nope"' });
    expect(sm.apply({ type: 'acl.policy.set', Policy: policy }, 2)).toBe(true);
    expect(sm.apply({ type: 'acl.policy.set', Policy: { ...policy, ID: 'p2' } }, 3)).toEqual({ error: 'Invalid Policy: A Policy with Name "web" already exists' });
    expect(sm.apply({ type: 'acl.token.set', Token: token('a1', 's1', ['p1']) }, 4)).toBe(true);
    expect(sm.apply({ type: 'acl.token.set', Token: token('a2', 's1') }, 5)).toEqual({ error: 'Invalid Token: SecretID is already in use' });
    expect(sm.apply({ type: 'acl.policy.delete', ID: GLOBAL_MANAGEMENT_POLICY_ID }, 6)).toMatchObject({ error: expect.stringMatching(/not permitted/) });
    expect(sm.apply({ type: 'acl.token.delete', AccessorID: ANONYMOUS_TOKEN_ACCESSOR_ID }, 7)).toMatchObject({ error: expect.stringMatching(/not permitted/) });
    expect(sm.acl.token('a1')?.Policies).toEqual([{ ID: 'p1', Name: 'web' }]);
    expect(sm.acl.maxIndex()).toBe(4);
  });

  it('names links as they are now and drops links to deleted policies', () => {
    const sm = new StateMachine();
    sm.apply({ type: 'acl.policy.set', Policy: { ID: 'p1', Name: 'a', Description: '', Rules: '', Datacenters: [] } }, 1);
    sm.apply({ type: 'acl.role.set', Role: { ID: 'r1', Name: 'role', Description: '', Policies: [{ ID: 'p1' }], ServiceIdentities: [], NodeIdentities: [] } }, 2);
    sm.apply({ type: 'acl.token.set', Token: { ...token('a1', 's1', ['p1']), Roles: [{ ID: 'r1' }] } }, 3);
    sm.apply({ type: 'acl.policy.set', Policy: { ID: 'p1', Name: 'b', Description: '', Rules: '', Datacenters: [] } }, 4);
    expect(sm.acl.token('a1')).toMatchObject({ Policies: [{ ID: 'p1', Name: 'b' }], Roles: [{ ID: 'r1', Name: 'role' }], CreateIndex: 3, ModifyIndex: 3 });
    expect(sm.acl.policy('p1')).toMatchObject({ CreateIndex: 1, ModifyIndex: 4 });
    sm.apply({ type: 'acl.policy.delete', ID: 'p1' }, 5);
    expect(sm.acl.token('a1')?.Policies).toEqual([]);
    expect(sm.acl.roleByName('role')?.Policies).toEqual([]);
  });

  it('travels in snapshots and wakes watchers of the acl topic', () => {
    const sm = new StateMachine();
    sm.apply({ type: 'acl.bootstrap', Token: token('a1', 's1') }, 3);
    const copy = new StateMachine();
    copy.restore(sm.snapshot());
    expect(copy.acl.tokenBySecret('s1')?.AccessorID).toBe('a1');
    expect(copy.acl.bootstrappedAt).toBe(3);
    let woke = 0;
    const { index } = copy.acl.listTokens();
    expect(index).toBe(3);
    const ws = new WatchSet();
    copy.acl.listTokens(ws);
    expect(ws.topics).toEqual(['acl']);
    copy.watches.subscribe(ws, () => woke++);
    copy.apply({ type: 'acl.token.delete', AccessorID: 'a1' }, 4);
    expect(woke).toBe(1);
    expect(copy.acl.tokenBySecret('s1')).toBeUndefined();
  });
});
