// The `acl { ... }` block (Consul's ACL configuration, agent/config/config.go ACL and Tokens) and the pre-1.4 top
// level keys that still mean the same thing. Kept apart from load-config.ts's table, which only points here.
import { ConfigError } from './config-error.js';

export type AclDownPolicy = 'allow' | 'deny' | 'extend-cache' | 'async-cache';

export interface AclSettings {
  enabled: boolean;
  defaultPolicy: 'allow' | 'deny';
  downPolicy: AclDownPolicy;
  enableTokenPersistence: boolean;
  /** acl.enable_token_replication: a secondary datacenter replicates the primary's global tokens too. */
  enableTokenReplication: boolean;
  /** Cache lifetimes on client agents, and on a secondary's servers for the global tokens the primary resolves
   * (acl-server-resolver.ts), in ms (Consul's defaults: 30 s each). */
  tokenTtlMs: number;
  policyTtlMs: number;
  roleTtlMs: number;
  tokens: AclTokens;
}

/** Secrets: never logged, never shown by /v1/agent/self. */
export interface AclTokens {
  initialManagement: string;
  agent: string;
  agentRecovery: string;
  default: string;
  replication: string;
}

export function defaultAclSettings(): AclSettings {
  return {
    enabled: false,
    defaultPolicy: 'allow',
    downPolicy: 'extend-cache',
    enableTokenPersistence: false,
    enableTokenReplication: false,
    tokenTtlMs: 30_000,
    policyTtlMs: 30_000,
    roleTtlMs: 30_000,
    tokens: { initialManagement: '', agent: '', agentRecovery: '', default: '', replication: '' },
  };
}

export function aclDefaultPolicyOf(v: string, origin: string): 'allow' | 'deny' {
  if (v === 'allow' || v === 'deny') return v;
  throw new ConfigError(`${origin}: acl.default_policy: must be "allow" or "deny", got ${JSON.stringify(v)}`);
}

export function aclDownPolicyOf(v: string, origin: string): AclDownPolicy {
  if (v === 'allow' || v === 'deny' || v === 'extend-cache' || v === 'async-cache') return v;
  throw new ConfigError(`${origin}: acl.down_policy: must be "allow", "deny", "extend-cache" or "async-cache", got ${JSON.stringify(v)}`);
}
