// Response shapes of the catalog, health, agent and status endpoints, in Consul's field names. Only the fields
// callers rely on are typed; agents may send more (kept, typed unknown).

export interface CatalogNode {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string> | null;
  Meta: Record<string, string> | null;
  CreateIndex: number;
  ModifyIndex: number;
  [field: string]: unknown;
}

export interface ServiceWeights {
  Passing: number;
  Warning: number;
}

export interface CatalogServiceEntry {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string> | null;
  NodeMeta: Record<string, string> | null;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[] | null;
  ServiceAddress: string;
  ServiceMeta: Record<string, string> | null;
  ServicePort: number;
  ServiceWeights?: ServiceWeights;
  ServiceEnableTagOverride: boolean;
  CreateIndex: number;
  ModifyIndex: number;
  [field: string]: unknown;
}

export interface AgentService {
  ID: string;
  Service: string;
  Tags: string[] | null;
  Meta: Record<string, string> | null;
  Port: number;
  Address: string;
  Weights?: ServiceWeights;
  EnableTagOverride: boolean;
  Datacenter?: string;
  [field: string]: unknown;
}

export interface CatalogNodeServices {
  Node: CatalogNode;
  Services: Record<string, AgentService>;
}

export type CheckStatus = 'passing' | 'warning' | 'critical';

export interface HealthCheck {
  Node: string;
  CheckID: string;
  Name: string;
  Status: CheckStatus | string;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[] | null;
  Type?: string;
  CreateIndex?: number;
  ModifyIndex?: number;
  [field: string]: unknown;
}

export interface ServiceEntry {
  Node: CatalogNode;
  Service: AgentService & { CreateIndex?: number; ModifyIndex?: number };
  Checks: HealthCheck[];
}

export interface AgentMember {
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string>;
  /** 0 none, 1 alive, 2 leaving, 3 left, 4 failed */
  Status: number;
  ProtocolMin: number;
  ProtocolMax: number;
  ProtocolCur: number;
  DelegateMin: number;
  DelegateMax: number;
  DelegateCur: number;
  [field: string]: unknown;
}

export interface AgentSelf {
  Config: { Datacenter: string; NodeName: string; NodeID?: string; Server?: boolean; Version?: string; Revision?: string; [field: string]: unknown };
  DebugConfig?: Record<string, unknown>;
  Coord?: unknown;
  Member: AgentMember;
  Stats: Record<string, Record<string, string>>;
  Meta?: Record<string, string> | null;
  [field: string]: unknown;
}

export type AgentCheck = HealthCheck;

/** A service definition as the agent's register endpoint takes it (any key casing the agent accepts). */
export type ServiceDefinition = Record<string, unknown>;
/** A check definition for /v1/agent/check/register. */
export type CheckDefinition = Record<string, unknown>;

export interface CatalogRegistration {
  Node: string;
  Address: string;
  ID?: string;
  Datacenter?: string;
  TaggedAddresses?: Record<string, string>;
  NodeMeta?: Record<string, string>;
  Service?: Record<string, unknown>;
  Check?: Record<string, unknown>;
  Checks?: Record<string, unknown>[];
  SkipNodeUpdate?: boolean;
  [field: string]: unknown;
}

export interface CatalogDeregistration {
  Node: string;
  Datacenter?: string;
  ServiceID?: string;
  CheckID?: string;
  [field: string]: unknown;
}

/** Member status numbers as Serf defines them, and the words the CLI prints. */
export const MEMBER_STATUS = ['none', 'alive', 'leaving', 'left', 'failed'] as const;

export function memberStatusName(status: number): string {
  return MEMBER_STATUS[status] ?? 'unknown';
}
