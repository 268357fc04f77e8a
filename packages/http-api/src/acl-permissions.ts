// Which permission each /v1 endpoint needs: one table, checked by one gate before the endpoint's handler runs
// (http-api.ts calls aclGate for every request it answers itself; forwarded requests are checked by the agent
// that answers them). docs/acl.md prints the same table.
//
// A new endpoint declares its permission by adding a row here, or, from its own module,
// `registerEndpointPermissions([{ path, need, doc }])`. An endpoint without a row needs a management token
// (acl:write): fail closed, never open. `need` answers:
//   - a Permission (or several, all required): checked before the handler;
//   - 'none': anyone may call it (status endpoints);
//   - 'handler': the handler checks itself with acl-enforce.ts (lists it filters, bodies it must read first).
import type { Access, Resource } from '@conclave/acl';
import type { ApiCall } from './api-call.js';
import { ApiError } from './api-error.js';
import { check, resolveCaller } from './acl-enforce.js';
import type { ResolvedToken } from './acl-resolver.js';
import { permissionDeniedText } from '@conclave/acl';

export interface Permission {
  resource: Resource;
  access: Access;
  /** The segment checked (key, service, node, ...); omitted for operator, keyring, acl, mesh, peering. */
  name?: string;
  /** Keys only: write on every key under `name` (recursive delete, Consul's KeyWritePrefix). */
  keyPrefix?: boolean;
}

export type Need = Permission | Permission[] | 'none' | 'handler';

export interface PermissionRow {
  /** The path after `/v1/`. Ending in `/`: a prefix, and `rest` is what follows; otherwise the exact path. */
  path: string;
  need: (call: ApiCall, rest: string) => Need;
  /** One line for docs/acl.md. */
  doc: string;
}

const read = (resource: Resource, name?: string): Permission => ({ resource, access: 'read', name });
const write = (resource: Resource, name?: string): Permission => ({ resource, access: 'write', name });
const MANAGEMENT: Permission = write('acl');
const isGet = (call: ApiCall) => call.method === 'GET' || call.method === 'HEAD';
const has = (call: ApiCall, flag: string) => !call.query.empty && call.query.has(flag);
const self = (call: ApiCall) => call.backend.nodeName;
/** A session's node, for session:read|write on it (an unknown session: its ID, which no rule names). */
const sessionNode = (call: ApiCall, id: string) => call.backend.state.sessions.info(id).value[0]?.Node ?? id;

export const ENDPOINT_PERMISSIONS: PermissionRow[] = [
  { path: 'acl/', need: () => 'handler', doc: 'acl:read to read, acl:write to change; token/self and bootstrap: none' },
  { path: 'status/', need: () => 'none', doc: 'none' },
  { path: 'txn', need: () => 'handler', doc: 'each operation as its endpoint: key:read or key:write (delete-tree: write under the prefix), node, service (checks: their service, else node), session on its node' },
  {
    path: 'kv/',
    need: (call, key) => {
      if (isGet(call)) return has(call, 'recurse') || has(call, 'keys') ? 'handler' : read('key', key);
      if (call.method === 'DELETE' && has(call, 'recurse')) return { resource: 'key', access: 'write', name: key, keyPrefix: true };
      return write('key', key);
    },
    doc: 'key:read on the key (recurse and keys: the entries the token may read, filtered); PUT, DELETE: key:write; DELETE ?recurse: key:write on every key under the prefix',
  },
  { path: 'catalog/register', need: () => 'handler', doc: 'node:write on the node; service:write on the service when one is registered' },
  { path: 'catalog/deregister', need: () => 'handler', doc: 'node:write on the node' },
  { path: 'catalog/datacenters', need: () => 'none', doc: 'none' },
  { path: 'catalog/nodes', need: () => 'handler', doc: 'filtered: the nodes with node:read' },
  { path: 'catalog/services', need: () => 'handler', doc: 'filtered: the services with service:read' },
  { path: 'catalog/service/', need: (_c, name) => read('service', name), doc: 'service:read on the service' },
  { path: 'catalog/node/', need: (_c, node) => read('node', node), doc: 'node:read on the node' },
  { path: 'health/service/', need: (_c, name) => read('service', name), doc: 'service:read on the service' },
  { path: 'health/checks/', need: (_c, name) => read('service', name), doc: 'service:read on the service' },
  { path: 'health/connect/', need: (_c, name) => read('service', name), doc: 'service:read on the service' },
  { path: 'health/node/', need: (_c, node) => read('node', node), doc: 'node:read on the node' },
  { path: 'session/create', need: () => 'handler', doc: 'session:write on the session\'s node' },
  { path: 'session/destroy/', need: (call, id) => write('session', sessionNode(call, id)), doc: 'session:write on the session\'s node' },
  { path: 'session/renew/', need: (call, id) => write('session', sessionNode(call, id)), doc: 'session:write on the session\'s node' },
  { path: 'session/info/', need: (call, id) => read('session', sessionNode(call, id)), doc: 'session:read on the session\'s node' },
  { path: 'session/node/', need: (_c, node) => read('session', node), doc: 'session:read on the node' },
  { path: 'event/fire/', need: (_c, name) => write('event', name), doc: 'event:write on the event name' },
  { path: 'operator/raft/', need: (call) => (isGet(call) ? read('operator') : write('operator')), doc: 'operator:read; changes: operator:write' },
  { path: 'operator/autopilot/', need: (call) => (isGet(call) ? read('operator') : write('operator')), doc: 'operator:read; changes: operator:write' },
  { path: 'operator/keyring', need: (call) => (isGet(call) ? read('keyring') : write('keyring')), doc: 'keyring:read; changes: keyring:write' },
  { path: 'agent/self', need: (call) => read('agent', self(call)), doc: 'agent:read on this agent\'s node' },
  { path: 'agent/host', need: (call) => read('agent', self(call)), doc: 'agent:read on this agent\'s node' },
  { path: 'agent/metrics', need: (call) => read('agent', self(call)), doc: 'agent:read on this agent\'s node' },
  { path: 'agent/metrics/stream', need: (call) => read('agent', self(call)), doc: 'agent:read on this agent\'s node' },
  { path: 'agent/monitor', need: (call) => read('agent', self(call)), doc: 'agent:read on this agent\'s node' },
  { path: 'agent/version', need: () => 'none', doc: 'none' },
  { path: 'agent/reload', need: (call) => write('agent', self(call)), doc: 'agent:write on this agent\'s node' },
  { path: 'agent/leave', need: (call) => write('agent', self(call)), doc: 'agent:write on this agent\'s node' },
  { path: 'agent/join/', need: (call) => write('agent', self(call)), doc: 'agent:write on this agent\'s node' },
  { path: 'agent/force-leave/', need: () => write('operator'), doc: 'operator:write' },
  { path: 'agent/maintenance', need: (call) => write('node', self(call)), doc: 'node:write on this agent\'s node' },
  { path: 'agent/members', need: () => 'handler', doc: 'filtered: the members with node:read' },
  { path: 'agent/services', need: () => 'handler', doc: 'filtered: the services with service:read' },
  { path: 'agent/checks', need: () => 'handler', doc: 'filtered: service checks with service:read, node checks with node:read on this agent\'s node' },
  { path: 'health/state/', need: () => 'handler', doc: 'filtered: checks with node:read on their node and service:read on their service' },
  { path: 'session/list', need: () => 'handler', doc: 'filtered: sessions with session:read on their node' },
  { path: 'event/list', need: () => 'handler', doc: 'filtered: events with event:read on their name' },
  { path: 'agent/health/service/name/', need: (_c, name) => read('service', name), doc: 'service:read on the service' },
  { path: 'agent/token/', need: () => write('acl'), doc: 'acl:write' },
  { path: 'catalog/node-services/', need: (_c, node) => read('node', node), doc: 'node:read on the node' },
  { path: 'catalog/gateway-services/', need: (_c, gw) => read('service', gw), doc: 'service:read on the gateway' },
  { path: 'health/ingress/', need: (_c, name) => read('service', name), doc: 'service:read on the service' },
  { path: 'operator/usage', need: () => read('operator'), doc: 'operator:read' },
  // The web UI's summaries, filtered entry by entry as Consul's (ui-endpoints.ts).
  { path: 'internal/ui/services', need: () => 'handler', doc: 'filtered: the instances with node:read on their node and service:read on their service' },
  { path: 'internal/ui/nodes', need: () => 'handler', doc: 'filtered: the nodes with node:read; in each, the services and service checks with service:read' },
  { path: 'internal/ui/node/', need: () => 'handler', doc: 'node:read on the node (else 404 with the filtered header, as Consul); its services and service checks filtered by service:read' },
  // The push stream runs each read it carries through this API with the caller's token, checked as that endpoint.
  { path: 'internal/ui/stream', need: () => 'none', doc: 'none itself; each read it carries is checked as its own endpoint' },
  { path: 'coordinate/datacenters', need: () => 'none', doc: 'none' },
  { path: 'coordinate/node/', need: (_c, node) => read('node', node), doc: 'node:read on the node' },
  { path: 'coordinate/nodes', need: () => 'handler', doc: 'filtered: the nodes with node:read' },
  { path: 'coordinate/update', need: () => 'handler', doc: 'node:write on the body\'s node' },
  // Prepared queries: Consul's rules on the query's name (query-endpoints.ts).
  { path: 'query', need: () => 'handler', doc: 'list: filtered, the queries with query:read on their name (unnamed, non-template queries: management only); create: query:write on the name (none for an unnamed query)' },
  { path: 'query/', need: () => 'handler', doc: 'read, explain: query:read on the query\'s name (unnamed: management only), else 403 `Permission denied`; update, delete: query:write on the stored and the new name; execute: anyone with the ID or name, the instances filtered by node:read and service:read of the query\'s Token, else the caller\'s; stored Tokens shown as `<hidden>` but to management tokens' },
  { path: 'agent/service/', need: () => 'handler', doc: 'service:write on the service (register: the body\'s Name; by ID: the service it names); reading one: service:read' },
  { path: 'agent/check/', need: () => 'handler', doc: 'service:write on the check\'s service, node:write on this agent\'s node for node checks' },
];

const extra: PermissionRow[] = [];
/** The rows by the first segment of their path (`kv`, `agent`, ...), each with whether it is a prefix row: the
 * gate runs for every request, and a scan of every row cost more than the rest of the ACL check. Rebuilt when
 * rows are added. */
let bySegment: Map<string, { row: PermissionRow; prefix: boolean }[]> | undefined;

/** Adds rows from another module (a new endpoint family) without editing this table. */
export function registerEndpointPermissions(rows: readonly PermissionRow[]): void {
  extra.push(...rows);
  bySegment = undefined;
}

/** The first segment of `path` from `start` (up to the next `/`). */
function firstSegment(path: string, start: number): string {
  const slash = path.indexOf('/', start);
  return slash < 0 ? path.slice(start) : path.slice(start, slash);
}

/** The row for `path` read from `start` (the longest matching row path wins). Offsets, not slices: this runs
 * per request with ACLs on. */
function bestRow(path: string, start: number): PermissionRow | undefined {
  if (!bySegment) {
    bySegment = new Map();
    for (const row of [...ENDPOINT_PERMISSIONS, ...extra]) {
      const seg = firstSegment(row.path, 0);
      const entry = { row, prefix: row.path.endsWith('/') };
      const list = bySegment.get(seg);
      if (list) list.push(entry);
      else bySegment.set(seg, [entry]);
    }
  }
  const rows = bySegment.get(firstSegment(path, start));
  if (!rows) return undefined;
  let best: PermissionRow | undefined;
  const length = path.length - start;
  for (const { row, prefix } of rows) {
    const p = row.path;
    const match = prefix ? path.startsWith(p, start) : length === p.length && path.startsWith(p, start);
    if (match && (!best || p.length > best.path.length)) best = row;
  }
  return best;
}

/** The row for a path after `/v1/` (the longest matching path wins) and the rest after it. */
export function permissionRow(path: string): { row: PermissionRow; rest: string } | undefined {
  const row = bestRow(path, 0);
  return row && { row, rest: path.slice(row.path.length) };
}

/** Resolves the caller's token and checks what the endpoint's row asks; throws (or rejects) with Consul's 403.
 * Returns undefined when done synchronously. With ACLs off, does nothing. */
export function aclGate(call: ApiCall, path: string): void | Promise<void> {
  if (!call.backend.acl) return;
  const t = resolveCaller(call)!;
  if (t instanceof Promise) return t.then((resolved) => enforceRow(call, resolved, path));
  enforceRow(call, t, path);
}

function enforceRow(call: ApiCall, t: ResolvedToken, path: string): void {
  const start = '/v1/'.length;
  const row = bestRow(path, start);
  const need: Need = row ? row.need(call, path.slice(start + row.path.length)) : MANAGEMENT;
  if (need === 'none' || need === 'handler') return;
  if (Array.isArray(need)) for (const p of need) enforcePermission(t, p);
  else enforcePermission(t, need);
}

function enforcePermission(t: ResolvedToken, p: Permission): void {
  if (p.keyPrefix) {
    if (!t.authorizer.keyWritePrefix(p.name ?? '')) throw new ApiError(403, permissionDeniedText(t.accessorId, 'key', 'write', p.name));
  } else {
    check(t, p.resource, p.access, p.name);
  }
}
