// Consul data a template depends on. Each template data function (service, key, ls, ...) names a
// Dependency: the Consul HTTP request that fetches it, a canonical id shared by every template that
// uses the same data, and how the raw JSON reply becomes the values templates see (consul-template's
// item shapes: HealthService, KeyPair, CatalogSnippet, Node, CatalogNode).
import { TemplateFuncError } from './errors.js';
import { goQuote } from '@conclave/toolkit';
import { GO_TYPE, GoStringMap, compareGoStrings } from './values.js';

/**
 * A Consul HTTP GET: the unencoded path (keys may contain any character; the HTTP layer percent-encodes it)
 * plus query parameters (an empty value means a bare flag such as `recurse`).
 */
export interface ConsulRequest {
  path: string;
  query: Record<string, string>;
}

export type DependencyKind =
  | 'health.service'
  | 'catalog.services'
  | 'catalog.node'
  | 'catalog.nodes'
  | 'catalog.datacenters'
  | 'kv.get'
  | 'kv.block'
  | 'kv.list'
  | 'agent.self'
  | 'file';

export interface Dependency {
  kind: DependencyKind;
  /** Canonical name, e.g. `health.service(web|passing)`; equal ids share one watch. */
  id: string;
  /** The Consul request; null for local sources (files). */
  request: ConsulRequest | null;
  /** A reply of "no value" (404) does not satisfy the template: rendering waits (the `key` function). */
  blockOnNil: boolean;
  /** Non-blocking endpoints are polled at this interval (ms) instead of long-polled. */
  pollIntervalMs?: number;
  /** Local file path for `file` dependencies. */
  filePath?: string;
  /** Turns the raw reply (parsed JSON, or null for 404) into the template value. */
  decode(raw: unknown): unknown;
  /** Extra requests some dependencies need before decoding (datacenters' ignoreFailing probes). */
  refine?(raw: unknown, source: RefineSource, signal?: AbortSignal): Promise<unknown>;
}

/** What `refine` may ask of the source (a plain, non-blocking GET). */
export interface RefineSource {
  fetch(request: ConsulRequest, options: { index: bigint; signal?: AbortSignal }): Promise<{ data: unknown }>;
}

/** The dependency string in a data function call is malformed. */
export class DependencyFormatError extends Error {
  override name = 'DependencyFormatError';
}

// ---------- item shapes (Go structs: missing fields are errors, as in consul-template) ----------

/** Tags, sorted; `.Tags.Contains "x"` works as in consul-template. */
export class ServiceTags extends Array<string> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  Contains(tag: string): boolean {
    return this.includes(tag);
  }
  static from_(tags: unknown): ServiceTags {
    const t = new ServiceTags();
    if (Array.isArray(tags)) for (const x of tags) t.push(String(x));
    t.sort(compareGoStrings);
    return t;
  }
}

/** api.HealthCheck */
export class HealthCheck {
  declare Node: string;
  declare CheckID: string;
  declare Name: string;
  declare Status: string;
  declare Notes: string;
  declare Output: string;
  declare ServiceID: string;
  declare ServiceName: string;
  declare ServiceTags: ServiceTags;
  declare Type: string;
  declare CreateIndex: number;
  declare ModifyIndex: number;
  constructor(fields: Omit<HealthCheck, typeof GO_TYPE>) {
    Object.assign(this, fields);
  }
  get [GO_TYPE](): string {
    return '*api.HealthCheck';
  }
}

/** api.HealthChecks: `.Checks.AggregatedStatus` works as in Go. */
export class HealthChecks extends Array<HealthCheck> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  AggregatedStatus(): string {
    return aggregatedStatus(this);
  }
}

/** api.AgentWeights */
export class AgentWeights {
  declare Passing: number;
  declare Warning: number;
  constructor(fields: Omit<AgentWeights, typeof GO_TYPE>) {
    Object.assign(this, fields);
  }
  get [GO_TYPE](): string {
    return 'api.AgentWeights';
  }
}

export class HealthService {
  declare Node: string;
  declare NodeID: string;
  declare NodeAddress: string;
  declare NodeTaggedAddresses: GoStringMap;
  declare NodeMeta: GoStringMap;
  declare ServiceMeta: GoStringMap;
  declare Address: string;
  declare ServiceTaggedAddresses: Record<string, unknown>;
  declare ID: string;
  declare Name: string;
  declare Tags: ServiceTags;
  declare Checks: HealthChecks;
  declare Status: string;
  declare Port: number;
  declare Weights: AgentWeights;
  constructor(fields: Omit<HealthService, typeof GO_TYPE>) {
    Object.assign(this, fields);
  }
  get [GO_TYPE](): string {
    return '*dependency.HealthService';
  }
}

export class KeyPair {
  declare Path: string;
  declare Key: string;
  declare Value: string;
  declare CreateIndex: number;
  declare ModifyIndex: number;
  declare LockIndex: number;
  declare Flags: bigint;
  declare Session: string;
  constructor(fields: Omit<KeyPair, typeof GO_TYPE>) {
    Object.assign(this, fields);
  }
  get [GO_TYPE](): string {
    return '*dependency.KeyPair';
  }
}

export class CatalogSnippet {
  declare Name: string;
  declare Tags: ServiceTags;
  constructor(fields: Omit<CatalogSnippet, typeof GO_TYPE>) {
    Object.assign(this, fields);
  }
  get [GO_TYPE](): string {
    return '*dependency.CatalogSnippet';
  }
}

export class CatalogNodeInfo {
  declare ID: string;
  declare Node: string;
  declare Address: string;
  declare Datacenter: string;
  declare TaggedAddresses: GoStringMap;
  declare Meta: GoStringMap;
  constructor(fields: Omit<CatalogNodeInfo, typeof GO_TYPE>) {
    Object.assign(this, fields);
  }
  get [GO_TYPE](): string {
    return '*dependency.Node';
  }
}

export class CatalogNodeService {
  declare ID: string;
  declare Service: string;
  declare Tags: ServiceTags;
  declare Meta: GoStringMap;
  declare Port: number;
  declare Address: string;
  declare EnableTagOverride: boolean;
  constructor(fields: Omit<CatalogNodeService, typeof GO_TYPE>) {
    Object.assign(this, fields);
  }
  get [GO_TYPE](): string {
    return '*dependency.CatalogNodeService';
  }
}

export class CatalogNode {
  declare Node: CatalogNodeInfo | null;
  declare Services: CatalogNodeService[];
  constructor(fields: Omit<CatalogNode, typeof GO_TYPE>) {
    Object.assign(this, fields);
  }
  get [GO_TYPE](): string {
    return '*dependency.CatalogNode';
  }
}

// ---------- raw JSON helpers ----------

type Raw = Record<string, unknown>;

function obj(v: unknown): Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {};
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}
function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v !== '') return Number(v);
  return 0;
}
function u64(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  return 0n;
}
function strMap(v: unknown): GoStringMap {
  const out = new GoStringMap();
  for (const [k, x] of Object.entries(obj(v))) out.set(k, str(x));
  return out;
}
function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function decodeBase64(v: unknown): string {
  if (typeof v !== 'string') return '';
  return Buffer.from(v, 'base64').toString('utf8');
}

function decodeChecks(v: unknown): HealthChecks {
  const out = new HealthChecks();
  for (const c of list(v)) {
    const r = obj(c);
    out.push(
      new HealthCheck({
        Node: str(r.Node),
        CheckID: str(r.CheckID),
        Name: str(r.Name),
        Status: str(r.Status),
        Notes: str(r.Notes),
        Output: str(r.Output),
        ServiceID: str(r.ServiceID),
        ServiceName: str(r.ServiceName),
        ServiceTags: ServiceTags.from_(r.ServiceTags),
        Type: str(r.Type),
        CreateIndex: num(r.CreateIndex),
        ModifyIndex: num(r.ModifyIndex),
      }),
    );
  }
  return out;
}

/** api.HealthChecks.AggregatedStatus */
export function aggregatedStatus(checks: unknown[]): string {
  let passing = false;
  let warning = false;
  let critical = false;
  let maintenance = false;
  for (const c of checks) {
    const id = str(obj(c).CheckID);
    if (id === '_node_maintenance' || id.startsWith('_service_maintenance:')) {
      maintenance = true;
      continue;
    }
    switch (str(obj(c).Status)) {
      case 'passing':
        passing = true;
        break;
      case 'warning':
        warning = true;
        break;
      case 'critical':
        critical = true;
        break;
      default:
        return '';
    }
  }
  if (maintenance) return 'maintenance';
  if (critical) return 'critical';
  if (warning) return 'warning';
  void passing;
  return 'passing';
}

// ---------- query string grammar (consul-template's regular expressions) ----------

const W = 'A-Za-z0-9_';
const dcRe = `(?:@(?<dc>[${W}.\\-]+))?`;
const queryRe = `(?:\\?(?<query>[${W}\\-=&]+))?`;
const nearRe = `(?:~(?<near>[${W}.\\-]+))?`;
const filterRe = `(?:\\|(?<filter>[${W},]+))?`;
const tagRe = `(?:(?<tag>[${W}=:.\\-]+)\\.)?`;
const serviceNameRe = `(?<name>[${W}\\-]+)`;
const nodeNameRe = `(?<name>[${W}.\\-]+)`;
const keyRe = `/?(?<key>[^@?]+)`;
const prefixRe = `/?(?<prefix>[^@?]+)`;

const HEALTH_RE = new RegExp(`^${tagRe}${serviceNameRe}${queryRe}${dcRe}${nearRe}${filterRe}$`);
const KV_GET_RE = new RegExp(`^${keyRe}${queryRe}${dcRe}$`);
const KV_LIST_RE = new RegExp(`^${prefixRe}${queryRe}${dcRe}$`);
const SERVICES_RE = new RegExp(`^${queryRe}${dcRe}$`);
const NODE_RE = new RegExp(`^${nodeNameRe}${queryRe}${dcRe}$`);
const NODES_RE = new RegExp(`^${queryRe}${dcRe}${nearRe}$`);

const QUERY_KEYS = ['ns', 'peer', 'partition', 'sameness-group'];

function queryOpts(raw: string | undefined, label: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const [k, v] of new URLSearchParams(raw)) {
    if (!QUERY_KEYS.includes(k)) {
      throw new DependencyFormatError(
        `${label}: invalid query parameter key ${goQuote(k)} in query ${goQuote(raw)}: supported keys: ns,peer,partition,sameness-group`,
      );
    }
    out[k] = v;
  }
  return out;
}

function withCommon(q: Record<string, string>, dc: string | undefined, opts: Record<string, string>): Record<string, string> {
  if (dc) q.dc = dc;
  for (const k of ['ns', 'partition', 'peer', 'sameness-group']) if (opts[k]) q[k] = opts[k]!;
  return q;
}

function suffix(dc: string | undefined, opts: Record<string, string>): string {
  let s = '';
  if (dc) s += '@' + dc;
  if (opts.partition) s += '@partition=' + opts.partition;
  if (opts.ns) s += '@ns=' + opts.ns;
  if (opts.peer) s += '@peer=' + opts.peer;
  if (opts['sameness-group']) s += '@sameness-group=' + opts['sameness-group'];
  return s;
}

const HEALTH_FILTERS = ['any', 'passing', 'warning', 'critical', 'maintenance'];

/** `service "tag.name?ns=x@dc~near|filter,filter"` → GET /v1/health/service/<name>. */
export function healthServiceDependency(s: string): Dependency {
  const m = HEALTH_RE.exec(s);
  if (!m) throw new DependencyFormatError(`health.service: invalid format: ${goQuote(s)}`);
  const g = m.groups!;
  let filters: string[];
  if (g.filter) {
    filters = [];
    for (const raw of g.filter.split(',')) {
      const f = raw.trim();
      if (f === '') continue;
      if (!HEALTH_FILTERS.includes(f)) throw new DependencyFormatError(`health.service: invalid filter: ${goQuote(f)} in ${goQuote(s)}`);
      filters.push(f);
    }
    filters.sort();
  } else filters = ['passing'];
  const opts = queryOpts(g.query, 'health.service');
  if (opts['sameness-group'] && opts.peer) {
    throw new DependencyFormatError('health.service: cannot specify both peer and sameness-group');
  }
  const name = g.name!;
  const passingOnly = filters.length === 1 && filters[0] === 'passing';
  const query = withCommon({}, g.dc, opts);
  if (g.near) query.near = g.near;
  if (g.tag) query.tag = g.tag;
  if (passingOnly) query.passing = '1';
  let id = (g.tag ? g.tag + '.' : '') + name + suffix(g.dc, opts);
  if (g.near) id += '~' + g.near;
  if (filters.length) id += '|' + filters.join(',');
  return {
    kind: 'health.service',
    id: `health.service(${id})`,
    request: { path: '/v1/health/service/' + name, query },
    blockOnNil: false,
    decode(raw) {
      const out: HealthService[] = [];
      for (const e of list(raw)) {
        const entry = obj(e);
        const node = obj(entry.Node);
        const svc = obj(entry.Service);
        const checks = decodeChecks(entry.Checks);
        const status = aggregatedStatus(checks);
        if (!filters.some((f) => f === status || f === 'any')) continue;
        const weights = obj(svc.Weights);
        out.push(
          new HealthService({
            Node: str(node.Node),
            NodeID: str(node.ID),
            NodeAddress: str(node.Address),
            NodeTaggedAddresses: strMap(node.TaggedAddresses),
            NodeMeta: strMap(node.Meta),
            ServiceMeta: strMap(svc.Meta),
            Address: str(svc.Address) || str(node.Address),
            ServiceTaggedAddresses: obj(svc.TaggedAddresses),
            ID: str(svc.ID),
            Name: str(svc.Service),
            Tags: ServiceTags.from_(svc.Tags),
            Checks: checks,
            Status: status,
            Port: num(svc.Port),
            Weights: new AgentWeights({ Passing: num(weights.Passing), Warning: num(weights.Warning) }),
          }),
        );
      }
      if (!g.near) {
        out.sort((a, b) => {
          const n = compareGoStrings(a.Node, b.Node);
          return n !== 0 ? n : compareGoStrings(a.ID, b.ID);
        });
      }
      return out;
    },
  };
}

/** `key "path@dc"` (blocking) or `keyOrDefault`/`keyExists` (non-blocking) → GET /v1/kv/<path>. */
export function kvGetDependency(s: string, block: boolean): Dependency {
  const m = KV_GET_RE.exec(s);
  if (!m) throw new DependencyFormatError(`kv.get: invalid format: ${goQuote(s)}`);
  const g = m.groups!;
  const opts = queryOpts(g.query, 'kv.get');
  const key = g.key!;
  const name = key + suffix(g.dc, opts);
  return {
    kind: block ? 'kv.block' : 'kv.get',
    id: block ? `kv.block(${name})` : `kv.get(${name})`,
    request: { path: '/v1/kv/' + key, query: withCommon({}, g.dc, opts) },
    blockOnNil: block,
    decode(raw) {
      const first = list(raw)[0];
      if (first === undefined) return null;
      return decodeBase64(obj(first).Value);
    },
  };
}

/** `ls`/`tree`/`safeLs`/`safeTree "prefix@dc"` → GET /v1/kv/<prefix>?recurse. */
export function kvListDependency(s: string): Dependency {
  const m = KV_LIST_RE.exec(s);
  if (!m) throw new DependencyFormatError(`kv.list: invalid format: ${goQuote(s)}`);
  const g = m.groups!;
  const opts = queryOpts(g.query, 'kv.list');
  const prefix = g.prefix!;
  return {
    kind: 'kv.list',
    id: `kv.list(${prefix}${suffix(g.dc, opts)})`,
    request: { path: '/v1/kv/' + prefix, query: withCommon({ recurse: '' }, g.dc, opts) },
    blockOnNil: false,
    decode(raw) {
      return list(raw).map((p) => {
        const pair = obj(p);
        const full = str(pair.Key);
        const key = (full.startsWith(prefix) ? full.slice(prefix.length) : full).replace(/^\/+/, '');
        return new KeyPair({
          Path: full,
          Key: key,
          Value: decodeBase64(pair.Value),
          CreateIndex: num(pair.CreateIndex),
          ModifyIndex: num(pair.ModifyIndex),
          LockIndex: num(pair.LockIndex),
          Flags: u64(pair.Flags),
          Session: str(pair.Session),
        });
      });
    },
  };
}

/** `services "@dc"` → GET /v1/catalog/services. */
export function catalogServicesDependency(s: string): Dependency {
  const m = SERVICES_RE.exec(s);
  if (!m) throw new DependencyFormatError(`catalog.services: invalid format: ${goQuote(s)}`);
  const g = m.groups!;
  const opts = queryOpts(g.query, 'catalog.services');
  const sfx = suffix(g.dc, opts);
  return {
    kind: 'catalog.services',
    id: sfx ? `catalog.services(${sfx})` : 'catalog.services',
    request: { path: '/v1/catalog/services', query: withCommon({}, g.dc, opts) },
    blockOnNil: false,
    decode(raw) {
      return Object.entries(obj(raw))
        .map(([name, tags]) => new CatalogSnippet({ Name: name, Tags: ServiceTags.from_(tags) }))
        .sort((a, b) => compareGoStrings(a.Name, b.Name));
    },
  };
}

function decodeNode(n: unknown): CatalogNodeInfo {
  const node = obj(n);
  return new CatalogNodeInfo({
    ID: str(node.ID),
    Node: str(node.Node),
    Address: str(node.Address),
    Datacenter: str(node.Datacenter),
    TaggedAddresses: strMap(node.TaggedAddresses),
    Meta: strMap(node.Meta),
  });
}

/** `nodes "@dc~near"` → GET /v1/catalog/nodes. */
export function catalogNodesDependency(s: string): Dependency {
  const m = NODES_RE.exec(s);
  if (!m) throw new DependencyFormatError(`catalog.nodes: invalid format: ${goQuote(s)}`);
  const g = m.groups!;
  const opts = queryOpts(g.query, 'catalog.nodes');
  let id = suffix(g.dc, opts);
  if (g.near) id += '~' + g.near;
  const query = withCommon({}, g.dc, opts);
  if (g.near) query.near = g.near;
  return {
    kind: 'catalog.nodes',
    id: `catalog.nodes(${id})`,
    request: { path: '/v1/catalog/nodes', query },
    blockOnNil: false,
    decode(raw) {
      return list(raw).map(decodeNode);
    },
  };
}

/** `node "name@dc"` → GET /v1/catalog/node/<name>. The caller resolves an empty name to the local node. */
export function catalogNodeDependency(s: string): Dependency {
  const m = NODE_RE.exec(s);
  if (!m) throw new DependencyFormatError(`catalog.node: invalid format: ${goQuote(s)}`);
  const g = m.groups!;
  const opts = queryOpts(g.query, 'catalog.node');
  const name = g.name!;
  return {
    kind: 'catalog.node',
    id: `catalog.node(${name}${suffix(g.dc, opts)})`,
    request: { path: '/v1/catalog/node/' + name, query: withCommon({}, g.dc, opts) },
    blockOnNil: false,
    decode(raw) {
      if (raw === null || raw === undefined) return new CatalogNode({ Node: null, Services: [] });
      const r = obj(raw);
      const services = Object.values(obj(r.Services)).map((v) => {
        const svc = obj(v);
        return new CatalogNodeService({
          ID: str(svc.ID),
          Service: str(svc.Service),
          Tags: ServiceTags.from_(svc.Tags),
          Meta: strMap(svc.Meta),
          Port: num(svc.Port),
          Address: str(svc.Address),
          EnableTagOverride: svc.EnableTagOverride === true,
        });
      });
      services.sort((a, b) => compareGoStrings(a.Service, b.Service) || compareGoStrings(a.ID, b.ID));
      return new CatalogNode({ Node: decodeNode(r.Node), Services: services });
    },
  };
}

/** The local agent's node name (needed by `node` without an argument). */
export function agentSelfDependency(): Dependency {
  return {
    kind: 'agent.self',
    id: 'agent.self',
    request: { path: '/v1/agent/self', query: {} },
    blockOnNil: true,
    pollIntervalMs: 60_000,
    decode(raw) {
      const name = str(obj(obj(raw).Config).NodeName);
      return name === '' ? null : name;
    },
  };
}

/** `datacenters` → GET /v1/catalog/datacenters (not blocking: polled every 15 s, as consul-template does). */
export function catalogDatacentersDependency(ignoreFailing: boolean): Dependency {
  return {
    kind: 'catalog.datacenters',
    id: ignoreFailing ? 'catalog.datacenters(ignoreFailing)' : 'catalog.datacenters',
    request: { path: '/v1/catalog/datacenters', query: {} },
    blockOnNil: false,
    pollIntervalMs: 15_000,
    decode(raw) {
      return list(raw)
        .map(str)
        .sort(compareGoStrings);
    },
    // ignoreFailing keeps only the datacenters that answer a consistent catalog read.
    refine: ignoreFailing
      ? async (raw, source, signal) => {
          const reachable: string[] = [];
          for (const dc of list(raw).map(str)) {
            try {
              await source.fetch({ path: '/v1/catalog/services', query: { dc, consistent: '' } }, { index: 0n, signal });
              reachable.push(dc);
            } catch {
              // An unreachable datacenter is left out.
            }
          }
          return reachable;
        }
      : undefined,
  };
}

/** `file "path"` → the file's contents, polled every 2 s. */
export function fileDependency(path: string): Dependency {
  if (path === '') throw new TemplateFuncError('file: empty path');
  return {
    kind: 'file',
    id: `file(${path})`,
    request: null,
    blockOnNil: false,
    pollIntervalMs: 2_000,
    filePath: path,
    decode(raw) {
      return raw === null || raw === undefined ? null : String(raw);
    },
  };
}
