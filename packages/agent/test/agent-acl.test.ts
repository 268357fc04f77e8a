// The agent's own tokens: /v1/agent/token kinds, persistence across restarts (enable_token_persistence), and the
// agent recovery token, which works without any server.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StateMachine } from '@conclave/state';
import { silentLogger } from '@conclave/toolkit';
import { ACL_TOKENS_FILE, AgentAcl } from '../src/agent-acl.js';
import { defaultAclSettings } from '../src/config/acl-config.js';

function settings(over: Partial<ReturnType<typeof defaultAclSettings>> = {}) {
  return { ...defaultAclSettings(), enabled: true, defaultPolicy: 'deny' as const, ...over };
}

describe('AgentAcl', () => {
  it('sets tokens by current and legacy kind, and refuses unknown kinds', async () => {
    const acl = new AgentAcl(settings(), '', 'n1', silentLogger);
    expect(await acl.set('default', 'd')).toBe(true);
    expect(await acl.set('acl_agent_token', 'a')).toBe(true);
    expect(await acl.set('agent_master', 'r')).toBe(true);
    expect(await acl.set('bogus', 'x')).toBe(false);
    expect(acl.tokens).toMatchObject({ default: 'd', agent: 'a', agentRecovery: 'r' });
  });

  it('keeps tokens set at run time across restarts with enable_token_persistence, readable only by the agent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-acl-tokens-'));
    const first = new AgentAcl(settings({ enableTokenPersistence: true }), dir, 'n1', silentLogger);
    await first.set('default', 'dns-token');
    await first.set('agent_recovery', 'recover');
    expect(JSON.parse(readFileSync(join(dir, ACL_TOKENS_FILE), 'utf8'))).toEqual({ default: 'dns-token', agent_recovery: 'recover' });
    expect(statSync(join(dir, ACL_TOKENS_FILE)).mode & 0o777).toBe(0o600);
    const second = new AgentAcl(settings({ enableTokenPersistence: true }), dir, 'n1', silentLogger);
    expect(second.tokens).toMatchObject({ default: 'dns-token', agentRecovery: 'recover' });
    const notPersisting = new AgentAcl(settings(), dir, 'n1', silentLogger);
    expect(notPersisting.tokens.default).toBe('');
  });

  it('lets the recovery token use this agent without asking any server', async () => {
    const acl = new AgentAcl(settings({ tokens: { ...defaultAclSettings().tokens, agentRecovery: 'recover' } }), '', 'n1', silentLogger);
    const backend = acl.backend(async () => {
      throw new Error('No known Consul servers');
    })!;
    const t = await backend.resolve('recover');
    expect(t.authorizer.allowed('agent', 'write', 'n1')).toBe(true);
    expect(t.authorizer.allowed('agent', 'write', 'n2')).toBe(false);
    expect(t.authorizer.allowed('node', 'read', 'any')).toBe(true);
    expect(t.authorizer.allowed('key', 'read', 'x')).toBe(false);
  });

  it('is off without acl.enabled, and resolves from the state on a server', async () => {
    expect(new AgentAcl(defaultAclSettings(), '', 'n1', silentLogger).backend(undefined)).toBeUndefined();
    const acl = new AgentAcl(settings(), '', 'n1', silentLogger);
    acl.serverResolver(new StateMachine(), 'dc1', undefined);
    const backend = acl.backend(undefined)!;
    const anonymous = await backend.resolve('');
    expect(anonymous.accessorId).toBe('00000000-0000-0000-0000-000000000002');
    expect(anonymous.authorizer.allowed('key', 'read', 'x')).toBe(false);
  });
});
