// The ACL tables: tokens, policies and roles, replicated like every other table. The built-in global-management
// policy and anonymous token exist from index 0 on every replica (Consul creates them when a leader is first
// elected; here no log entry is needed, so a cluster with ACLs off carries them too, unused). Tokens are also
// indexed by a SHA-256 of their SecretID so that finding a token never compares secrets byte by byte.
import {
  ANONYMOUS_TOKEN_ACCESSOR_ID,
  ANONYMOUS_TOKEN_DESCRIPTION,
  ANONYMOUS_TOKEN_SECRET_ID,
  GLOBAL_MANAGEMENT_POLICY_DESCRIPTION,
  GLOBAL_MANAGEMENT_POLICY_ID,
  GLOBAL_MANAGEMENT_POLICY_NAME,
  GLOBAL_MANAGEMENT_RULES,
} from '@conclave/acl';
import type { CommandFailure } from '@conclave/catalog';
import { constantTimeEqual, secretDigest, sha256Base64, type WatchHub, type WatchSet } from '@conclave/toolkit';
import type { AclCommand, AclLink, AclPolicy, AclPolicyInput, AclRole, AclRoleInput, AclToken, AclTokenInput } from './acl-commands.js';

export const TOPIC_ACL = 'acl';

export interface AclSnapshot {
  tokens: AclToken[];
  policies: AclPolicy[];
  roles: AclRole[];
  bootstrapIndex: number;
  tableIndex: number;
}

export interface AclQuery<T> {
  index: number;
  value: T;
}

/** The read side, for StateReader. */
export type AclReader = Pick<
  AclState,
  'token' | 'tokenBySecret' | 'listTokens' | 'policy' | 'policyByName' | 'listPolicies' | 'role' | 'roleByName' | 'listRoles' | 'bootstrappedAt' | 'maxIndex'
>;

export class AclState {
  private tokens = new Map<string, AclToken>();
  private bySecret = new Map<string, string>();
  private policies = new Map<string, AclPolicy>();
  private roles = new Map<string, AclRole>();
  private bootstrapIndex = 0;
  private tableIndex = 0;

  constructor(private readonly hub: WatchHub) {
    this.reset();
  }

  apply(cmd: AclCommand, index: number): true | CommandFailure {
    const result = this.dispatch(cmd, index);
    if (result === true) {
      this.tableIndex = index;
      this.hub.notifyTopic(TOPIC_ACL);
    }
    return result;
  }

  private dispatch(cmd: AclCommand, index: number): true | CommandFailure {
    switch (cmd.type) {
      case 'acl.bootstrap': {
        if (cmd.InitialManagement && this.tokenBySecret(cmd.Token.SecretID)) return true;
        if (!cmd.InitialManagement && this.bootstrapIndex !== 0)
          return { error: `ACL bootstrap no longer allowed (reset index: ${this.bootstrapIndex})` };
        const token = { ...cmd.Token, Policies: [{ ID: GLOBAL_MANAGEMENT_POLICY_ID }] };
        const set = this.setToken(token, index);
        if (set !== true) return set;
        if (this.bootstrapIndex === 0) this.bootstrapIndex = index;
        return true;
      }
      case 'acl.token.set':
        return this.setToken(cmd.Token, index);
      case 'acl.token.delete': {
        if (cmd.AccessorID === ANONYMOUS_TOKEN_ACCESSOR_ID) return { error: 'Delete operation not permitted on the anonymous token' };
        const t = this.tokens.get(cmd.AccessorID);
        if (!t) return true;
        this.tokens.delete(t.AccessorID);
        this.bySecret.delete(secretDigest(t.SecretID));
        return true;
      }
      case 'acl.policy.set':
        return this.setPolicy(cmd.Policy, index);
      case 'acl.policy.delete':
        if (cmd.ID === GLOBAL_MANAGEMENT_POLICY_ID) return { error: 'Deletion of the builtin global-management policy is not permitted' };
        this.policies.delete(cmd.ID);
        return true;
      case 'acl.role.set':
        return this.setRole(cmd.Role, index);
      case 'acl.role.delete':
        this.roles.delete(cmd.ID);
        return true;
      default:
        return { error: `unknown acl command type ${(cmd as { type: string }).type}` };
    }
  }

  private setToken(input: AclTokenInput, index: number): true | CommandFailure {
    if (!input.AccessorID || !input.SecretID) return { error: 'Invalid Token: AccessorID and SecretID are required' };
    const holder = this.bySecret.get(secretDigest(input.SecretID));
    if (holder !== undefined && holder !== input.AccessorID) return { error: 'Invalid Token: SecretID is already in use' };
    const old = this.tokens.get(input.AccessorID);
    if (old && old.SecretID !== input.SecretID) return { error: 'Invalid Token: Cannot modify the SecretID of an existing token' };
    const missing = this.missingLinks(input.Policies, input.Roles);
    if (missing) return { error: missing };
    const token: AclToken = {
      ...input,
      Policies: input.Policies.map(({ ID }) => ({ ID })),
      Roles: input.Roles.map(({ ID }) => ({ ID })),
      Hash: recordHash([input.Description, input.Policies.map((p) => p.ID), input.Roles.map((r) => r.ID), input.ServiceIdentities, input.NodeIdentities, input.Local, ...(input.TemplatedPolicies?.length ? [input.TemplatedPolicies] : [])]),
      CreateIndex: old?.CreateIndex ?? index,
      ModifyIndex: index,
    };
    this.tokens.set(token.AccessorID, token);
    this.bySecret.set(secretDigest(token.SecretID), token.AccessorID);
    return true;
  }

  private setPolicy(input: AclPolicyInput, index: number): true | CommandFailure {
    if (!input.ID || !input.Name) return { error: 'Invalid Policy: no name is set' };
    const named = this.policyByName(input.Name);
    if (named && named.ID !== input.ID) return { error: `Invalid Policy: A Policy with Name ${JSON.stringify(input.Name)} already exists` };
    const old = this.policies.get(input.ID);
    if (input.ID === GLOBAL_MANAGEMENT_POLICY_ID && old) {
      if (input.Rules !== old.Rules) return { error: 'Changing the Rules for the builtin global-management policy is not permitted' };
      if (input.Datacenters.length) return { error: 'Changing the Datacenters of the builtin global-management policy is not permitted' };
    }
    this.policies.set(input.ID, {
      ...input,
      Hash: recordHash([input.Name, input.Description, input.Rules, input.Datacenters]),
      CreateIndex: old?.CreateIndex ?? index,
      ModifyIndex: index,
    });
    return true;
  }

  private setRole(input: AclRoleInput, index: number): true | CommandFailure {
    if (!input.ID || !input.Name) return { error: 'Invalid Role: no name is set' };
    const named = [...this.roles.values()].find((r) => r.Name === input.Name);
    if (named && named.ID !== input.ID) return { error: `Invalid Role: A Role with Name ${JSON.stringify(input.Name)} already exists` };
    const missing = this.missingLinks(input.Policies, []);
    if (missing) return { error: missing };
    const old = this.roles.get(input.ID);
    this.roles.set(input.ID, {
      ...input,
      Policies: input.Policies.map(({ ID }) => ({ ID })),
      Hash: recordHash([input.Name, input.Description, input.Policies.map((p) => p.ID), input.ServiceIdentities, input.NodeIdentities, ...(input.TemplatedPolicies?.length ? [input.TemplatedPolicies] : [])]),
      CreateIndex: old?.CreateIndex ?? index,
      ModifyIndex: index,
    });
    return true;
  }

  private missingLinks(policies: readonly AclLink[], roles: readonly AclLink[]): string | undefined {
    for (const p of policies) if (!this.policies.has(p.ID)) return `No such ACL policy with ID ${JSON.stringify(p.ID)}`;
    for (const r of roles) if (!this.roles.has(r.ID)) return `No such ACL role with ID ${JSON.stringify(r.ID)}`;
    return undefined;
  }

  // Reads. Links come back with their current names; links to deleted policies and roles are left out.

  token(accessorId: string): AclToken | undefined {
    const t = this.tokens.get(accessorId);
    return t && this.withNames(t);
  }

  /** The token whose SecretID is `secret`, found by digest and confirmed with a constant-time compare;
   * `connection` (the request's socket) lets secretDigest skip hashing a secret the connection sent before. */
  tokenBySecret(secret: string, connection?: object): AclToken | undefined {
    const accessor = this.bySecret.get(secretDigest(secret, connection));
    const t = accessor === undefined ? undefined : this.tokens.get(accessor);
    if (!t) return undefined;
    return constantTimeEqual(t.SecretID, secret) ? this.withNames(t) : undefined;
  }

  listTokens(ws?: WatchSet): AclQuery<AclToken[]> {
    ws?.addTopic(TOPIC_ACL);
    return { index: this.tableIndex, value: [...this.tokens.values()].map((t) => this.withNames(t)) };
  }

  policy(id: string): AclPolicy | undefined {
    return this.policies.get(id);
  }

  policyByName(name: string): AclPolicy | undefined {
    for (const p of this.policies.values()) if (p.Name === name) return p;
    return undefined;
  }

  listPolicies(ws?: WatchSet): AclQuery<AclPolicy[]> {
    ws?.addTopic(TOPIC_ACL);
    return { index: this.tableIndex, value: [...this.policies.values()] };
  }

  role(id: string): AclRole | undefined {
    const r = this.roles.get(id);
    return r && this.withNames(r);
  }

  roleByName(name: string): AclRole | undefined {
    for (const r of this.roles.values()) if (r.Name === name) return this.withNames(r);
    return undefined;
  }

  listRoles(ws?: WatchSet): AclQuery<AclRole[]> {
    ws?.addTopic(TOPIC_ACL);
    return { index: this.tableIndex, value: [...this.roles.values()].map((r) => this.withNames(r)) };
  }

  /** The index of the bootstrap (Consul's reset index), 0 before. */
  get bootstrappedAt(): number {
    return this.bootstrapIndex;
  }

  maxIndex(): number {
    return this.tableIndex;
  }

  snapshot(): AclSnapshot {
    return {
      tokens: [...this.tokens.values()],
      policies: [...this.policies.values()],
      roles: [...this.roles.values()],
      bootstrapIndex: this.bootstrapIndex,
      tableIndex: this.tableIndex,
    };
  }

  /** Loads a snapshot; one taken before ACLs existed leaves only the built-ins. */
  restore(snap: AclSnapshot | undefined): void {
    this.reset();
    if (!snap) return;
    for (const p of snap.policies) this.policies.set(p.ID, p);
    for (const r of snap.roles) this.roles.set(r.ID, r);
    for (const t of snap.tokens) {
      this.tokens.set(t.AccessorID, t);
      this.bySecret.set(secretDigest(t.SecretID), t.AccessorID);
    }
    this.bootstrapIndex = snap.bootstrapIndex;
    this.tableIndex = snap.tableIndex;
  }

  private reset(): void {
    this.tokens = new Map();
    this.bySecret = new Map();
    this.policies = new Map();
    this.roles = new Map();
    this.bootstrapIndex = 0;
    this.tableIndex = 0;
    // Built once per process (they never change); each table gets its own copies.
    const [policy, anonymous, anonymousDigest] = builtins();
    this.policies.set(policy.ID, { ...policy, Datacenters: [] });
    this.tokens.set(anonymous.AccessorID, { ...anonymous, Policies: [], Roles: [], ServiceIdentities: [], NodeIdentities: [] });
    this.bySecret.set(anonymousDigest, anonymous.AccessorID);
  }

  private withNames<T extends { Policies: AclLink[]; Roles?: AclLink[] }>(rec: T): T {
    const policies = rec.Policies.flatMap((l) => {
      const p = this.policies.get(l.ID);
      return p ? [{ ID: p.ID, Name: p.Name }] : [];
    });
    if (!rec.Roles) return { ...rec, Policies: policies };
    const roles = rec.Roles.flatMap((l) => {
      const r = this.roles.get(l.ID);
      return r ? [{ ID: r.ID, Name: r.Name }] : [];
    });
    return { ...rec, Policies: policies, Roles: roles };
  }
}

let builtIn: [AclPolicy, AclToken, string] | undefined;

/**
 * The digests of the built-in records, written out rather than computed: every agent, clients included, builds
 * an ACL table at start, and hashing these would load node:crypto into agents that never hash anything else
 * (4.8 MB of RSS on Node 24). acl-state.test.ts recomputes them.
 */
export const BUILTIN_DIGESTS = {
  /** recordHash([GLOBAL_MANAGEMENT_POLICY_NAME, GLOBAL_MANAGEMENT_RULES]) */
  globalManagementPolicy: 'zXpJiztOZaSXdtIXYh4peg6qzY0ylr0Ln3mWe1uVfT4=',
  /** recordHash([ANONYMOUS_TOKEN_DESCRIPTION]) */
  anonymousToken: 'lTJT11ssaL1q1m9fpjDbL9NglGk5UfvZhzmhQwRJcFE=',
  /** secretDigest(ANONYMOUS_TOKEN_SECRET_ID) */
  anonymousSecret: 'Lxg6TmRJOvPzd/dF7aUCNjzT5+9uTSZtREdY3gqF/Mg=',
} as const;

/** The global-management policy, the anonymous token and its secret's digest. */
function builtins(): [AclPolicy, AclToken, string] {
  if (builtIn) return builtIn;
  const policy: AclPolicy = {
    ID: GLOBAL_MANAGEMENT_POLICY_ID,
    Name: GLOBAL_MANAGEMENT_POLICY_NAME,
    Description: GLOBAL_MANAGEMENT_POLICY_DESCRIPTION,
    Rules: GLOBAL_MANAGEMENT_RULES,
    Datacenters: [],
    Hash: BUILTIN_DIGESTS.globalManagementPolicy,
    CreateIndex: 0,
    ModifyIndex: 0,
  };
  const anonymous: AclToken = {
    AccessorID: ANONYMOUS_TOKEN_ACCESSOR_ID,
    SecretID: ANONYMOUS_TOKEN_SECRET_ID,
    Description: ANONYMOUS_TOKEN_DESCRIPTION,
    Policies: [],
    Roles: [],
    ServiceIdentities: [],
    NodeIdentities: [],
    Local: false,
    CreateTime: '1970-01-01T00:00:00Z',
    Hash: BUILTIN_DIGESTS.anonymousToken,
    CreateIndex: 0,
    ModifyIndex: 0,
  };
  return (builtIn = [policy, anonymous, BUILTIN_DIGESTS.anonymousSecret]);
}

/** Consul's Hash field: a digest of the fields that decide what the record grants (base64, as Consul's). */
function recordHash(fields: unknown[]): string {
  return sha256Base64(JSON.stringify(fields));
}
