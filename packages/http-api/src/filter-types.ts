// The Go types Consul's ?filter runs over, as go-bexpr's reflection sees them: Consul 1.8's agent/structs and
// api packages (the releases that pinned go-bexpr 0.1.2), fields tagged `bexpr:"-"` left out (RaftIndex,
// EnterpriseMeta, Definition, Config maps, SidecarService, ...). tools/go-bexpr declares the same structs in Go
// and the conformance test checks both sides agree field by field.

import type { GoField, GoType } from './bexpr-fields.js';

const str: GoType = { kind: 'string' };
const int: GoType = { kind: 'int' };
const bool: GoType = { kind: 'bool' };
const strings: GoType = { kind: 'slice', elem: str };
const stringMap: GoType = { kind: 'map', key: str, elem: str };
const struct = (name: string, fields: Record<string, GoType>): GoType => ({
  kind: 'struct',
  name,
  fields: Object.entries(fields).map(([n, type]): GoField => ({ name: n, type })),
});
const ptr = (elem: GoType): GoType => ({ kind: 'ptr', elem });
const slice = (elem: GoType): GoType => ({ kind: 'slice', elem });
const mapOf = (elem: GoType): GoType => ({ kind: 'map', key: str, elem });

const weights = struct('Weights', { Passing: int, Warning: int });
const serviceAddress = struct('ServiceAddress', { Address: str, Port: int });
const meshGateway = struct('MeshGatewayConfig', { Mode: str });
const upstream = struct('Upstream', {
  DestinationType: str,
  DestinationNamespace: str,
  DestinationName: str,
  Datacenter: str,
  LocalBindAddress: str,
  LocalBindPort: int,
  MeshGateway: meshGateway,
});
const exposeConfig = struct('ExposeConfig', {
  Checks: bool,
  Paths: slice(struct('ExposePath', { ListenerPort: int, Path: str, LocalPathPort: int, Protocol: str, ParsedFromCheck: bool })),
});
const connectProxyConfig = struct('ConnectProxyConfig', {
  DestinationServiceName: str,
  DestinationServiceID: str,
  LocalServiceAddress: str,
  LocalServicePort: int,
  Upstreams: slice(upstream),
  MeshGateway: meshGateway,
  Expose: exposeConfig,
});
const serviceConnect = struct('ServiceConnect', { Native: bool });

/** structs.Node: /v1/catalog/nodes. */
export const NODE_TYPE = struct('Node', {
  ID: str,
  Node: str,
  Address: str,
  Datacenter: str,
  TaggedAddresses: stringMap,
  Meta: stringMap,
});

/** structs.ServiceNode: /v1/catalog/service/:service, /v1/catalog/connect/:service. */
export const SERVICE_NODE_TYPE = struct('ServiceNode', {
  ID: str,
  Node: str,
  Address: str,
  Datacenter: str,
  TaggedAddresses: stringMap,
  NodeMeta: stringMap,
  ServiceKind: str,
  ServiceID: str,
  ServiceName: str,
  ServiceTags: strings,
  ServiceAddress: str,
  ServiceTaggedAddresses: mapOf(serviceAddress),
  ServiceWeights: weights,
  ServiceMeta: stringMap,
  ServicePort: int,
  ServiceEnableTagOverride: bool,
  ServiceProxy: connectProxyConfig,
  ServiceConnect: serviceConnect,
});

/** structs.NodeService: the Services of /v1/catalog/node/:node. */
export const NODE_SERVICE_TYPE = struct('NodeService', {
  Kind: str,
  ID: str,
  Service: str,
  Tags: strings,
  Address: str,
  TaggedAddresses: mapOf(serviceAddress),
  Meta: stringMap,
  Port: int,
  Weights: ptr(weights),
  EnableTagOverride: bool,
  Proxy: connectProxyConfig,
  Connect: serviceConnect,
});

/** structs.HealthCheck: /v1/health/node/:node, /v1/health/checks/:service, /v1/health/state/:state, /v1/agent/checks. */
export const HEALTH_CHECK_TYPE = struct('HealthCheck', {
  Node: str,
  CheckID: str,
  Name: str,
  Status: str,
  Notes: str,
  Output: str,
  ServiceID: str,
  ServiceName: str,
  ServiceTags: strings,
  Type: str,
});

/** structs.CheckServiceNode: /v1/health/service/:service, /v1/health/connect/:service, /v1/health/ingress/:service. */
export const CHECK_SERVICE_NODE_TYPE = struct('CheckServiceNode', {
  Node: ptr(NODE_TYPE),
  Service: ptr(NODE_SERVICE_TYPE),
  Checks: slice(ptr(HEALTH_CHECK_TYPE)),
});

/** api.AgentService: /v1/agent/services. */
export const AGENT_SERVICE_TYPE = struct('AgentService', {
  Kind: str,
  ID: str,
  Service: str,
  Tags: strings,
  Meta: stringMap,
  Port: int,
  Address: str,
  TaggedAddresses: mapOf(serviceAddress),
  Weights: struct('AgentWeights', { Passing: int, Warning: int }),
  EnableTagOverride: bool,
  Proxy: ptr(
    struct('AgentServiceConnectProxyConfig', {
      DestinationServiceName: str,
      DestinationServiceID: str,
      LocalServiceAddress: str,
      LocalServicePort: int,
      Upstreams: slice(upstream),
      MeshGateway: meshGateway,
      Expose: exposeConfig,
    }),
  ),
  Connect: ptr(struct('AgentServiceConnect', { Native: bool })),
});

/** api.AgentMember: /v1/agent/members. */
export const AGENT_MEMBER_TYPE = struct('AgentMember', {
  Name: str,
  Addr: str,
  Port: { kind: 'uint16' },
  Tags: stringMap,
  Status: int,
  ProtocolMin: { kind: 'uint8' },
  ProtocolMax: { kind: 'uint8' },
  ProtocolCur: { kind: 'uint8' },
  DelegateMin: { kind: 'uint8' },
  DelegateMax: { kind: 'uint8' },
  DelegateCur: { kind: 'uint8' },
});

// The ACL lists (issue 21: "the ACL list endpoints once they exist"). Consul's structs for them
// (agent/structs/acl.go): RaftIndex fields are `bexpr:"-"` on ACLRole, while the list stubs carry CreateIndex and
// ModifyIndex as fields of their own. A time.Time (CreateTime, ExpirationTime) is a struct without exported fields:
// a valid selector that no operator applies to, as go-bexpr sees it.
const uint64: GoType = { kind: 'uint64' };
const bytes: GoType = { kind: 'slice', elem: { kind: 'uint8' } };
const time = struct('Time', {});
const policyLink = struct('ACLTokenPolicyLink', { ID: str, Name: str });
const roleLink = struct('ACLTokenRoleLink', { ID: str, Name: str });
const serviceIdentity = struct('ACLServiceIdentity', { ServiceName: str, Datacenters: strings });
const nodeIdentity = struct('ACLNodeIdentity', { NodeName: str, Datacenter: str });

/** structs.ACLTokenListStub: /v1/acl/tokens. */
export const ACL_TOKEN_LIST_STUB_TYPE = struct('ACLTokenListStub', {
  AccessorID: str,
  SecretID: str,
  Description: str,
  Policies: slice(policyLink),
  Roles: slice(roleLink),
  ServiceIdentities: slice(ptr(serviceIdentity)),
  NodeIdentities: slice(ptr(nodeIdentity)),
  Local: bool,
  AuthMethod: str,
  ExpirationTime: ptr(time),
  CreateTime: time,
  Hash: bytes,
  CreateIndex: uint64,
  ModifyIndex: uint64,
  Legacy: bool,
});

/** structs.ACLPolicyListStub: /v1/acl/policies. */
export const ACL_POLICY_LIST_STUB_TYPE = struct('ACLPolicyListStub', {
  ID: str,
  Name: str,
  Description: str,
  Datacenters: strings,
  Hash: bytes,
  CreateIndex: uint64,
  ModifyIndex: uint64,
});

/** structs.ACLRole: /v1/acl/roles. */
export const ACL_ROLE_TYPE = struct('ACLRole', {
  ID: str,
  Name: str,
  Description: str,
  Policies: slice(struct('ACLRolePolicyLink', { ID: str, Name: str })),
  ServiceIdentities: slice(ptr(serviceIdentity)),
  NodeIdentities: slice(ptr(nodeIdentity)),
  Hash: bytes,
});

/** Every filtered type by the name tools/go-bexpr knows it under. */
export const FILTER_TYPES = {
  Node: NODE_TYPE,
  ServiceNode: SERVICE_NODE_TYPE,
  NodeService: NODE_SERVICE_TYPE,
  HealthCheck: HEALTH_CHECK_TYPE,
  CheckServiceNode: CHECK_SERVICE_NODE_TYPE,
  AgentService: AGENT_SERVICE_TYPE,
  AgentMember: AGENT_MEMBER_TYPE,
  ACLTokenListStub: ACL_TOKEN_LIST_STUB_TYPE,
  ACLPolicyListStub: ACL_POLICY_LIST_STUB_TYPE,
  ACLRole: ACL_ROLE_TYPE,
} as const;

/** structs.NodeInfo (a NodeDump entry): /v1/internal/ui/nodes. Not in FILTER_TYPES: tools/go-bexpr does not
 * declare it, its fields are Node's plus the two lists whose element types are checked there. */
export const NODE_INFO_TYPE = struct('NodeInfo', {
  ID: str,
  Node: str,
  Address: str,
  TaggedAddresses: stringMap,
  Meta: stringMap,
  Services: slice(ptr(NODE_SERVICE_TYPE)),
  Checks: slice(ptr(HEALTH_CHECK_TYPE)),
});

