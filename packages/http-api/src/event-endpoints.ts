// /v1/event/fire/<name> and /v1/event/list. Events are agent-local (not in the log): the list's blocking
// index is the last event's UUID halves XORed — a uint64 beyond 2^53, kept as a BigInt — and a blocked list
// waits until that index differs from the one asked for (it is not monotonic).

import { filterByAcl, filteredHeaders, wasFiltered } from './acl-enforce.js';
import { userEventIndex, validateFireParams, type UserEvent } from './user-event-params.js';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';
import type { EventBackend } from './backend.js';
import { parseBlockingOptions } from './blocking-query.js';
import { base64 } from './kv-json.js';

export async function handleEvent(call: ApiCall): Promise<void> {
  const rest = call.rest;
  if (rest.startsWith('fire/') || rest === 'fire') {
    if (!call.allow('PUT')) return;
    return fire(call, rest.slice(5));
  }
  if (rest === 'list') {
    if (!call.allow('GET')) return;
    return list(call);
  }
  call.text(404, 'Invalid URL path: not a recognized HTTP API endpoint');
}

function events(call: ApiCall): EventBackend {
  const ev = call.backend.events;
  if (!ev) throw new ApiError(500, 'User events are not available on this agent');
  return ev;
}

async function fire(call: ApiCall, name: string): Promise<void> {
  call.checkDatacenter();
  if (!name) throw new ApiError(400, 'Missing name');
  const q = call.query;
  const body = await call.readBody(64 * 1024, (n) => `Request body(${n} bytes) too large, max size: 65536 bytes.`);
  const params = {
    Name: name,
    Payload: body.length > 0 ? new Uint8Array(body) : null,
    NodeFilter: (!q.empty && q.get('node')) || '',
    ServiceFilter: (!q.empty && q.get('service')) || '',
    TagFilter: (!q.empty && q.get('tag')) || '',
  };
  const backend = events(call);
  validateFireParams(params);
  const ev = await backend.fire(params);
  call.send(200, 'application/json', call.encode(eventJson(ev)));
}

async function list(call: ApiCall): Promise<void> {
  const opts = parseBlockingOptions(call);
  const q = call.query;
  const name = (!q.empty && q.get('name')) || '';
  let asked: bigint | undefined;
  const indexText = q.empty ? undefined : q.get('index');
  if (indexText) {
    if (!/^[0-9]+$/.test(indexText)) throw new ApiError(400, 'Invalid index');
    asked = BigInt(indexText);
  }
  const backend = events(call);
  const deadline = Date.now() + opts.waitMs + Math.random() * (opts.waitMs / 16);
  for (;;) {
    const found = backend.list(name || undefined);
    const index = userEventIndex(found);
    const left = deadline - Date.now();
    if (asked === undefined || index !== asked || left <= 0) {
      const headers = call.metaHeaders(1, opts.mode);
      headers[1] = index.toString();
      wasFiltered(call);
      const visible = filterByAcl(call, found, (may, e) => may('event', 'read', e.Name));
      call.send(200, 'application/json', call.encode(visible.map(eventJson)), [...headers, ...filteredHeaders(wasFiltered(call))]);
      return;
    }
    const outcome = await new Promise<'changed' | 'timeout' | 'closed'>((resolve) => {
      let settled = false;
      const finish = (why: 'changed' | 'timeout' | 'closed') => {
        if (settled) return;
        settled = true;
        cancel();
        clearTimeout(timer);
        call.res.off('close', onClose);
        resolve(why);
      };
      const onClose = () => finish('closed');
      const cancel = backend.subscribe(() => finish('changed'));
      const timer = setTimeout(() => finish('timeout'), left);
      call.res.on('close', onClose);
    });
    if (outcome === 'closed') return;
    if (outcome === 'timeout') asked = undefined;
  }
}

/** Exactly Consul's eight fields, Payload as padded base64 or null. */
function eventJson(e: UserEvent): Record<string, unknown> {
  return {
    ID: e.ID,
    Name: e.Name,
    Payload: e.Payload && e.Payload.byteLength > 0 ? base64(e.Payload) : null,
    NodeFilter: e.NodeFilter,
    ServiceFilter: e.ServiceFilter,
    TagFilter: e.TagFilter,
    Version: e.Version,
    LTime: e.LTime,
  };
}
