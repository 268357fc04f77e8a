// /v1/catalog/*: register, deregister, datacenters, nodes, services, service/<name>, node/<node>,
// node-services/<node>, gateway-services/<gateway>.

import { DecodeError, type WatchSet } from '@conclave/toolkit';
import { decodeDeregisterRequest, decodeRegisterRequest, isCommandFailure } from '@conclave/catalog';
import type { QueryResult } from '@conclave/catalog';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';
import { blockingQuery, parseBlockingOptions, type MaybeFiltered } from './blocking-query.js';
import { aclFilter, filteredHeaders, requirePermission, wasFiltered } from './acl-enforce.js';
import { filterList, filterMap, filterPredicate, nodeMetaFilter, tagFilter } from './filters.js';
import { nearNode, sortNear } from './near-sort.js';
import { NODE_SERVICE_TYPE, NODE_TYPE, SERVICE_NODE_TYPE } from './filter-types.js';

export async function handleCatalog(call: ApiCall): Promise<void> {
  const path = call.rest;
  switch (path) {
    case 'register':
      if (call.allow('PUT')) await catalogWrite(call, 'register');
      return;
    case 'deregister':
      if (call.allow('PUT')) await catalogWrite(call, 'deregister');
      return;
    case 'datacenters':
      if (!call.allow('GET')) return;
      call.json(200, call.backend.datacenters?.() ?? [call.backend.datacenter]);
      return;
    case 'nodes': {
      if (!call.allow('GET')) return;
      const pred = filterPredicate(call, NODE_TYPE);
      const nodeMeta = nodeMetaFilter(call);
      const near = nearNode(call);
      const may = aclFilter(call);
      // Filtered inside the run, so that the blocking loop sees only what the token may read (blocking-query.ts).
      const run = (ws: WatchSet | undefined) => {
        const r = call.backend.state.catalog.nodeList({ nodeMeta }, ws);
        if (!may) return r;
        const nodes = r.value.filter((n) => may('node', 'read', n.Node));
        return { index: r.index, value: nodes, filtered: nodes.length !== r.value.length };
      };
      return read(call, run, (r) => sortNear(call, near, filterList(r.value, pred), (n) => n.Node), may !== undefined);
    }
    case 'services': {
      if (!call.allow('GET')) return;
      const pred = filterPredicate(call, SERVICE_NODE_TYPE);
      const nodeMeta = nodeMetaFilter(call);
      const catalog = call.backend.state.catalog;
      const may = aclFilter(call);
      const run = (ws: WatchSet | undefined) => {
        const r = catalog.serviceList({ nodeMeta }, ws);
        if (!may) return r;
        const all = Object.entries(r.value);
        const value = Object.fromEntries(all.filter(([name]) => may('service', 'read', name)));
        // The index of the services the token may read (each name keeps its index after it is gone).
        const index = Math.max(catalog.serviceNamesIndex((name) => may('service', 'read', name)), 1);
        return { index, value, filtered: Object.keys(value).length !== all.length };
      };
      return read(call, run, (r) => {
        if (!pred) return r.value;
        // Consul filters the service instances (ServiceNode fields), then unions the tags of those left.
        const out: Record<string, string[]> = {};
        for (const name of Object.keys(r.value)) {
          const kept = catalog.serviceNodes(name, { nodeMeta }).value.filter(pred);
          if (kept.length > 0) out[name] = [...new Set(kept.flatMap((s) => s.ServiceTags))].sort();
        }
        return out;
        // Its index is made of what the token reads (above): a write it cannot see does not move it, and one it can
        // answers even when the names and tags stay the same (Consul would too: the index moved).
      });
    }
  }
  if (path.startsWith('service/')) {
    if (!call.allow('GET')) return;
    const name = path.slice('service/'.length);
    if (name === '') throw new ApiError(400, 'Missing service name');
    const opts = { tags: tagFilter(call), nodeMeta: nodeMetaFilter(call) };
    const pred = filterPredicate(call, SERVICE_NODE_TYPE);
    const near = nearNode(call);
    return read(call, (ws) => call.backend.state.catalog.serviceNodes(name, opts, ws), (r) =>
      sortNear(call, near, filterList(r.value, pred), (s) => s.Node),
    );
  }
  if (path.startsWith('node-services/')) {
    if (!call.allow('GET')) return;
    const node = path.slice('node-services/'.length);
    if (node === '') throw new ApiError(400, 'Missing node name');
    const pred = filterPredicate(call, NODE_SERVICE_TYPE);
    // Consul's NodeServiceList: the services as a list, and {Node: null, Services: []} for an unknown node.
    return read(call, (ws) => call.backend.state.catalog.nodeServices(node, ws), (r) => ({
      Node: r.value?.Node ?? null,
      Services: filterList(r.value ? Object.values(r.value.Services) : [], pred),
    }));
  }
  if (path.startsWith('gateway-services/')) {
    if (!call.allow('GET')) return;
    if (path === 'gateway-services/') throw new ApiError(400, 'Missing gateway name');
    // Gateways are configured by config entries (Connect), which this agent does not have: no gateway links
    // a service, so the list is empty, at the services table's index (what would change it).
    return read(call, (ws) => ({ ...call.backend.state.catalog.serviceList({}, ws), value: [] }));
  }
  if (path.startsWith('node/')) {
    if (!call.allow('GET')) return;
    const node = path.slice('node/'.length);
    if (node === '') throw new ApiError(400, 'Missing node name');
    const pred = filterPredicate(call, NODE_SERVICE_TYPE);
    return read(call, (ws) => call.backend.state.catalog.nodeServices(node, ws), (r) => {
      if (!pred || !r.value) return r.value;
      return { ...r.value, Services: filterMap(r.value.Services, pred) };
    });
  }
  throw new ApiError(404, 'Invalid URL path: not a recognized HTTP API endpoint');
}

/**
 * A blocking-capable read answered as JSON with the query headers. `aclFiltered`: `run` answers only what the
 * caller's token may read (and `filtered` when it left something out), so the blocking loop ignores hidden writes.
 */
export async function read<T>(
  call: ApiCall,
  run: (ws: WatchSet | undefined) => MaybeFiltered<T>,
  shape?: (r: QueryResult<T>) => unknown,
  aclFiltered = false,
): Promise<void> {
  const opts = parseBlockingOptions(call);
  await blockingQuery(call, opts, run, (r) => {
    wasFiltered(call);
    const value = shape ? shape(r) : r.value;
    const filtered = (r as MaybeFiltered<T>).filtered === true || wasFiltered(call);
    const body = call.encode(value);
    call.send(200, 'application/json', body, [...call.metaHeaders(r.index, opts.mode), ...filteredHeaders(filtered)]);
  }, { aclFiltered });
}

async function catalogWrite(call: ApiCall, kind: 'register' | 'deregister'): Promise<void> {
  call.checkDatacenter();
  const body = await call.readJson();
  let cmd;
  try {
    cmd = kind === 'register' ? decodeRegisterRequest(body ?? {}, call.backend.datacenter) : decodeDeregisterRequest(body ?? {});
  } catch (err) {
    if (err instanceof DecodeError) throw new ApiError(400, `Request decode failed: ${err.message}`);
    throw err;
  }
  if (kind === 'register' && cmd.type === 'catalog.register') {
    if (cmd.Datacenter && cmd.Datacenter !== call.backend.datacenter) throw new ApiError(500, 'No path to datacenter');
    // Consul: service:write for the service registered, node:write unless only services and checks are added.
    if (cmd.Service) await requirePermission(call, 'service', 'write', cmd.Service.Service);
    await requirePermission(call, 'node', 'write', cmd.Node);
  } else if (cmd.type === 'catalog.deregister') {
    await requirePermission(call, 'node', 'write', cmd.Node);
  }
  const result = (await call.backend.log.propose(cmd)).result;
  if (isCommandFailure(result)) throw new ApiError(500, result.error);
  call.json(200, true);
}
