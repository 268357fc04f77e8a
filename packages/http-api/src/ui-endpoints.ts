// /v1/internal/ui/*: the summaries Consul's web UI reads so that each page costs one request — services (a
// ServiceSummary per name: tags, nodes, instance count, checks by status), nodes (a NodeDump: every node with its
// services and checks) and node/<name> (one NodeInfo, 404 when unknown). Shapes as agent/ui_endpoint.go answers
// them (without Enterprise, peering and mesh-gateway data, which Conclave does not have), blocking like any read.

import type { CheckView, HealthEntry, NodeView, ServiceView } from '@conclave/catalog';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';
import { blockingQuery, parseBlockingOptions } from './blocking-query.js';
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
  return rest === 'ui/services' || rest === 'ui/nodes' || rest.startsWith('ui/node/');
}

export async function handleInternalUi(call: ApiCall): Promise<void> {
  const rest = call.rest;
  if (!call.allow('GET')) return;
  const catalog = call.backend.state.catalog;
  const opts = parseBlockingOptions(call);
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
          for (const name of Object.keys(names.value)) {
            const r = catalog.checkServiceNodes(name, {}, ws);
            index = Math.max(index, r.index);
            for (const e of r.value) if (pred(e)) dump.push(e);
          }
          return { index, value: dump.map(instanceOf) };
        },
        (r) => call.jsonWithMeta(200, call.encode(summarizeServices(r.value)), r.index, opts.mode),
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
        for (const name of Object.keys(names.value)) {
          for (const sn of catalog.serviceNodes(name, {}, ws).value) {
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
        return { index: catalog.maxIndex(), value: out };
      },
      (r) => call.jsonWithMeta(200, call.encode(summarizeServices(r.value)), r.index, opts.mode),
    );
  }
  if (rest === 'ui/nodes') {
    const pred = filterPredicate(call, NODE_INFO_TYPE);
    return blockingQuery(
      call,
      opts,
      (ws) => ({ index: catalog.maxIndex(), value: catalog.nodeList({}, ws).value.map((n) => nodeInfo(call, n, ws)) }),
      (r) => call.jsonWithMeta(200, call.encode(filterList(r.value, pred)), r.index, opts.mode),
    );
  }
  const name = rest.slice('ui/node/'.length);
  if (name === '') throw new ApiError(400, 'Missing node name');
  return blockingQuery(
    call,
    opts,
    (ws) => {
      const node = catalog.nodeList({}, ws).value.find((n) => n.Node === name);
      return { index: catalog.maxIndex(), value: node ? nodeInfo(call, node, ws) : null };
    },
    (r) => {
      if (r.value === null) {
        // Consul writes 404 with no body but still sets the query headers.
        call.jsonWithMeta(404, '', r.index, opts.mode);
        return;
      }
      call.jsonWithMeta(200, call.encode(r.value), r.index, opts.mode);
    },
  );
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
