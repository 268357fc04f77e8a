// From a request's SecretID to what it may do, on an agent that holds the replicated state (a server, or -dev):
// the token, its policies, its roles' policies and its service and node identities compiled into one
// Authorizer (resolutionOf compiles a token the primary datacenter answered the same way, agent's
// acl-server-resolver.ts). Compiled authorizers are kept until the ACL tables change (their index moves), so the
// hot path is one Map lookup (and one SHA-256 when the connection has not sent this secret before, toolkit's
// secret-digest.ts); the cache is keyed by the secret's digest, never by the secret.
import {
  ACL_NOT_FOUND,
  Authorizer,
  GLOBAL_MANAGEMENT_POLICY_ID,
  parseRules,
  renderTemplatedPolicy,
  type TemplatedPolicyLink,
  type DefaultPolicy,
  type PolicyRules,
  type SegmentRule,
} from '@conclave/acl';
import type { AclPolicy, AclRole, AclServiceIdentity, AclNodeIdentity, AclToken, StateReader } from '@conclave/state';
import { ApiError } from './api-error.js';
import { secretDigest } from '@conclave/toolkit';

/** A request's token, resolved: who it is (for 403 texts and /v1/acl/token/self) and what it may do. */
export interface ResolvedToken {
  accessorId: string;
  authorizer: Authorizer;
  /** The stored token (absent for a synthetic one such as an agent recovery token). */
  token?: AclToken;
}

/** What the HTTP API asks when ACLs are enabled (ApiBackend.acl). */
export interface AclBackend {
  /** Resolves a SecretID (`''`: the agent's default token, else anonymous). Rejects with a 403 `ACL not found`
   * ApiError when no live token has it. `connection`: the request's connection (its socket, or its HTTP/2
   * session: request-connection.ts), so that a keep-alive client's repeated secret is not hashed again
   * (secretDigest). */
  resolve(secret: string, connection?: object): Promise<ResolvedToken> | ResolvedToken;
  /** The agent's own tokens (`/v1/agent/token/<kind>`); absent where they cannot be set. */
  readonly agentTokens?: AgentTokenStore;
  /** acl.tokens.default: sent with requests forwarded to a server that carry no token of their own, as Consul's
   * client agents do. */
  defaultToken?(): string;
}

/** The agent tokens that `/v1/agent/token/<kind>` sets at run time. */
export interface AgentTokenStore {
  /** Sets one kind (`default`, `agent`, `agent_recovery`, `replication`, `config_file_service_registration`, and
   * their legacy names); false for an unknown kind. */
  set(kind: string, secret: string): Promise<boolean> | boolean;
}

export interface StateTokenResolverOptions {
  defaultPolicy: 'allow' | 'deny';
  datacenter: string;
  /** acl.tokens.default (read at each request without a token: it can change at run time). */
  defaultToken(): string;
  /** For ExpirationTime; default Date.now. */
  now?(): number;
}

interface Cached {
  aclIndex: number;
  resolved: ResolvedToken;
  /** The token's ExpirationTime in ms, parsed once; undefined when it does not expire. */
  expiresAt: number | undefined;
}

const MAX_CACHED = 10_000;

export class StateTokenResolver implements AclBackend {
  private readonly cache = new Map<string, Cached>();
  private readonly parsed = new Map<string, { modifyIndex: number; rules: PolicyRules }>();

  constructor(
    private readonly state: StateReader,
    private readonly opts: StateTokenResolverOptions,
  ) {}

  resolve(secret: string, connection?: object): ResolvedToken {
    const effective = secret || this.opts.defaultToken() || 'anonymous';
    const digest = secretDigest(effective, connection);
    const aclIndex = this.state.acl.maxIndex();
    const hit = this.cache.get(digest);
    // The clock is read only for a token that expires: this is every request's path with ACLs on.
    if (hit && hit.aclIndex === aclIndex && (hit.expiresAt === undefined || hit.expiresAt > this.now())) return hit.resolved;
    const token = this.state.acl.tokenBySecret(effective, connection);
    const r = token && this.resolutionOf(token);
    if (!r) throw new ApiError(403, ACL_NOT_FOUND);
    const resolved = { accessorId: r.accessorId, authorizer: compileResolution(r, this.opts.defaultPolicy), token };
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    const expiration = token.ExpirationTime;
    this.cache.set(digest, { aclIndex, resolved, expiresAt: expiration === undefined ? undefined : Date.parse(expiration) });
    return resolved;
  }

  /** What a token grants, as plain data (for a client agent to compile and cache): undefined when no live
   * token has this secret. */
  resolution(secret: string): TokenResolution | undefined {
    const token = this.state.acl.tokenBySecret(secret);
    return token && this.resolutionOf(token);
  }

  /** What a token grants, as plain data, with the policies and roles it links to from this state, else from
   * `fetched` (a global token resolved by the primary datacenter links to some this replica may not hold yet);
   * undefined when it has expired. Policies and identities scoped to other datacenters grant nothing here. */
  resolutionOf(token: TokenLinks, fetched: FetchedAcls = {}): TokenResolution | undefined {
    if (expired(token, this.now())) return undefined;
    // Which policies and roles went into it, so a client agent keeps it no longer than acl.policy_ttl /
    // acl.role_ttl when it has any (acl-client-resolver.ts).
    const roles = token.Roles.map((link) => this.role(link.ID, fetched)).filter((r) => r !== undefined);
    const policyIds = new Set([...token.Policies.map((p) => p.ID), ...roles.flatMap((r) => r.Policies.map((p) => p.ID))]);
    return {
      accessorId: token.AccessorID,
      expirationTime: token.ExpirationTime,
      ...this.rulesOf(token, roles, fetched),
      policyIds: [...policyIds],
      roleIds: roles.map((r) => r.ID),
    };
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  private role(id: string, fetched: FetchedAcls): AclRole | undefined {
    return this.state.acl.role(id) ?? fetched.roles?.get(id);
  }

  private rulesOf(token: TokenLinks, roles: AclRole[], fetched: FetchedAcls): { management: boolean; rules: PolicyRules[] } {
    const policyIds = new Set(token.Policies.map((p) => p.ID));
    const identities: PolicyRules[] = [];
    for (const role of roles) {
      for (const p of role.Policies) policyIds.add(p.ID);
      identities.push(...role.ServiceIdentities.flatMap((s) => this.serviceIdentity(s)), ...role.NodeIdentities.flatMap((n) => this.nodeIdentity(n)));
      identities.push(...(role.TemplatedPolicies ?? []).flatMap((t) => this.templated(t)));
    }
    identities.push(...token.ServiceIdentities.flatMap((s) => this.serviceIdentity(s)), ...token.NodeIdentities.flatMap((n) => this.nodeIdentity(n)));
    identities.push(...(token.TemplatedPolicies ?? []).flatMap((t) => this.templated(t)));
    // The built-in management policy is everything, ACL management included (Consul's manageAll).
    if (policyIds.has(GLOBAL_MANAGEMENT_POLICY_ID)) return { management: true, rules: [] };
    const rules = [...policyIds].flatMap((id) => this.policyRules(id, fetched));
    return { management: false, rules: [...rules, ...identities] };
  }

  private policyRules(id: string, fetched: FetchedAcls): PolicyRules[] {
    const local = this.state.acl.policy(id);
    const p = local ?? fetched.policies?.get(id);
    if (!p) return [];
    if (p.Datacenters.length > 0 && !p.Datacenters.includes(this.opts.datacenter)) return [];
    // A fetched policy's ModifyIndex is the primary's: parsed each time, never cached against this replica's.
    if (!local) return parsedOrNothing(p.Rules);
    const cached = this.parsed.get(id);
    if (cached && cached.modifyIndex === local.ModifyIndex) return [cached.rules];
    // Stored rules were validated when written; a policy that no longer parses grants nothing.
    const rules = parsedOrNothing(local.Rules);
    if (rules[0]) this.parsed.set(id, { modifyIndex: local.ModifyIndex, rules: rules[0] });
    return rules;
  }

  /** A templated policy's synthetic policy: its rendered rules (stored links were validated when written). */
  private templated(t: TemplatedPolicyLink): PolicyRules[] {
    if (t.Datacenters?.length && !t.Datacenters.includes(this.opts.datacenter)) return [];
    let rendered: string;
    try {
      rendered = renderTemplatedPolicy(t);
    } catch {
      return [];
    }
    return parsedOrNothing(rendered);
  }

  /** Consul's service identity policy: write on the service and its sidecar, read on every service and node. */
  private serviceIdentity(s: AclServiceIdentity): PolicyRules[] {
    if (s.Datacenters?.length && !s.Datacenters.includes(this.opts.datacenter)) return [];
    const seg = (resource: SegmentRule['resource'], name: string, prefix: boolean, policy: SegmentRule['policy']): SegmentRule => ({ resource, name, prefix, policy });
    return [
      {
        segments: [
          seg('service', s.ServiceName, false, 'write'),
          seg('service', `${s.ServiceName}-sidecar-proxy`, false, 'write'),
          seg('service', '', true, 'read'),
          seg('node', '', true, 'read'),
        ],
        singles: {},
      },
    ];
  }

  /** Consul's node identity policy: write on the node, read on every service. */
  private nodeIdentity(n: AclNodeIdentity): PolicyRules[] {
    if (n.Datacenter && n.Datacenter !== this.opts.datacenter) return [];
    return [
      {
        segments: [
          { resource: 'node', name: n.NodeName, prefix: false, policy: 'write' },
          { resource: 'service', name: '', prefix: true, policy: 'read' },
        ],
        singles: {},
      },
    ];
  }
}

/** A token's grants as plain data: what crosses agent RPC from a server to a client agent's cache. */
export interface TokenResolution {
  accessorId: string;
  /** The built-in global-management policy: everything, ACL management included. */
  management: boolean;
  rules: PolicyRules[];
  expirationTime?: string;
  /** The policies (the token's and its roles') and roles it was made of; absent from older servers. */
  policyIds?: string[];
  roleIds?: string[];
}

/** What a token links to and grants by itself: a stored token, or one the primary datacenter answered. */
export type TokenLinks = Pick<AclToken, 'AccessorID' | 'Policies' | 'Roles' | 'ServiceIdentities' | 'NodeIdentities' | 'TemplatedPolicies' | 'ExpirationTime'>;

/** Policies and roles read from the primary datacenter, by ID. */
export interface FetchedAcls {
  policies?: ReadonlyMap<string, Pick<AclPolicy, 'Rules' | 'Datacenters'>>;
  roles?: ReadonlyMap<string, AclRole>;
}

function parsedOrNothing(rules: string): PolicyRules[] {
  try {
    return [parseRules(rules)];
  } catch {
    return [];
  }
}

/** The authorizer for a resolution, falling back to the cluster's default policy. */
export function compileResolution(r: TokenResolution, defaultPolicy: 'allow' | 'deny'): Authorizer {
  return r.management ? Authorizer.compile([], 'manage') : Authorizer.compile(r.rules, defaultPolicy satisfies DefaultPolicy);
}

function expired(token: Pick<AclToken, 'ExpirationTime'> | undefined, now: number): boolean {
  return token?.ExpirationTime !== undefined && Date.parse(token.ExpirationTime) <= now;
}
