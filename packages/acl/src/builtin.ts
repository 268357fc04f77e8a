// The objects every Consul cluster has from the start (agent/structs/acl.go).

export const GLOBAL_MANAGEMENT_POLICY_ID = '00000000-0000-0000-0000-000000000001';
export const GLOBAL_MANAGEMENT_POLICY_NAME = 'global-management';
export const GLOBAL_MANAGEMENT_POLICY_DESCRIPTION = 'Builtin Policy that grants unlimited access';
export const ANONYMOUS_TOKEN_ACCESSOR_ID = '00000000-0000-0000-0000-000000000002';
export const ANONYMOUS_TOKEN_SECRET_ID = 'anonymous';
export const ANONYMOUS_TOKEN_DESCRIPTION = 'Anonymous Token';

/** Consul's ACLPolicyGlobalManagement rules: write on everything, ACL management included. */
export const GLOBAL_MANAGEMENT_RULES = `
acl = "write"
agent_prefix "" {
  policy = "write"
}
event_prefix "" {
  policy = "write"
}
key_prefix "" {
  policy = "write"
}
keyring = "write"
node_prefix "" {
  policy = "write"
}
operator = "write"
mesh = "write"
peering = "write"
query_prefix "" {
  policy = "write"
}
service_prefix "" {
  policy = "write"
  intentions = "write"
}
session_prefix "" {
  policy = "write"
}`;
