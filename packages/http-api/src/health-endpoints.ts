// /v1/health/*: node/<node>, checks/<service>, service/<service> (tag, passing, node-meta), state/<state>,
// connect/<service> and ingress/<service>.

import { parseGoBool, type WatchSet } from '@conclave/toolkit';
import type { CatalogReader, HealthEntry, QueryResult, ServiceQueryOptions } from '@conclave/catalog';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';
import { read } from './catalog-endpoints.js';
import { aclFilter } from './acl-enforce.js';
import { filterList, filterPredicate, nodeMetaFilter, tagFilter } from './filters.js';
import type { GoType } from './bexpr-fields.js';
import { nearNode, sortNear } from './near-sort.js';
import { CHECK_SERVICE_NODE_TYPE, HEALTH_CHECK_TYPE } from './filter-types.js';

const STATES = new Set(['any', 'passing', 'warning', 'critical']);

export async function handleHealth(call: ApiCall): Promise<void> {
  const path = call.rest;
  const catalog = call.backend.state.catalog;
  // ?filter over the endpoint's Go type: HealthCheck for the check lists, CheckServiceNode for service.
  const shaped = (type: GoType) => {
    const pred = filterPredicate(call, type);
    return <T>(r: { value: T[] }) => filterList(r.value, pred);
  };
  const slash = path.indexOf('/');
  const kind = slash < 0 ? path : path.slice(0, slash);
  const arg = slash < 0 ? '' : path.slice(slash + 1);
  switch (kind) {
    case 'node':
      if (!call.allow('GET')) return;
      if (arg === '') throw new ApiError(400, 'Missing node name');
      return read(call, (ws) => catalog.nodeChecks(arg, ws), shaped(HEALTH_CHECK_TYPE));
    case 'checks': {
      if (!call.allow('GET')) return;
      if (arg === '') throw new ApiError(400, 'Missing service name');
      const nodeMeta = nodeMetaFilter(call);
      return read(call, (ws) => catalog.serviceChecks(arg, { nodeMeta }, ws), shaped(HEALTH_CHECK_TYPE));
    }
    case 'service': {
      if (!call.allow('GET')) return;
      if (arg === '') throw new ApiError(400, 'Missing service name');
      const opts = serviceOptions(call);
      const near = nearNode(call);
      const shape = shaped(CHECK_SERVICE_NODE_TYPE);
      return read(call, (ws) => catalog.checkServiceNodes(arg, opts, ws), (r) => sortNear(call, near, shape(r), (e) => e.Node.Node));
    }
    case 'connect': {
      if (!call.allow('GET')) return;
      if (arg === '') throw new ApiError(400, 'Missing service name');
      const opts = serviceOptions(call);
      const near = nearNode(call);
      const shape = shaped(CHECK_SERVICE_NODE_TYPE);
      return read(call, (ws) => connectCapable(catalog, arg, opts, ws), (r) => sortNear(call, near, shape(r), (e) => e.Node.Node));
    }
    case 'ingress': {
      if (!call.allow('GET')) return;
      if (arg === '') throw new ApiError(400, 'Missing service name');
      serviceOptions(call);
      filterPredicate(call, CHECK_SERVICE_NODE_TYPE);
      // Ingress gateways route to a service through config entries (Connect), which this agent does not
      // have: no gateway serves any service, so the answer is Consul's for that case, an empty list.
      return read(call, (ws) => ({ ...catalog.serviceList({}, ws), value: [] as unknown[] }));
    }
    case 'state': {
      if (!call.allow('GET')) return;
      if (arg === '') throw new ApiError(400, 'Missing check state');
      if (!STATES.has(arg)) throw new ApiError(400, `Invalid check state "${arg}": use any, passing, warning or critical`);
      const nodeMeta = nodeMetaFilter(call);
      const shape = shaped(HEALTH_CHECK_TYPE);
      const may = aclFilter(call);
      // Filtered inside the run so a blocked query does not wake for checks the token cannot read.
      const run = (ws: WatchSet | undefined) => {
        const r = catalog.checksInState(arg, { nodeMeta }, ws);
        if (!may) return r;
        const value = r.value.filter((c) => may('node', 'read', c.Node) && (!c.ServiceName || may('service', 'read', c.ServiceName)));
        return { index: r.index, value, filtered: value.length !== r.value.length };
      };
      return read(call, run, shape, may !== undefined);
    }
  }
  throw new ApiError(404, 'Invalid URL path: not a recognized HTTP API endpoint');
}

/** ?tag, ?node-meta and ?passing of the service health reads, with Consul's error for a bad ?passing. */
function serviceOptions(call: ApiCall): ServiceQueryOptions {
  let passing = false;
  if (!call.query.empty && call.query.has('passing')) {
    const v = call.query.get('passing')!;
    const b = v === '' ? true : parseGoBool(v);
    if (b === undefined) throw new ApiError(400, 'Invalid value for ?passing');
    passing = b;
  }
  return { tags: tagFilter(call), nodeMeta: nodeMetaFilter(call), passing };
}

/** Consul's ServiceConnect index: the connect-native instances of `name` and the connect proxies whose
 * Proxy.DestinationServiceName is `name`. A service without either (no sidecar, not native) has none. */
function connectCapable(catalog: CatalogReader, name: string, opts: ServiceQueryOptions, ws: WatchSet | undefined): QueryResult<HealthEntry[]> {
  const native = catalog.checkServiceNodes(name, opts, ws);
  const out = native.value.filter((e) => e.Service.Connect?.Native === true);
  let index = native.index;
  // A proxy may be named anything: every proxy instance is looked at (the services list wakes us for new ones).
  const services = catalog.serviceList({}, ws);
  index = Math.max(index, services.index);
  for (const svc of Object.keys(services.value)) {
    if (svc === name) continue;
    const instances = catalog.checkServiceNodes(svc, opts, ws);
    for (const e of instances.value) {
      if (e.Service.Kind === 'connect-proxy' && e.Service.Proxy?.DestinationServiceName === name) out.push(e);
    }
  }
  return { index, value: out };
}
