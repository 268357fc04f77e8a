// /v1/session/create|destroy|renew|info|node|list. The session ID is chosen here (the proposer), never in
// apply; a renew resets the leader's TTL timer and writes nothing to the log, as in Consul.

import { DecodeError, randomUuid, type WatchSet } from '@conclave/toolkit';
import { isCommandFailure } from '@conclave/catalog';
import { SessionRequestError, decodeSessionRequest } from '@conclave/state';
import type { Session } from '@conclave/state';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';
import { blockingQuery, parseBlockingOptions, type MaybeFiltered } from './blocking-query.js';
import { aclFilter, filterByAcl, filteredHeaders, requirePermission, wasFiltered } from './acl-enforce.js';

export async function handleSession(call: ApiCall): Promise<void> {
  const rest = call.rest;
  const slash = rest.indexOf('/');
  const op = slash < 0 ? rest : rest.slice(0, slash);
  const arg = slash < 0 ? '' : rest.slice(slash + 1);
  switch (op) {
    case 'create':
      if (slash >= 0 || !call.allow('PUT')) return notFoundOr(call, slash >= 0);
      return create(call);
    case 'destroy':
      if (!call.allow('PUT')) return;
      return destroy(call, arg);
    case 'renew':
      if (!call.allow('PUT')) return;
      return renew(call, arg);
    case 'info':
      if (!call.allow('GET')) return;
      if (!arg) throw new ApiError(400, 'Missing session');
      return read(call, (ws) => call.backend.state.sessions.info(arg, ws));
    case 'node':
      if (!call.allow('GET')) return;
      if (!arg) throw new ApiError(400, 'Missing node name');
      return read(call, (ws) => call.backend.state.sessions.byNodeName(arg, ws));
    case 'list':
      if (slash >= 0) return notFoundOr(call, true);
      if (!call.allow('GET')) return;
      return readList(call);
    default:
      call.text(404, 'Invalid URL path: not a recognized HTTP API endpoint');
  }
}

function notFoundOr(call: ApiCall, notFound: boolean): void {
  if (notFound) call.text(404, 'Invalid URL path: not a recognized HTTP API endpoint');
}

async function create(call: ApiCall): Promise<void> {
  call.checkDatacenter();
  const body = await call.readJson();
  let input;
  try {
    input = decodeSessionRequest(body, { node: call.backend.nodeName, ttlMinNs: call.backend.sessionTtlMinNs });
  } catch (err) {
    if (err instanceof SessionRequestError) throw new ApiError(500, err.message);
    if (err instanceof DecodeError) throw new ApiError(400, `Request decode failed: ${err.message}`);
    throw err;
  }
  await requirePermission(call, 'session', 'write', input.Node);
  const id = randomUuid();
  const result = (await call.backend.log.propose({
    type: 'session.create',
    Session: { ID: id, ...input },
    Now: now(call),
  })).result;
  if (isCommandFailure(result)) throw new ApiError(500, result.error);
  call.json(200, { ID: id });
}

async function destroy(call: ApiCall, id: string): Promise<void> {
  call.checkDatacenter();
  if (!id) throw new ApiError(400, 'Missing session');
  const result = (await call.backend.log.propose({ type: 'session.destroy', ID: id, Now: now(call) })).result;
  if (isCommandFailure(result)) throw new ApiError(500, result.error);
  call.json(200, true);
}

async function renew(call: ApiCall, id: string): Promise<void> {
  call.checkDatacenter();
  if (!id) throw new ApiError(400, 'Missing session');
  const timers = call.backend.sessionTimers;
  const session = timers ? timers.renew(id) : call.backend.state.sessions.get(id);
  if (!session) throw new ApiError(404, `Session id '${id}' not found`);
  call.json(200, [sessionJson(session)]);
}

function read(
  call: ApiCall,
  run: Parameters<typeof blockingQuery<Session[]>>[2],
): Promise<void> {
  const opts = parseBlockingOptions(call);
  return blockingQuery(call, opts, run, (r) => {
    wasFiltered(call);
    const sessions = filterByAcl(call, r.value, (may, x) => may('session', 'read', x.Node));
    call.send(200, 'application/json', call.encode(sessions.map(sessionJson)), [...call.metaHeaders(r.index, opts.mode), ...filteredHeaders(wasFiltered(call))]);
  });
}

/** /v1/session/list: the sessions on nodes the token may read sessions of, at the index of those nodes' last
 * session change, so a session created or destroyed elsewhere neither wakes nor shows (blocking-query.ts). */
function readList(call: ApiCall): Promise<void> {
  const opts = parseBlockingOptions(call);
  const sessions = call.backend.state.sessions;
  const may = aclFilter(call);
  const run = (ws: WatchSet | undefined): MaybeFiltered<Session[]> => {
    const r = sessions.list(ws);
    if (!may) return r;
    const value = r.value.filter((x) => may('session', 'read', x.Node));
    const index = Math.max(sessions.nodeSessionsIndex((node) => may('session', 'read', node)), 1);
    return { index, value, filtered: value.length !== r.value.length };
  };
  return blockingQuery(call, opts, run, (r: MaybeFiltered<Session[]>) => {
    call.send(200, 'application/json', call.encode(r.value.map(sessionJson)), [...call.metaHeaders(r.index, opts.mode), ...filteredHeaders(r.filtered === true)]);
  });
}

/** Consul's field order; the table's records are shared, so a copy goes out. */
function sessionJson(s: Session): Record<string, unknown> {
  return {
    ID: s.ID,
    Name: s.Name,
    Node: s.Node,
    LockDelay: s.LockDelay,
    Behavior: s.Behavior,
    TTL: s.TTL,
    NodeChecks: s.NodeChecks,
    ServiceChecks: s.ServiceChecks,
    CreateIndex: s.CreateIndex,
    ModifyIndex: s.ModifyIndex,
  };
}

function now(call: ApiCall): number {
  return call.backend.now ? call.backend.now() : Date.now();
}
