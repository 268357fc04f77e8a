// /v1/internal/ui/*: the summaries Consul's web UI reads so that each page costs one request — services (a
// ServiceSummary per name: tags, nodes, instance count, checks by status), nodes (a NodeDump: every node with its
// services and checks) and node/<name> (one NodeInfo, 404 when unknown). Shapes as agent/ui_endpoint.go answers
// them (without Enterprise, peering and mesh-gateway data, which Conclave does not have), blocking like any read.

import type { CheckView, HealthEntry, NodeView, ServiceView } from '@conclave/catalog';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';
import { blockingQuery, parseBlockingOptions, type MaybeFiltered } from './blocking-query.js';
import { aclFilter, filteredHeaders } from './acl-enforce.js';
import { registerEndpointPermissions } from './acl-permissions.js';
import { filterList, filterPredicate } from './filters.js';
import { CHECK_SERVICE_NODE_TYPE, NODE_INFO_TYPE } from './filter-types.js';

/** Consul's ServiceListingSummary as JSON. */
export interface UiServiceSummary {
  Kind?: string;
  Name: string;
  Datacenter: string;
  Tags: string[] | null;
  Nodes: string[] | null;
  ExternalSources: string[] | null;
  InstanceCount: number;
  ChecksPassing: number;
  ChecksWarning: number;
  ChecksCritical: number;
  GatewayConfig: Record<string, never>;
  TransparentProxy: boolean;
  ConnectNative: boolean;
  ConnectedWithProxy: boolean;
  ConnectedWithGateway: boolean;
}

/** Consul's NodeInfo as JSON. */
export interface UiNodeInfo {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string> | null;
  Meta: Record<string, string>;
  Services: ServiceView[];
  Checks: CheckView[];
}

/** True for the paths this file answers (the rest of /v1/internal/ is not served). */
export function isUiEndpoint(rest: string): boolean {
  return rest === 'ui/services' || rest === 'ui/nodes' || rest.startsWith('ui/node/') || rest.startsWith('ui/locks/');
}

// Conclave's own: the keys each session on a node holds, so the node page need not read the whole KV store.
registerEndpointPermissions([
  { path: 'internal/ui/locks/', need: (_c, node) => ({ resource: 'session', access: 'read', name: node }), doc: 'session:read on the node; the keys filtered by key:read' },
]);

/** A lock a session on the node holds: GET /v1/internal/ui/locks/<node>. */
export interface UiLock {
  Session: string;
  Key: string;
}

export async function handleInternalUi(call: ApiCall): Promise<void> {
  const rest = call.rest;
  if (!call.allow('GET')) return;
  const catalog = call.backend.state.catalog;
  const opts = parseBlockingOptions(call);
  // With ACLs on, every summary holds only what the token may read, entry by entry, as Consul's filterACL does:
  // an instance needs node:read on its node and service:read on its service; a node, node:read; a node's services
  // and service checks, service:read (blocking-query.ts keeps hidden changes from waking the caller).
  const may = aclFilter(call);
  const aclFiltered = { aclFiltered: may !== undefined };
  const answer = (status: number, body: string, r: MaybeFiltered<unknown>) =>
    call.send(status, 'application/json', body, [...call.metaHeaders(r.index, opts.mode), ...filteredHeaders(r.filtered === true)]);
  if (rest === 'ui/services') {
    const pred = filterPredicate(call, CHECK_SERVICE_NODE_TYPE);
    if (pred) {
      // ?filter runs over Consul's CheckServiceNode: build them all, keep those that match.
      return blockingQuery(
        call,
        opts,
        (ws) => {
          const names = catalog.serviceList({}, ws);
          let index = Math.max(names.index, catalog.maxIndex());
          const dump: HealthEntry[] = [];
          let filtered = false;
          for (const name of Object.keys(names.value)) {
            const r = catalog.checkServiceNodes(name, {}, ws);
            index = Math.max(index, r.index);
            for (const e of r.value) {
              if (may && !(may('node', 'read', e.Node.Node) && may('service', 'read', name))) filtered = true;
              else if (pred(e)) dump.push(e);
            }
          }
          return { index, value: dump.map(instanceOf), filtered };
        },
        (r: MaybeFiltered<Instance[]>) => answer(200, call.encode(summarizeServices(r.value)), r),
        aclFiltered,
      );
    }
    // Unfiltered (the common case, every page load): all checks read once and grouped by node, instead of a
    // CheckServiceNode per instance; about half the work at thousands of instances.
    return blockingQuery(
      call,
      opts,
      (ws) => {
        const names = catalog.serviceList({}, ws);
        const byNode = new Map<string, CheckView[]>();
        for (const c of catalog.checksInState('any', {}, ws).value) {
          const list = byNode.get(c.Node);
          if (list) list.push(c);
          else byNode.set(c.Node, [c]);
        }
        const out: Instance[] = [];
        let filtered = false;
        for (const name of Object.keys(names.value)) {
          for (const sn of catalog.serviceNodes(name, {}, ws).value) {
            if (may && !(may('node', 'read', sn.Node) && may('service', 'read', name))) {
              filtered = true;
              continue;
            }
            const checks = (byNode.get(sn.Node) ?? []).filter((c) => c.ServiceID === '' || c.ServiceID === sn.ServiceID);
            out.push({
              node: sn.Node,
              datacenter: sn.Datacenter,
              name: sn.ServiceName,
              kind: sn.ServiceKind,
              tags: sn.ServiceTags,
              meta: sn.ServiceMeta,
              native: Boolean((sn.ServiceConnect as { Native?: boolean }).Native),
              checks,
            });
          }
        }
        return { index: catalog.maxIndex(), value: out, filtered };
      },
      (r: MaybeFiltered<Instance[]>) => answer(200, call.encode(summarizeServices(r.value)), r),
      aclFiltered,
    );
  }
  if (rest === 'ui/nodes') {
    const pred = filterPredicate(call, NODE_INFO_TYPE);
    return blockingQuery(
      call,
      opts,
      (ws) => {
        const all = catalog.nodeList({}, ws).value;
        const nodes = may ? all.filter((n) => may('node', 'read', n.Node)) : all;
        let filtered = nodes.length !== all.length;
        const value = nodes.map((n) => {
          const info = nodeInfo(call, n, ws);
          if (!may) return info;
          const visible = visibleNodeInfo(info, may);
          if (visible !== info) filtered = true;
          return visible;
        });
        return { index: catalog.maxIndex(), value, filtered };
      },
      (r: MaybeFiltered<UiNodeInfo[]>) => answer(200, call.encode(filterList(r.value, pred)), r),
      aclFiltered,
    );
  }
  if (rest.startsWith('ui/locks/')) return locks(call, rest.slice('ui/locks/'.length), opts, may);
  const name = rest.slice('ui/node/'.length);
  if (name === '') throw new ApiError(400, 'Missing node name');
  return blockingQuery(
    call,
    opts,
    (ws): MaybeFiltered<UiNodeInfo | null> => {
      const node = catalog.nodeList({}, ws).value.find((n) => n.Node === name);
      const index = catalog.maxIndex();
      if (!node) return { index, value: null };
      // A node the token may not read is answered as Consul's filtered dump is: not found, with the header.
      if (may && !may('node', 'read', node.Node)) return { index, value: null, filtered: true };
      const info = nodeInfo(call, node, ws);
      const visible = may ? visibleNodeInfo(info, may) : info;
      return { index, value: visible, filtered: visible !== info };
    },
    (r: MaybeFiltered<UiNodeInfo | null>) => {
      // Consul writes 404 with no body but still sets the query headers.
      if (r.value === null) answer(404, '', r);
      else answer(200, call.encode(r.value), r);
    },
    aclFiltered,
  );
}

/**
 * The keys held by the sessions on a node (Conclave only, for the UI's node page): sorted by session, then key,
 * each key filtered by key:read. It wakes on session changes and KV writes, and answers only when the list
 * changed (a write elsewhere in the KV store moves the table index, not this answer).
 */
function locks(call: ApiCall, node: string, opts: ReturnType<typeof parseBlockingOptions>, may: ReturnType<typeof aclFilter>): Promise<void> {
  if (node === '') throw new ApiError(400, 'Missing node name');
  const { sessions, kv } = call.backend.state;
  return blockingQuery(
    call,
    opts,
    (ws): MaybeFiltered<UiLock[]> => {
      ws?.addPrefix('');
      const list = sessions.byNodeName(node, ws);
      const out: UiLock[] = [];
      let filtered = false;
      for (const s of list.value) {
        for (const Key of sessions.heldBy(s.ID)) {
          if (may && !may('key', 'read', Key)) filtered = true;
          else out.push({ Session: s.ID, Key });
        }
      }
      return { index: Math.max(list.index, kv.maxIndex()), value: out, filtered };
    },
    (r: MaybeFiltered<UiLock[]>) =>
      call.send(200, 'application/json', call.encode(r.value), [...call.metaHeaders(r.index, opts.mode), ...filteredHeaders(r.filtered === true)]),
    { unchangedKeepsWaiting: true },
  );
}

/** A NodeInfo without the services and service checks the token may not read (node checks stay: the node is
 * readable); the same object when nothing was left out. */
function visibleNodeInfo(info: UiNodeInfo, may: NonNullable<ReturnType<typeof aclFilter>>): UiNodeInfo {
  const services = info.Services.filter((s) => may('service', 'read', s.Service));
  const checks = info.Checks.filter((c) => !c.ServiceName || may('service', 'read', c.ServiceName));
  if (services.length === info.Services.length && checks.length === info.Checks.length) return info;
  return { ...info, Services: services, Checks: checks };
}

/** One node's NodeInfo: its services (by ID) and all its checks (by CheckID). */
function nodeInfo(call: ApiCall, n: NodeView, ws: Parameters<ApiCall['backend']['state']['catalog']['nodeChecks']>[1]): UiNodeInfo {
  const catalog = call.backend.state.catalog;
  const services = catalog.nodeServices(n.Node, ws).value?.Services ?? {};
  return {
    ID: n.ID,
    Node: n.Node,
    Address: n.Address,
    Datacenter: n.Datacenter,
    TaggedAddresses: n.TaggedAddresses,
    Meta: n.Meta,
    Services: Object.values(services),
    Checks: catalog.nodeChecks(n.Node, ws).value,
  };
}

/** What a summary needs of one service instance. */
export interface Instance {
  node: string;
  datacenter: string;
  name: string;
  kind: string | undefined;
  tags: string[];
  meta: Record<string, string> | undefined;
  native: boolean;
  checks: Array<Pick<CheckView, 'CheckID' | 'Status'>>;
}

function instanceOf(e: HealthEntry): Instance {
  return {
    node: e.Node.Node,
    datacenter: e.Node.Datacenter,
    name: e.Service.Service,
    kind: e.Service.Kind,
    tags: e.Service.Tags,
    meta: e.Service.Meta,
    native: Boolean((e.Service.Connect as { Native?: boolean }).Native),
    checks: e.Checks,
  };
}

/** Consul's summarizeServices + prepSummaryOutput: one summary per name, sorted by name; a check counted once
 * per node and CheckID however many instances on that node it applies to (node checks apply to all). */
export function summarizeServices(dump: Instance[]): UiServiceSummary[] {
  const byName = new Map<string, { sum: UiServiceSummary; checks: Map<string, string>; nodes: Set<string>; tags: Set<string>; sources: Set<string> }>();
  for (const e of dump) {
    let s = byName.get(e.name);
    if (!s) {
      s = {
        sum: {
          Name: e.name,
          Datacenter: e.datacenter,
          Tags: null,
          Nodes: null,
          ExternalSources: null,
          InstanceCount: 0,
          ChecksPassing: 0,
          ChecksWarning: 0,
          ChecksCritical: 0,
          GatewayConfig: {},
          TransparentProxy: false,
          ConnectNative: false,
          ConnectedWithProxy: false,
          ConnectedWithGateway: false,
        },
        checks: new Map(),
        nodes: new Set(),
        tags: new Set(),
        sources: new Set(),
      };
      byName.set(e.name, s);
    }
    if (e.kind) s.sum.Kind = e.kind;
    s.sum.Datacenter = e.datacenter;
    s.sum.InstanceCount++;
    if (e.native) s.sum.ConnectNative = true;
    s.nodes.add(e.node);
    for (const t of e.tags) s.tags.add(t);
    const source = e.meta?.['external-source'];
    if (source) s.sources.add(source);
    for (const c of e.checks) s.checks.set(`${e.node}/${c.CheckID}`, c.Status);
  }
  const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const out: UiServiceSummary[] = [];
  for (const s of byName.values()) {
    // Go's nil slices: null when empty, sorted otherwise (ExternalSources keeps first-seen order).
    if (s.nodes.size) s.sum.Nodes = [...s.nodes].sort(byString);
    if (s.tags.size) s.sum.Tags = [...s.tags].sort(byString);
    if (s.sources.size) s.sum.ExternalSources = [...s.sources];
    for (const status of s.checks.values()) {
      if (status === 'passing') s.sum.ChecksPassing++;
      else if (status === 'warning') s.sum.ChecksWarning++;
      else if (status === 'critical') s.sum.ChecksCritical++;
    }
    out.push(s.sum);
  }
  return out.sort((a, b) => byString(a.Name, b.Name));
}
