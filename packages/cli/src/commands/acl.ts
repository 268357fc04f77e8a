// `conclave acl ...`: Consul's ACL commands (bootstrap, token, policy, role, set-agent-token), one file each.
import { dispatch } from '../command.js';
import { aclAuthMethod } from './acl-auth-method.js';
import { aclBindingRule } from './acl-binding-rule.js';
import { aclBootstrap } from './acl-bootstrap.js';
import { aclPolicy } from './acl-policy.js';
import { aclRole } from './acl-role.js';
import { aclSetAgentToken } from './acl-set-agent-token.js';
import { aclTemplatedPolicy } from './acl-templated-policy.js';
import { aclToken } from './acl-token.js';

export const acl = dispatch('acl', 'Interact with Consul\'s ACLs', {
  bootstrap: aclBootstrap,
  token: aclToken,
  policy: aclPolicy,
  role: aclRole,
  'set-agent-token': aclSetAgentToken,
  'auth-method': aclAuthMethod,
  'binding-rule': aclBindingRule,
  'templated-policy': aclTemplatedPolicy,
});
