// Consul's catalog tables (nodes, services, checks) as a deterministic state: apply(command, index) mutates,
// queries answer {index, value} in Consul's JSON shapes and record what they read in a WatchSet.
// Indexes: one per table plus one per service name (bumped by anything that changes that service's
// instances, their nodes or their checks), as newer Consul does, so a blocked health query on "web"
// neither wakes nor moves for a change to "db".

import type {
  CatalogCheckStatusCommand,
  CatalogCommand,
  CatalogDeregisterCommand,
  CatalogRegisterCommand,
  CheckInput,
  CommandFailure,
  ServiceAddress,
  ServiceWeights,
} from './catalog-commands.js';
import { VALID_STATUSES } from './catalog-commands.js';
import { WatchHub, WatchSet, deepEqual } from '@conclave/toolkit';

export interface QueryResult<T> {
  index: number;
  value: T;
}

export interface NodeRecord {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string> | null;
  Meta: Record<string, string> | null;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface ServiceRecord {
  Kind: string;
  ID: string;
  Service: string;
  Tags: string[];
  Address: string;
  TaggedAddresses: Record<string, ServiceAddress> | null;
  Meta: Record<string, string> | null;
  Port: number;
  Weights: ServiceWeights;
  EnableTagOverride: boolean;
  Proxy: Record<string, unknown> | null;
  Connect: Record<string, unknown> | null;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface CheckRecord {
  Node: string;
  CheckID: string;
  Name: string;
  Status: string;
  Notes: string;
  Output: string;
  ServiceID: string;
  Type: string;
  Interval: string;
  Timeout: string;
  ExposedPort: number;
  Definition: Record<string, unknown> | null;
  CreateIndex: number;
  ModifyIndex: number;
}

/** /v1/catalog/nodes and the Node of health entries. */
export interface NodeView {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string> | null;
  Meta: Record<string, string>;
  CreateIndex: number;
  ModifyIndex: number;
}

/** Consul's NodeService as /v1/catalog/node/:node and /v1/health/service/:name show it. */
export interface ServiceView {
  Kind?: string;
  ID: string;
  Service: string;
  Tags: string[];
  Address: string;
  TaggedAddresses?: Record<string, ServiceAddress>;
  Meta: Record<string, string>;
  Port: number;
  Weights: ServiceWeights;
  EnableTagOverride: boolean;
  Proxy: Record<string, unknown>;
  Connect: Record<string, unknown>;
  CreateIndex: number;
  ModifyIndex: number;
}

/** Consul's ServiceNode: /v1/catalog/service/:name. */
export interface ServiceNodeView {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string> | null;
  NodeMeta: Record<string, string>;
  ServiceKind: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  ServiceAddress: string;
  ServiceTaggedAddresses?: Record<string, ServiceAddress>;
  ServiceWeights: ServiceWeights;
  ServiceMeta: Record<string, string>;
  ServicePort: number;
  ServiceEnableTagOverride: boolean;
  ServiceProxy: Record<string, unknown>;
  ServiceConnect: Record<string, unknown>;
  CreateIndex: number;
  ModifyIndex: number;
}

/** Consul's HealthCheck. */
export interface CheckView {
  Node: string;
  CheckID: string;
  Name: string;
  Status: string;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  Type: string;
  Interval: string;
  Timeout: string;
  ExposedPort: number;
  Definition: Record<string, unknown>;
  CreateIndex: number;
  ModifyIndex: number;
}

/** /v1/health/service/:name entry (Consul's CheckServiceNode). */
export interface HealthEntry {
  Node: NodeView;
  Service: ServiceView;
  Checks: CheckView[];
}

export interface NodeServicesView {
  Node: NodeView;
  Services: Record<string, ServiceView>;
}

export interface ServiceQueryOptions {
  /** Every tag must be on the instance (case-insensitive). */
  tags?: string[];
  /** Every key:value must be in the node's Meta. */
  nodeMeta?: Record<string, string>;
  /** Health only: drop instances with any non-passing check. */
  passing?: boolean;
}

/** Plain data for snapshots. */
export interface CatalogSnapshot {
  nodes: NodeRecord[];
  services: Array<[string, ServiceRecord[]]>;
  checks: Array<[string, CheckRecord[]]>;
  tableIndex: { nodes: number; services: number; checks: number };
  serviceIndex: Array<[string, number]>;
}

export const TOPIC_NODES = 'catalog.nodes';
export const TOPIC_SERVICES = 'catalog.services';
export const TOPIC_CHECKS = 'catalog.checks';
export const topicService = (name: string): string => 'catalog.service:' + name;

const EMPTY_WEIGHTS: ServiceWeights = { Passing: 1, Warning: 1 };

/** Collects what one apply touched, so indexes move and watchers wake once, at the end. */
class Touched {
  nodes = false;
  services = false;
  checks = false;
  names = new Set<string>();
}

export class CatalogState {
  private nodes = new Map<string, NodeRecord>();
  private services = new Map<string, Map<string, ServiceRecord>>();
  private checks = new Map<string, Map<string, CheckRecord>>();
  /** service name -> node -> service IDs on that node with that name */
  private byName = new Map<string, Map<string, Set<string>>>();
  private tableIndex = { nodes: 0, services: 0, checks: 0 };
  private serviceIndex = new Map<string, number>();

  constructor(private readonly hub: WatchHub = new WatchHub()) {}

  apply(cmd: CatalogCommand, index: number): true | CommandFailure {
    switch (cmd.type) {
      case 'catalog.register':
        return this.applyRegister(cmd, index);
      case 'catalog.deregister':
        return this.applyDeregister(cmd, index);
      case 'catalog.check-status':
        return this.applyCheckStatus(cmd, index);
      default:
        return { error: `unknown catalog command type ${(cmd as { type: string }).type}` };
    }
  }

  // ---- writes ----

  private applyRegister(cmd: CatalogRegisterCommand, index: number): true | CommandFailure {
    if (!cmd.Node || !cmd.Address) return { error: 'Must provide node and address' };
    const svcIn = cmd.Service ?? undefined;
    let svcId = '';
    if (svcIn) {
      svcId = svcIn.ID || svcIn.Service;
      if (svcId && !svcIn.Service) return { error: 'Must provide service name with ID' };
    }
    const checkIns: CheckInput[] = [];
    if (cmd.Check) checkIns.push(cmd.Check);
    if (cmd.Checks) checkIns.push(...cmd.Checks);
    for (const c of checkIns) {
      const id = c.CheckID || c.Name;
      if (!id) return { error: 'Missing check ID' };
      if (c.Node && c.Node !== cmd.Node) return { error: `Node mismatch: check node "${c.Node}" is not "${cmd.Node}"` };
      if (c.Status && !VALID_STATUSES.includes(c.Status)) return { error: `Invalid check status "${c.Status}"` };
      if (c.ServiceID && c.ServiceID !== svcId && !this.services.get(cmd.Node)?.has(c.ServiceID))
        return { error: 'Missing service registration' };
    }

    const t = new Touched();
    const existing = this.nodes.get(cmd.Node);
    if (!existing || !cmd.SkipNodeUpdate) this.ensureNode(cmd, index, t);
    if (svcIn && svcId) this.ensureService(cmd.Node, { ...svcIn, ID: svcId }, index, t);
    for (const c of checkIns) this.ensureCheck(cmd.Node, c, index, t);
    this.finish(t, index);
    return true;
  }

  private ensureNode(cmd: CatalogRegisterCommand, index: number, t: Touched): void {
    const old = this.nodes.get(cmd.Node);
    const next: NodeRecord = {
      ID: cmd.ID || old?.ID || '',
      Node: cmd.Node,
      Address: cmd.Address,
      Datacenter: cmd.Datacenter ?? old?.Datacenter ?? '',
      TaggedAddresses: cmd.TaggedAddresses ?? null,
      Meta: cmd.NodeMeta ?? null,
      CreateIndex: old?.CreateIndex ?? index,
      ModifyIndex: index,
    };
    if (old && sameNode(old, next)) return;
    this.nodes.set(cmd.Node, next);
    this.touchNode(cmd.Node, t);
  }

  private ensureService(node: string, s: CatalogRegisterCommand['Service'] & {}, index: number, t: Touched): void {
    let onNode = this.services.get(node);
    if (!onNode) this.services.set(node, (onNode = new Map()));
    const old = onNode.get(s.ID);
    const next: ServiceRecord = {
      Kind: s.Kind ?? '',
      ID: s.ID,
      Service: s.Service,
      Tags: s.Tags ? [...s.Tags] : [],
      Address: s.Address ?? '',
      TaggedAddresses: s.TaggedAddresses ?? null,
      Meta: s.Meta ?? null,
      Port: s.Port ?? 0,
      Weights: s.Weights ?? EMPTY_WEIGHTS,
      EnableTagOverride: s.EnableTagOverride ?? false,
      Proxy: s.Proxy ?? null,
      Connect: s.Connect ?? null,
      CreateIndex: old?.CreateIndex ?? index,
      ModifyIndex: index,
    };
    if (old && sameJson(old, next, ['CreateIndex', 'ModifyIndex'])) return;
    if (old && old.Service !== next.Service) {
      this.unindexName(old.Service, node, old.ID);
      t.names.add(old.Service);
    }
    onNode.set(s.ID, next);
    this.indexName(next.Service, node, next.ID);
    t.services = true;
    t.names.add(next.Service);
  }

  private ensureCheck(node: string, c: CheckInput, index: number, t: Touched): void {
    let onNode = this.checks.get(node);
    if (!onNode) this.checks.set(node, (onNode = new Map()));
    const id = c.CheckID || c.Name;
    const old = onNode.get(id);
    const next: CheckRecord = {
      Node: node,
      CheckID: id,
      Name: c.Name,
      Status: c.Status || 'critical',
      Notes: c.Notes ?? '',
      Output: c.Output ?? '',
      ServiceID: c.ServiceID ?? '',
      Type: c.Type ?? '',
      Interval: c.Interval ?? '',
      Timeout: c.Timeout ?? '',
      ExposedPort: c.ExposedPort ?? 0,
      Definition: c.Definition ?? null,
      CreateIndex: old?.CreateIndex ?? index,
      ModifyIndex: index,
    };
    if (old && sameJson(old, next, ['CreateIndex', 'ModifyIndex'])) return;
    if (old && old.ServiceID !== next.ServiceID) this.touchCheckOwner(node, old.ServiceID, t);
    onNode.set(id, next);
    t.checks = true;
    this.touchCheckOwner(node, next.ServiceID, t);
  }

  private applyDeregister(cmd: CatalogDeregisterCommand, index: number): true | CommandFailure {
    if (!cmd.Node) return { error: 'Must provide node' };
    const t = new Touched();
    if (cmd.ServiceID) {
      this.removeService(cmd.Node, cmd.ServiceID, t);
    } else if (cmd.CheckID) {
      this.removeCheck(cmd.Node, cmd.CheckID, t);
    } else if (this.nodes.has(cmd.Node)) {
      for (const id of [...(this.services.get(cmd.Node)?.keys() ?? [])]) this.removeService(cmd.Node, id, t);
      for (const id of [...(this.checks.get(cmd.Node)?.keys() ?? [])]) this.removeCheck(cmd.Node, id, t);
      this.nodes.delete(cmd.Node);
      this.services.delete(cmd.Node);
      this.checks.delete(cmd.Node);
      t.nodes = true;
    }
    this.finish(t, index);
    return true;
  }

  private applyCheckStatus(cmd: CatalogCheckStatusCommand, index: number): true | CommandFailure {
    if (!VALID_STATUSES.includes(cmd.Status)) return { error: `Invalid check status "${cmd.Status}"` };
    const old = this.checks.get(cmd.Node)?.get(cmd.CheckID);
    if (!old) return { error: `Unknown check "${cmd.CheckID}" on node "${cmd.Node}"` };
    if (old.Status === cmd.Status && old.Output === cmd.Output) return true;
    const t = new Touched();
    this.checks.get(cmd.Node)!.set(cmd.CheckID, { ...old, Status: cmd.Status, Output: cmd.Output, ModifyIndex: index });
    t.checks = true;
    this.touchCheckOwner(cmd.Node, old.ServiceID, t);
    this.finish(t, index);
    return true;
  }

  private removeService(node: string, id: string, t: Touched): void {
    const onNode = this.services.get(node);
    const svc = onNode?.get(id);
    if (!onNode || !svc) return;
    onNode.delete(id);
    this.unindexName(svc.Service, node, id);
    t.services = true;
    t.names.add(svc.Service);
    const checks = this.checks.get(node);
    if (checks) {
      for (const [cid, c] of [...checks]) {
        if (c.ServiceID === id) {
          checks.delete(cid);
          t.checks = true;
        }
      }
    }
  }

  private removeCheck(node: string, id: string, t: Touched): void {
    const onNode = this.checks.get(node);
    const c = onNode?.get(id);
    if (!onNode || !c) return;
    onNode.delete(id);
    t.checks = true;
    this.touchCheckOwner(node, c.ServiceID, t);
  }

  private touchNode(node: string, t: Touched): void {
    t.nodes = true;
    for (const s of this.services.get(node)?.values() ?? []) t.names.add(s.Service);
  }

  private touchCheckOwner(node: string, serviceId: string, t: Touched): void {
    if (serviceId) {
      const s = this.services.get(node)?.get(serviceId);
      if (s) t.names.add(s.Service);
    } else {
      // A node-level check (serfHealth, maintenance) changes the health of every service on the node.
      for (const s of this.services.get(node)?.values() ?? []) t.names.add(s.Service);
    }
  }

  private finish(t: Touched, index: number): void {
    if (t.nodes) this.tableIndex.nodes = index;
    if (t.services) this.tableIndex.services = index;
    if (t.checks) this.tableIndex.checks = index;
    for (const name of t.names) this.serviceIndex.set(name, index);
    if (t.nodes) this.hub.notifyTopic(TOPIC_NODES);
    if (t.services) this.hub.notifyTopic(TOPIC_SERVICES);
    if (t.checks) this.hub.notifyTopic(TOPIC_CHECKS);
    for (const name of t.names) this.hub.notifyTopic(topicService(name));
  }

  private indexName(name: string, node: string, id: string): void {
    let nodes = this.byName.get(name);
    if (!nodes) this.byName.set(name, (nodes = new Map()));
    let ids = nodes.get(node);
    if (!ids) nodes.set(node, (ids = new Set()));
    ids.add(id);
  }

  private unindexName(name: string, node: string, id: string): void {
    const nodes = this.byName.get(name);
    const ids = nodes?.get(node);
    if (!nodes || !ids) return;
    ids.delete(id);
    if (ids.size === 0) nodes.delete(node);
    if (nodes.size === 0) this.byName.delete(name);
  }

  // ---- raw reads for the agent and DNS ----

  /** Table sizes for Consul's usage metrics: nodes, distinct service names, service instances. */
  counts(): { nodes: number; services: number; serviceInstances: number } {
    let instances = 0;
    for (const m of this.services.values()) instances += m.size;
    return { nodes: this.nodes.size, services: this.byName.size, serviceInstances: instances };
  }

  getNode(node: string): NodeRecord | undefined {
    return this.nodes.get(node);
  }
  getService(node: string, id: string): ServiceRecord | undefined {
    return this.services.get(node)?.get(id);
  }
  getCheck(node: string, id: string): CheckRecord | undefined {
    return this.checks.get(node)?.get(id);
  }
  /** Highest index any catalog table has reached. */
  maxIndex(): number {
    return Math.max(this.tableIndex.nodes, this.tableIndex.services, this.tableIndex.checks);
  }

  // ---- queries (Consul shapes) ----

  /**
   * The highest per-service index among the service names `keep` accepts, registered or gone (a name's index
   * stays after its last instance leaves, so a deregistration moves it); 0 when none. What a services list
   * filtered by ACLs answers as its index (docs/acl.md).
   */
  serviceNamesIndex(keep: (name: string) => boolean): number {
    let max = 0;
    for (const [name, i] of this.serviceIndex) if (i > max && keep(name)) max = i;
    return max;
  }

  /** GET /v1/catalog/nodes: sorted by node name. */
  nodeList(opts: { nodeMeta?: Record<string, string> } = {}, ws?: WatchSet): QueryResult<NodeView[]> {
    ws?.addTopic(TOPIC_NODES);
    const out: NodeView[] = [];
    for (const name of [...this.nodes.keys()].sort(compare)) {
      const n = this.nodes.get(name)!;
      if (matchesMeta(n, opts.nodeMeta)) out.push(nodeView(n));
    }
    return { index: this.tableIndex.nodes, value: out };
  }

  /** GET /v1/catalog/services: name -> union of tags (sorted), [] when none. */
  serviceList(opts: { nodeMeta?: Record<string, string> } = {}, ws?: WatchSet): QueryResult<Record<string, string[]>> {
    ws?.addTopic(TOPIC_SERVICES);
    let index = this.tableIndex.services;
    if (opts.nodeMeta) {
      ws?.addTopic(TOPIC_NODES);
      index = Math.max(index, this.tableIndex.nodes);
    }
    const out: Record<string, string[]> = {};
    for (const name of [...this.byName.keys()].sort(compare)) {
      const tags = new Set<string>();
      let any = false;
      for (const [node, ids] of this.byName.get(name)!) {
        if (!matchesMeta(this.nodes.get(node), opts.nodeMeta)) continue;
        any = true;
        for (const id of ids) for (const tag of this.services.get(node)!.get(id)!.Tags) tags.add(tag);
      }
      if (any) out[name] = [...tags].sort(compare);
    }
    return { index, value: out };
  }

  /** GET /v1/catalog/service/:name[?tag=..][&node-meta=..]: by node name, then service ID. */
  serviceNodes(name: string, opts: ServiceQueryOptions = {}, ws?: WatchSet): QueryResult<ServiceNodeView[]> {
    ws?.addTopic(topicService(name));
    const out: ServiceNodeView[] = [];
    for (const [node, svc] of this.instances(name, opts)) out.push(serviceNodeView(node, svc));
    return { index: this.serviceIndex.get(name) ?? this.tableIndex.services, value: out };
  }

  /** GET /v1/catalog/node/:node: null when the node is unknown. */
  nodeServices(node: string, ws?: WatchSet): QueryResult<NodeServicesView | null> {
    ws?.addTopic(TOPIC_NODES);
    ws?.addTopic(TOPIC_SERVICES);
    const index = Math.max(this.tableIndex.nodes, this.tableIndex.services);
    const n = this.nodes.get(node);
    if (!n) return { index, value: null };
    const services: Record<string, ServiceView> = {};
    const onNode = this.services.get(node);
    if (onNode) for (const id of [...onNode.keys()].sort(compare)) services[id] = serviceView(onNode.get(id)!);
    return { index, value: { Node: nodeView(n), Services: services } };
  }

  /** GET /v1/health/node/:node: its checks sorted by CheckID. */
  nodeChecks(node: string, ws?: WatchSet): QueryResult<CheckView[]> {
    ws?.addTopic(TOPIC_CHECKS);
    const out: CheckView[] = [];
    const onNode = this.checks.get(node);
    if (onNode) for (const id of [...onNode.keys()].sort(compare)) out.push(this.checkView(onNode.get(id)!));
    return { index: this.tableIndex.checks, value: out };
  }

  /** GET /v1/health/checks/:service: that service's checks on every node. */
  serviceChecks(name: string, opts: { nodeMeta?: Record<string, string> } = {}, ws?: WatchSet): QueryResult<CheckView[]> {
    ws?.addTopic(topicService(name));
    const out: CheckView[] = [];
    for (const [node, svc] of this.instances(name, { nodeMeta: opts.nodeMeta })) {
      const onNode = this.checks.get(node.Node);
      if (!onNode) continue;
      for (const id of [...onNode.keys()].sort(compare)) {
        const c = onNode.get(id)!;
        if (c.ServiceID === svc.ID) out.push(this.checkView(c));
      }
    }
    return { index: this.serviceIndex.get(name) ?? this.tableIndex.checks, value: out };
  }

  /** GET /v1/health/service/:name: instances with node and checks (node checks first by CheckID order). */
  checkServiceNodes(name: string, opts: ServiceQueryOptions = {}, ws?: WatchSet): QueryResult<HealthEntry[]> {
    ws?.addTopic(topicService(name));
    const out: HealthEntry[] = [];
    for (const [node, svc] of this.instances(name, opts)) {
      const checks: CheckView[] = [];
      const onNode = this.checks.get(node.Node);
      if (onNode) {
        for (const id of [...onNode.keys()].sort(compare)) {
          const c = onNode.get(id)!;
          if (c.ServiceID === '' || c.ServiceID === svc.ID) checks.push(this.checkView(c));
        }
      }
      if (opts.passing && checks.some((c) => c.Status !== 'passing')) continue;
      out.push({ Node: nodeView(node), Service: serviceView(svc), Checks: checks });
    }
    const index = this.serviceIndex.get(name) ?? Math.max(this.tableIndex.nodes, this.tableIndex.services, this.tableIndex.checks);
    return { index, value: out };
  }

  /** GET /v1/health/state/:state (any|passing|warning|critical): by node, then CheckID. */
  checksInState(state: string, opts: { nodeMeta?: Record<string, string> } = {}, ws?: WatchSet): QueryResult<CheckView[]> {
    ws?.addTopic(TOPIC_CHECKS);
    if (opts.nodeMeta) ws?.addTopic(TOPIC_NODES);
    const out: CheckView[] = [];
    for (const node of [...this.checks.keys()].sort(compare)) {
      if (!matchesMeta(this.nodes.get(node), opts.nodeMeta)) continue;
      const onNode = this.checks.get(node)!;
      for (const id of [...onNode.keys()].sort(compare)) {
        const c = onNode.get(id)!;
        if (state === 'any' || c.Status === state) out.push(this.checkView(c));
      }
    }
    const index = opts.nodeMeta ? Math.max(this.tableIndex.checks, this.tableIndex.nodes) : this.tableIndex.checks;
    return { index, value: out };
  }

  /** Every service instance on a node with that name: by node name, then service ID, filtered. */
  private *instances(name: string, opts: ServiceQueryOptions): Generator<[NodeRecord, ServiceRecord]> {
    const nodes = this.byName.get(name);
    if (!nodes) return;
    const wanted = opts.tags?.map((t) => t.toLowerCase());
    for (const nodeName of [...nodes.keys()].sort(compare)) {
      const node = this.nodes.get(nodeName);
      if (!node || !matchesMeta(node, opts.nodeMeta)) continue;
      for (const id of [...nodes.get(nodeName)!].sort(compare)) {
        const svc = this.services.get(nodeName)!.get(id)!;
        if (wanted && !wanted.every((w) => svc.Tags.some((tag) => tag.toLowerCase() === w))) continue;
        yield [node, svc];
      }
    }
  }

  private checkView(c: CheckRecord): CheckView {
    const svc = c.ServiceID ? this.services.get(c.Node)?.get(c.ServiceID) : undefined;
    return {
      Node: c.Node,
      CheckID: c.CheckID,
      Name: c.Name,
      Status: c.Status,
      Notes: c.Notes,
      Output: c.Output,
      ServiceID: c.ServiceID,
      ServiceName: svc?.Service ?? '',
      ServiceTags: svc ? [...svc.Tags] : [],
      Type: c.Type,
      Interval: c.Interval,
      Timeout: c.Timeout,
      ExposedPort: c.ExposedPort,
      Definition: c.Definition ?? {},
      CreateIndex: c.CreateIndex,
      ModifyIndex: c.ModifyIndex,
    };
  }

  // ---- snapshots ----

  snapshot(): CatalogSnapshot {
    return {
      nodes: [...this.nodes.values()],
      services: [...this.services].map(([n, m]) => [n, [...m.values()]]),
      checks: [...this.checks].map(([n, m]) => [n, [...m.values()]]),
      tableIndex: { ...this.tableIndex },
      serviceIndex: [...this.serviceIndex],
    };
  }

  restore(s: CatalogSnapshot): void {
    this.nodes = new Map(s.nodes.map((n) => [n.Node, n]));
    this.services = new Map(s.services.map(([n, list]) => [n, new Map(list.map((x) => [x.ID, x]))]));
    this.checks = new Map(s.checks.map(([n, list]) => [n, new Map(list.map((x) => [x.CheckID, x]))]));
    this.tableIndex = { ...s.tableIndex };
    this.serviceIndex = new Map(s.serviceIndex);
    this.byName = new Map();
    for (const [node, m] of this.services) for (const svc of m.values()) this.indexName(svc.Service, node, svc.ID);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function matchesMeta(node: NodeRecord | undefined, filter: Record<string, string> | undefined): boolean {
  if (!filter) return true;
  if (!node) return false;
  for (const k in filter) if ((node.Meta ?? {})[k] !== filter[k]) return false;
  return true;
}

/** What Consul prints for a service that is not a proxy. */
function emptyProxy(): Record<string, unknown> {
  return { Mode: '', MeshGateway: {}, Expose: {} };
}

function nodeView(n: NodeRecord): NodeView {
  return {
    ID: n.ID,
    Node: n.Node,
    Address: n.Address,
    Datacenter: n.Datacenter,
    TaggedAddresses: n.TaggedAddresses ? { ...n.TaggedAddresses } : null,
    Meta: { ...(n.Meta ?? {}) },
    CreateIndex: n.CreateIndex,
    ModifyIndex: n.ModifyIndex,
  };
}

function serviceView(s: ServiceRecord): ServiceView {
  const v: ServiceView = {
    ID: s.ID,
    Service: s.Service,
    Tags: [...s.Tags],
    Address: s.Address,
    Meta: { ...(s.Meta ?? {}) },
    Port: s.Port,
    Weights: { ...s.Weights },
    EnableTagOverride: s.EnableTagOverride,
    Proxy: s.Proxy ? structuredClone(s.Proxy) : emptyProxy(),
    Connect: structuredClone(s.Connect ?? {}),
    CreateIndex: s.CreateIndex,
    ModifyIndex: s.ModifyIndex,
  };
  if (s.Kind) v.Kind = s.Kind;
  if (s.TaggedAddresses) v.TaggedAddresses = structuredClone(s.TaggedAddresses);
  return v;
}

function serviceNodeView(n: NodeRecord, s: ServiceRecord): ServiceNodeView {
  const v: ServiceNodeView = {
    ID: n.ID,
    Node: n.Node,
    Address: n.Address,
    Datacenter: n.Datacenter,
    TaggedAddresses: n.TaggedAddresses ? { ...n.TaggedAddresses } : null,
    NodeMeta: { ...(n.Meta ?? {}) },
    ServiceKind: s.Kind,
    ServiceID: s.ID,
    ServiceName: s.Service,
    ServiceTags: [...s.Tags],
    ServiceAddress: s.Address,
    ServiceWeights: { ...s.Weights },
    ServiceMeta: { ...(s.Meta ?? {}) },
    ServicePort: s.Port,
    ServiceEnableTagOverride: s.EnableTagOverride,
    ServiceProxy: s.Proxy ? structuredClone(s.Proxy) : emptyProxy(),
    ServiceConnect: structuredClone(s.Connect ?? {}),
    CreateIndex: s.CreateIndex,
    ModifyIndex: s.ModifyIndex,
  };
  if (s.TaggedAddresses) v.ServiceTaggedAddresses = structuredClone(s.TaggedAddresses);
  return v;
}

function sameNode(a: NodeRecord, b: NodeRecord): boolean {
  return (
    a.ID === b.ID &&
    a.Address === b.Address &&
    a.Datacenter === b.Datacenter &&
    deepEqual(a.TaggedAddresses, b.TaggedAddresses) &&
    deepEqual(a.Meta, b.Meta)
  );
}

/** Structural equality ignoring the index fields (key order does not matter; arrays stay ordered). */
function sameJson<T extends object>(a: T, b: T, ignore: Array<keyof T>): boolean {
  const strip = (x: T) => {
    const c: Record<string, unknown> = { ...(x as Record<string, unknown>) };
    for (const k of ignore) delete c[k as string];
    return c;
  };
  return deepEqual(strip(a), strip(b));
}

/** The catalog as readers (the HTTP API, DNS) see it: queries only, nothing that changes it. */
export type CatalogReader = Pick<
  CatalogState,
  | 'getNode'
  | 'getService'
  | 'getCheck'
  | 'maxIndex'
  | 'nodeList'
  | 'serviceList'
  | 'serviceNodes'
  | 'nodeServices'
  | 'nodeChecks'
  | 'serviceChecks'
  | 'checkServiceNodes'
  | 'checksInState'
  | 'serviceNamesIndex'
>;
