// The ACL records as Consul's HTTP API shows them (agent/structs/acl.go), and the log commands that change them.
// Names in links (`Policies: [{ID, Name}]`) are filled in when read, as Consul does, so renaming a policy never
// needs to rewrite the tokens that use it.
import type { TemplatedPolicyLink } from '@conclave/acl';

export interface AclLink {
  ID: string;
  Name?: string;
}

export interface AclServiceIdentity {
  ServiceName: string;
  Datacenters?: string[];
}

export interface AclNodeIdentity {
  NodeName: string;
  Datacenter: string;
}

export interface AclToken {
  AccessorID: string;
  SecretID: string;
  Description: string;
  Policies: AclLink[];
  Roles: AclLink[];
  ServiceIdentities: AclServiceIdentity[];
  NodeIdentities: AclNodeIdentity[];
  Local: boolean;
  /** RFC 3339; absent for tokens that never expire. */
  ExpirationTime?: string;
  /** RFC 3339, set by the proposer (apply has no clock). */
  CreateTime: string;
  /** The auth method a login made this token with (absent for tokens made otherwise). */
  AuthMethod?: string;
  /** Built-in templated policies (packages/acl templated-policies.ts), validated by the proposer. */
  TemplatedPolicies?: TemplatedPolicyLink[];
  Hash: string;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface AclPolicy {
  ID: string;
  Name: string;
  Description: string;
  Rules: string;
  Datacenters: string[];
  Hash: string;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface AclRole {
  ID: string;
  Name: string;
  Description: string;
  Policies: AclLink[];
  ServiceIdentities: AclServiceIdentity[];
  NodeIdentities: AclNodeIdentity[];
  TemplatedPolicies?: TemplatedPolicyLink[];
  Hash: string;
  CreateIndex: number;
  ModifyIndex: number;
}

/** What a writer proposes: the record without the fields apply fills in. */
export type AclTokenInput = Omit<AclToken, 'Hash' | 'CreateIndex' | 'ModifyIndex'>;
export type AclPolicyInput = Omit<AclPolicy, 'Hash' | 'CreateIndex' | 'ModifyIndex'>;
export type AclRoleInput = Omit<AclRole, 'Hash' | 'CreateIndex' | 'ModifyIndex'>;

/** `PUT /v1/acl/bootstrap`, or the leader creating `acl.tokens.initial_management` (`InitialManagement`: a
 * no-op when a token with that SecretID exists, and not refused after a bootstrap). */
export interface AclBootstrapCommand {
  type: 'acl.bootstrap';
  Token: AclTokenInput;
  InitialManagement?: boolean;
}

export interface AclTokenSetCommand {
  type: 'acl.token.set';
  Token: AclTokenInput;
}

export interface AclTokenDeleteCommand {
  type: 'acl.token.delete';
  AccessorID: string;
}

export interface AclPolicySetCommand {
  type: 'acl.policy.set';
  Policy: AclPolicyInput;
}

export interface AclPolicyDeleteCommand {
  type: 'acl.policy.delete';
  ID: string;
}

export interface AclRoleSetCommand {
  type: 'acl.role.set';
  Role: AclRoleInput;
}

export interface AclRoleDeleteCommand {
  type: 'acl.role.delete';
  ID: string;
}

export type AclCommand =
  | AclBootstrapCommand
  | AclTokenSetCommand
  | AclTokenDeleteCommand
  | AclPolicySetCommand
  | AclPolicyDeleteCommand
  | AclRoleSetCommand
  | AclRoleDeleteCommand;
