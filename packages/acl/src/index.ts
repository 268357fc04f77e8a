// @conclave/acl: Consul's ACL rules (HCL and JSON, the 1.4+ grammar) and the authorizer that applies Consul's
// precedence to a token's policies. Knows nothing of tokens' storage, HTTP or Raft.
export { enforce, takesPrecedenceOver, type Access, type AccessLevel, type Decision } from './access-level.js';
export { AclRulesError } from './acl-rules-error.js';
export { Authorizer, type DefaultPolicy, type Resource } from './authorizer.js';
export {
  ANONYMOUS_TOKEN_ACCESSOR_ID,
  ANONYMOUS_TOKEN_DESCRIPTION,
  ANONYMOUS_TOKEN_SECRET_ID,
  GLOBAL_MANAGEMENT_POLICY_DESCRIPTION,
  GLOBAL_MANAGEMENT_POLICY_ID,
  GLOBAL_MANAGEMENT_POLICY_NAME,
  GLOBAL_MANAGEMENT_RULES,
} from './builtin.js';
export { parseRules } from './parse-rules.js';
export { ACL_NOT_FOUND, PERMISSION_DENIED, permissionDeniedText } from './permission-denied.js';
export { AUTH_METHOD_TYPES, AuthMethodError, type AuthIdentity, type AuthMethodType, type AuthValidator } from './auth-method.js';
export { newAuthValidator } from './auth-validators.js';
export { BindNameError, VALID_IDENTITY_NAME, VALID_ROLE_NAME, computeBindName, interpolateBindName } from './bind-name.js';
export { JwtValidator, parseJwtConfig, type JwtConfig } from './jwt-validator.js';
export { OidcValidator, parseOidcConfig, validRedirect, type OidcConfig, type OidcLogin } from './oidc-validator.js';
export { MAX_OIDC_STATES, MAX_OIDC_STATES_BYTES, MAX_OIDC_STATE_BYTES, OIDC_STATE_TTL_MS, OidcStateStore } from './oidc-state.js';
export { AwsIamValidator, parseAwsIamConfig, type AwsIamConfig } from './aws-iam-validator.js';
export { KubernetesValidator, parseKubernetesConfig, type KubernetesConfig } from './kubernetes-validator.js';
export {
  TEMPLATED_POLICIES,
  TemplatedPolicyError,
  renderTemplatedPolicy,
  syntheticPolicy,
  templatedPolicy,
  validateTemplatedPolicy,
  type TemplatedPolicyBase,
  type TemplatedPolicyLink,
  type TemplatedPolicyVariables,
} from './templated-policies.js';
export { SEGMENT_RESOURCES, SINGLE_RESOURCES, type PolicyRules, type SegmentResource, type SegmentRule, type SingleResource } from './policy-rules.js';
