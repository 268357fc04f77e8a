// GET /v1/acl/replication: Consul's ACLReplicationStatus. No token is needed (Consul: it leaks nothing and health
// checks poll it). The agent fills it through ApiBackend.aclReplication; without it (the primary datacenter, or
// an agent that does not replicate) replication is reported disabled, as Consul's primary reports it.
import type { ApiCall } from './api-call.js';

export interface AclReplicationStatus {
  Enabled: boolean;
  Running: boolean;
  SourceDatacenter: string;
  /** '' | 'policies' | 'roles' | 'tokens' (what is replicated: tokens means policies, roles and tokens). */
  ReplicationType: string;
  ReplicatedIndex: number;
  ReplicatedRoleIndex: number;
  ReplicatedTokenIndex: number;
  /** RFC 3339; Go's zero time when never. */
  LastSuccess: string;
  LastError: string;
  LastErrorMessage: string;
}

export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

export const REPLICATION_DISABLED: AclReplicationStatus = {
  Enabled: false,
  Running: false,
  SourceDatacenter: '',
  ReplicationType: '',
  ReplicatedIndex: 0,
  ReplicatedRoleIndex: 0,
  ReplicatedTokenIndex: 0,
  LastSuccess: GO_ZERO_TIME,
  LastError: GO_ZERO_TIME,
  LastErrorMessage: '',
};

export async function replicationStatus(call: ApiCall): Promise<void> {
  call.checkDatacenter();
  const status = call.backend.aclReplication?.() ?? REPLICATION_DISABLED;
  call.jsonWithMeta(200, call.encode(status), call.backend.state.acl.maxIndex(), 'leader');
}
