// acl { ... } in HCL and JSON, and the pre-1.4 top level keys, as Consul reads them.
import { describe, expect, it } from 'vitest';
import { buildAgentConfig } from '../src/config/agent-flags.js';

describe('acl configuration', () => {
  const hcl = `acl {
  enabled = true
  default_policy = "deny"
  down_policy = "async-cache"
  enable_token_persistence = true
  enable_token_replication = true
  token_ttl = "10s"
  policy_ttl = "1m"
  role_ttl = "2s"
  tokens {
    initial_management = "root"
    agent = "agent-secret"
    agent_recovery = "recovery"
    default = "dns-reader"
  }
}`;
  const json = JSON.stringify({
    acl: {
      enabled: true,
      default_policy: 'deny',
      down_policy: 'async-cache',
      enable_token_persistence: true,
      enable_token_replication: true,
      token_ttl: '10s',
      policy_ttl: '1m',
      role_ttl: '2s',
      tokens: { initial_management: 'root', agent: 'agent-secret', agent_recovery: 'recovery', default: 'dns-reader' },
    },
  });

  it('reads the same settings from HCL and JSON', () => {
    const fromHcl = buildAgentConfig(['-dev', '-hcl', hcl], 'h').config.acl;
    expect(fromHcl).toEqual({
      enabled: true,
      defaultPolicy: 'deny',
      downPolicy: 'async-cache',
      enableTokenPersistence: true,
      enableTokenReplication: true,
      tokenTtlMs: 10_000,
      policyTtlMs: 60_000,
      roleTtlMs: 2_000,
      tokens: { initialManagement: 'root', agent: 'agent-secret', agentRecovery: 'recovery', default: 'dns-reader', replication: '' },
    });
    expect(buildAgentConfig(['-dev', '-hcl', json], 'h').config.acl).toEqual(fromHcl);
  });

  it('defaults to ACLs off with allow', () => {
    expect(buildAgentConfig(['-dev'], 'h').config.acl).toMatchObject({ enabled: false, defaultPolicy: 'allow', downPolicy: 'extend-cache' });
  });

  it('reads the legacy names', () => {
    const c = buildAgentConfig(['-dev', '-hcl', 'acl_master_token = "m"\nacl_default_policy = "deny"\nacl_token = "d"\nacl { tokens { master = "m2" } }'], 'h').config.acl;
    expect(c.tokens.initialManagement).toBe('m2');
    expect(c.defaultPolicy).toBe('deny');
    expect(c.tokens.default).toBe('d');
  });

  it('reads primary_datacenter, and the legacy acl_datacenter when it is not set', () => {
    expect(buildAgentConfig(['-dev', '-hcl', 'primary_datacenter = "DC1"'], 'h').config.primaryDatacenter).toBe('dc1');
    expect(buildAgentConfig(['-dev', '-hcl', 'acl_datacenter = "east"'], 'h').config.primaryDatacenter).toBe('east');
    expect(buildAgentConfig(['-dev'], 'h').config.primaryDatacenter).toBe('');
  });

  it('refuses an unknown policy with the key and the value', () => {
    expect(() => buildAgentConfig(['-dev', '-hcl', 'acl { default_policy = "maybe" }'], 'h')).toThrow(/acl\.default_policy: must be "allow" or "deny", got "maybe"/);
    expect(() => buildAgentConfig(['-dev', '-hcl', 'acl { down_policy = "x" }'], 'h')).toThrow(/acl\.down_policy/);
    expect(() => buildAgentConfig(['-dev', '-hcl', 'acl { tokens { bogus = "x" } }'], 'h')).toThrow(/unknown configuration key "acl.tokens.bogus"/);
  });
});
