// /v1/catalog/*: register, deregister, datacenters, nodes, services, service/<name>, node/<node>.

import { sortNear } from './near.js';
import { DecodeError } from '@conclave/toolkit';
import { decodeDeregisterRequest, decodeRegisterRequest, isCommandFailure } from '@conclave/catalog';
import type { QueryResult } from '@conclave/catalog';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';
import { blockingQuery, parseBlockingOptions } from './blocking-query.js';
import { filterList, filterMap, filterPredicate, nodeMetaFilter, tagFilter } from './filters.js';
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
      return read(call, (ws) => call.backend.state.catalog.nodeList({ nodeMeta }, ws), (r) => sortNear(call, filterList(r.value, pred), (n) => n.Node));
    }
    case 'services': {
      if (!call.allow('GET')) return;
      const pred = filterPredicate(call, SERVICE_NODE_TYPE);
      const nodeMeta = nodeMetaFilter(call);
      const catalog = call.backend.state.catalog;
      return read(call, (ws) => catalog.serviceList({ nodeMeta }, ws), (r) => {
        if (!pred) return r.value;
        // Consul filters the service instances (ServiceNode fields), then unions the tags of those left.
        const out: Record<string, string[]> = {};
        for (const name of Object.keys(r.value)) {
          const kept = catalog.serviceNodes(name, { nodeMeta }).value.filter(pred);
          if (kept.length > 0) out[name] = [...new Set(kept.flatMap((s) => s.ServiceTags))].sort();
        }
        return out;
      });
    }
  }
  if (path.startsWith('service/')) {
    if (!call.allow('GET')) return;
    const name = path.slice('service/'.length);
    if (name === '') throw new ApiError(400, 'Missing service name');
    const opts = { tags: tagFilter(call), nodeMeta: nodeMetaFilter(call) };
    const pred = filterPredicate(call, SERVICE_NODE_TYPE);
    return read(call, (ws) => call.backend.state.catalog.serviceNodes(name, opts, ws), (r) => sortNear(call, filterList(r.value, pred), (s) => s.Node));
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

/** A blocking-capable read answered as JSON with the query headers. */
export async function read<T>(call: ApiCall, run: Parameters<typeof blockingQuery<T>>[2], shape?: (r: QueryResult<T>) => unknown): Promise<void> {
  const opts = parseBlockingOptions(call);
  await blockingQuery(call, opts, run, (r) => {
    const value = shape ? shape(r) : r.value;
    const body = call.encode(value);
    call.jsonWithMeta(200, body, r.index, opts.mode);
  });
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
  }
  const result = (await call.backend.log.propose(cmd)).result;
  if (isCommandFailure(result)) throw new ApiError(500, result.error);
  call.json(200, true);
}
