// Auth methods and binding rules as Consul's HTTP API shows them (agent/structs/acl.go ACLAuthMethod,
// ACLBindingRule), and the log commands that change them. Validation (the method's Config, the rule's Selector
// and BindName) happens in the proposer, which can build validators; apply only keeps the tables consistent.

export interface AclAuthMethod {
  Name: string;
  Type: string;
  DisplayName: string;
  Description: string;
  /** ns; 0: tokens never expire. */
  MaxTokenTTL: number;
  /** '', 'local' or 'global'. */
  TokenLocality: string;
  Config: Record<string, unknown>;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface AclBindingRule {
  ID: string;
  Description: string;
  AuthMethod: string;
  Selector: string;
  /** service | node | role | policy | templated-policy */
  BindType: string;
  BindName: string;
  /** templated-policy only: the template's variables, interpolated like BindName. */
  BindVars?: { Name?: string };
  CreateIndex: number;
  ModifyIndex: number;
}

export type AclAuthMethodInput = Omit<AclAuthMethod, 'CreateIndex' | 'ModifyIndex'>;
export type AclBindingRuleInput = Omit<AclBindingRule, 'CreateIndex' | 'ModifyIndex'>;

export interface AclAuthMethodSetCommand {
  type: 'acl.auth-method.set';
  Method: AclAuthMethodInput;
}

/** Deletes the method, its binding rules and the tokens it made (as Consul does). */
export interface AclAuthMethodDeleteCommand {
  type: 'acl.auth-method.delete';
  Name: string;
}

export interface AclBindingRuleSetCommand {
  type: 'acl.binding-rule.set';
  Rule: AclBindingRuleInput;
}

export interface AclBindingRuleDeleteCommand {
  type: 'acl.binding-rule.delete';
  ID: string;
}

export type AclAuthCommand = AclAuthMethodSetCommand | AclAuthMethodDeleteCommand | AclBindingRuleSetCommand | AclBindingRuleDeleteCommand;
