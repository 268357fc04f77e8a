// /v1/health/*: node/<node>, checks/<service>, service/<service> (tag, passing, node-meta), state/<state>.

import { sortNear } from './near.js';
import { parseGoBool } from '@conclave/toolkit';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';
import { read } from './catalog-endpoints.js';
import { filterList, filterPredicate, nodeMetaFilter, tagFilter } from './filters.js';
import type { GoType } from './bexpr-fields.js';
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
      let passing = false;
      if (!call.query.empty && call.query.has('passing')) {
        const v = call.query.get('passing')!;
        const b = v === '' ? true : parseGoBool(v);
        if (b === undefined) throw new ApiError(400, 'Invalid value for ?passing');
        passing = b;
      }
      const opts = { tags: tagFilter(call), nodeMeta: nodeMetaFilter(call), passing };
      const shape = shaped(CHECK_SERVICE_NODE_TYPE);
      return read(call, (ws) => catalog.checkServiceNodes(arg, opts, ws), (r) => sortNear(call, shape(r), (e) => e.Node.Node));
    }
    case 'state': {
      if (!call.allow('GET')) return;
      if (arg === '') throw new ApiError(400, 'Missing check state');
      if (!STATES.has(arg)) throw new ApiError(400, `Invalid check state "${arg}": use any, passing, warning or critical`);
      const nodeMeta = nodeMetaFilter(call);
      return read(call, (ws) => catalog.checksInState(arg, { nodeMeta }, ws), shaped(HEALTH_CHECK_TYPE));
    }
  }
  throw new ApiError(404, 'Invalid URL path: not a recognized HTTP API endpoint');
}
