// A policy's rules after parsing: what Consul's acl.PolicyRules holds, flattened so that the authorizer and the
// tests walk one list instead of fourteen.
import type { AccessLevel } from './access-level.js';

/** Resources whose rules name a segment (`key "a/b"`, `service_prefix "web"`). */
export type SegmentResource = 'agent' | 'event' | 'key' | 'node' | 'query' | 'service' | 'session';

/** Resources with one rule per policy (`operator = "read"`). */
export type SingleResource = 'acl' | 'keyring' | 'mesh' | 'operator' | 'peering';

export const SEGMENT_RESOURCES: readonly SegmentResource[] = ['agent', 'event', 'key', 'node', 'query', 'service', 'session'];
export const SINGLE_RESOURCES: readonly SingleResource[] = ['acl', 'keyring', 'mesh', 'operator', 'peering'];

export interface SegmentRule {
  resource: SegmentResource;
  /** The segment as written; `""` with `prefix` matches everything. */
  name: string;
  /** `key_prefix` rather than `key`. */
  prefix: boolean;
  policy: AccessLevel;
  /** Services only: the `intentions` level as written (undefined when not written). */
  intentions?: AccessLevel;
}

export interface PolicyRules {
  segments: SegmentRule[];
  singles: Partial<Record<SingleResource, AccessLevel>>;
}
