// /v1/coordinate/*: the network coordinates agents send to the servers (LAN, per node) and the servers' WAN
// coordinates by datacenter (Consul's agent/coordinate_endpoint.go). A coordinate of a node the catalog no
// longer has is not shown, as Consul drops them with the node.
import { isCommandFailure } from '@conclave/catalog';
import { isNodeCoordinate, type CoordinateEntry } from '@conclave/state';
import { DecodeError, isPlainObject } from '@conclave/toolkit';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';
import { blockingQuery, parseBlockingOptions, type MaybeFiltered } from './blocking-query.js';
import { aclFilter, filteredHeaders, requirePermission } from './acl-enforce.js';

export async function handleCoordinate(call: ApiCall): Promise<void> {
  const rest = call.rest;
  if (rest === 'datacenters') {
    if (!call.allow('GET')) return;
    call.checkDatacenter();
    const dc = call.backend.datacenter;
    return call.json(200, call.backend.wanCoordinates?.() ?? [{ Datacenter: dc, AreaID: 'wan', Coordinates: [] }]);
  }
  if (rest === 'nodes') {
    if (!call.allow('GET')) return;
    const opts = parseBlockingOptions(call);
    // Consul's filterCoordinates: only the nodes the token may read (node:read), filtered inside the run so a
    // blocked query does not wake for the others (blocking-query.ts).
    const may = aclFilter(call);
    return blockingQuery(
      call,
      opts,
      (ws): MaybeFiltered<CoordinateEntry[]> => {
        const r = call.backend.state.coordinates.list(ws);
        const all = r.value.filter((e) => known(call, e));
        if (!may) return { index: r.index, value: all };
        const value = all.filter((e) => may('node', 'read', e.Node));
        return { index: r.index, value, filtered: value.length !== all.length };
      },
      (r: MaybeFiltered<CoordinateEntry[]>) =>
        call.send(200, 'application/json', call.encode(r.value), [...call.metaHeaders(r.index, opts.mode), ...filteredHeaders(r.filtered === true)]),
      { aclFiltered: may !== undefined },
    );
  }
  if (rest.startsWith('node/')) {
    if (!call.allow('GET')) return;
    const node = rest.slice(5);
    if (node === '') throw new ApiError(400, 'Missing node name');
    const opts = parseBlockingOptions(call);
    return blockingQuery(
      call,
      opts,
      (ws) => {
        const r = call.backend.state.coordinates.get(node, ws);
        return { index: r.index, value: r.value && known(call, r.value) ? [r.value] : [] };
      },
      (r) => {
        if (r.value.length === 0) return call.send(404, 'text/plain; charset=utf-8', '');
        call.jsonWithMeta(200, call.encode(r.value), r.index, opts.mode);
      },
    );
  }
  if (rest === 'update') {
    if (!call.allow('PUT')) return;
    call.checkDatacenter();
    const body = await call.readJson();
    const entry = decodeUpdate(body);
    // Consul's Coordinate.Update: node:write on the node the coordinate is for.
    await requirePermission(call, 'node', 'write', entry.Node);
    const result = (await call.backend.log.propose({ type: 'coordinate.batch-update', Updates: [entry] })).result;
    if (isCommandFailure(result)) throw new ApiError(500, result.error);
    return call.ok();
  }
  throw new ApiError(404, 'Invalid URL path: not a recognized HTTP API endpoint');
}

function known(call: ApiCall, e: CoordinateEntry): boolean {
  return call.backend.state.catalog.getNode(e.Node) !== undefined;
}

function decodeUpdate(body: unknown): CoordinateEntry {
  try {
    if (!isPlainObject(body)) throw new DecodeError('json: cannot unmarshal into Go value of type structs.CoordinateUpdateRequest');
    const node = body.Node;
    if (typeof node !== 'string' || node === '') throw new DecodeError('Node is required');
    const segment = body.Segment ?? '';
    if (typeof segment !== 'string') throw new DecodeError('Segment must be a string');
    if (!isNodeCoordinate(body.Coord)) throw new DecodeError('Coord must be a coordinate of 8 dimensions: {Vec, Error, Adjustment, Height}');
    return { Node: node, Segment: segment, Coord: body.Coord };
  } catch (err) {
    if (err instanceof DecodeError) throw new ApiError(400, `Request decode failed: ${err.message}`);
    throw err;
  }
}
