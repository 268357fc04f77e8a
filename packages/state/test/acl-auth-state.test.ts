// Auth methods and binding rules in the replicated state: applied in log order, a deleted method taking its rules
// and its logins' tokens with it, malformed commands refused the same way on every replica, and both tables
// carried by snapshots (streamed and restored).
import { describe, expect, it } from 'vitest';
import { StateMachine, type AclAuthMethodInput, type AclTokenInput } from '../src/index.js';

const method = (over: Partial<AclAuthMethodInput> = {}): AclAuthMethodInput => ({
  Name: 'm1',
  Type: 'jwt',
  DisplayName: '',
  Description: '',
  MaxTokenTTL: 0,
  TokenLocality: '',
  Config: { JWTValidationPubKeys: ['pem'] },
  ...over,
});

const token = (id: string, authMethod?: string): AclTokenInput => ({
  AccessorID: `a-${id}`,
  SecretID: `s-${id}`,
  Description: '',
  Policies: [],
  Roles: [],
  ServiceIdentities: [{ ServiceName: 'web' }],
  NodeIdentities: [],
  Local: true,
  CreateTime: '2026-12-07T00:00:00Z',
  ...(authMethod ? { AuthMethod: authMethod } : {}),
});

describe('AclAuthState through the state machine', () => {
  it('keeps methods and rules with their indexes; the Type and a rule\'s method are immutable', () => {
    const sm = new StateMachine();
    expect(sm.apply({ type: 'acl.auth-method.set', Method: method() }, 1)).toBe(true);
    expect(sm.apply({ type: 'acl.auth-method.set', Method: method({ Description: 'd' }) }, 2)).toBe(true);
    expect(sm.aclAuth.authMethod('m1')).toMatchObject({ Description: 'd', CreateIndex: 1, ModifyIndex: 2 });
    expect(sm.apply({ type: 'acl.auth-method.set', Method: method({ Type: 'kubernetes' }) }, 3)).toEqual({ error: 'the Type field of an Auth Method is immutable' });
    const rule = { ID: 'r1', Description: '', AuthMethod: 'm1', Selector: '', BindType: 'service', BindName: 'web' };
    expect(sm.apply({ type: 'acl.binding-rule.set', Rule: { ...rule, AuthMethod: 'nope' } }, 4)).toEqual({ error: 'cannot find auth method with name "nope"' });
    expect(sm.apply({ type: 'acl.binding-rule.set', Rule: rule }, 5)).toBe(true);
    expect(sm.aclAuth.listBindingRules(undefined, 'm1').value.map((r) => r.ID)).toEqual(['r1']);
    expect(sm.aclAuth.listBindingRules(undefined, 'm2').value).toEqual([]);
    expect(sm.maxIndex()).toBe(5);
    expect(sm.apply({ type: 'acl.binding-rule.set', Rule: 'x' } as never, 6)).toEqual({ error: 'malformed acl.binding-rule.set command: Rule must be object' });
  });

  it('deletes a method with its rules and the tokens its logins made, nothing else', () => {
    const sm = new StateMachine();
    sm.apply({ type: 'acl.auth-method.set', Method: method() }, 1);
    sm.apply({ type: 'acl.auth-method.set', Method: method({ Name: 'm2' }) }, 2);
    sm.apply({ type: 'acl.binding-rule.set', Rule: { ID: 'r1', Description: '', AuthMethod: 'm1', Selector: '', BindType: 'service', BindName: 'web' } }, 3);
    sm.apply({ type: 'acl.binding-rule.set', Rule: { ID: 'r2', Description: '', AuthMethod: 'm2', Selector: '', BindType: 'service', BindName: 'web' } }, 4);
    sm.apply({ type: 'acl.token.set', Token: token('1', 'm1') }, 5);
    sm.apply({ type: 'acl.token.set', Token: token('2', 'm2') }, 6);
    sm.apply({ type: 'acl.token.set', Token: token('3') }, 7);
    expect(sm.acl.token('a-1')?.AuthMethod).toBe('m1');
    expect(sm.apply({ type: 'acl.auth-method.delete', Name: 'm1' }, 8)).toBe(true);
    expect(sm.aclAuth.authMethod('m1')).toBeUndefined();
    expect(sm.aclAuth.listBindingRules().value.map((r) => r.ID)).toEqual(['r2']);
    expect(sm.acl.token('a-1')).toBeUndefined();
    expect(sm.acl.token('a-2')).toBeDefined();
    expect(sm.acl.token('a-3')).toBeDefined();
    expect(sm.acl.maxIndex()).toBe(8);
  });

  it('rides in snapshots', async () => {
    const sm = new StateMachine();
    sm.apply({ type: 'acl.auth-method.set', Method: method({ MaxTokenTTL: 600e9, Config: { ClaimMappings: { a: 'b' } } }) }, 1);
    sm.apply({ type: 'acl.binding-rule.set', Rule: { ID: 'r1', Description: 'x', AuthMethod: 'm1', Selector: 'value.b == "c"', BindType: 'templated-policy', BindName: 'builtin/service', BindVars: { Name: '${value.b}' } } }, 2);
    sm.apply({ type: 'acl.token.set', Token: { ...token('1', 'm1'), TemplatedPolicies: [{ TemplateName: 'builtin/dns' }] } }, 3);
    const copy = new StateMachine();
    copy.restore(sm.snapshot());
    expect(copy.aclAuth.snapshot()).toEqual(sm.aclAuth.snapshot());
    expect(copy.acl.token('a-1')).toMatchObject({ AuthMethod: 'm1', TemplatedPolicies: [{ TemplateName: 'builtin/dns' }] });
    const streamed = new StateMachine();
    await streamed.restoreStream(sm.snapshotStream());
    expect(streamed.aclAuth.bindingRule('r1')).toEqual(sm.aclAuth.bindingRule('r1'));
    expect(streamed.maxIndex()).toBe(3);
  });
});
