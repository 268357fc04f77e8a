// /v1/agent/*: routes each path to AgentEndpoints (implemented by the agent), parsing query parameters and
// encoding answers. Agent endpoints are local: no X-Consul-Index.

import { parseGoBool } from '@conclave/toolkit';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';
import { memberJson, selfJson } from './agent-json.js';

const HEALTH_STATUS_CODE: Record<string, number> = { passing: 200, warning: 429, critical: 503, maintenance: 503 };

export async function handleAgent(call: ApiCall): Promise<void> {
  const agent = call.backend.agent;
  const path = call.rest;
  const q = call.query;
  switch (path) {
    case 'self':
      if (call.allow('GET')) call.json(200, selfJson(await agent.self()));
      return;
    case 'members':
      if (!call.allow('GET')) return;
      call.json(200, (await agent.members({ wan: flag(call, 'wan'), segment: q.empty ? undefined : q.get('segment') })).map(memberJson));
      return;
    case 'services':
      if (call.allow('GET')) call.json(200, await agent.services(call.context()));
      return;
    case 'checks':
      if (call.allow('GET')) call.json(200, await agent.checks(call.context()));
      return;
    case 'service/register': {
      if (!call.allow('PUT')) return;
      const body = await requiredBody(call);
      await agent.registerService(body, { replaceExistingChecks: flag(call, 'replace-existing-checks') }, call.context());
      call.ok();
      return;
    }
    case 'check/register': {
      if (!call.allow('PUT')) return;
      await agent.registerCheck(await requiredBody(call), call.context());
      call.ok();
      return;
    }
    case 'maintenance': {
      if (!call.allow('PUT')) return;
      const enable = enableParam(call);
      await agent.nodeMaintenance(enable, q.get('reason') ?? '', call.context());
      call.ok();
      return;
    }
    case 'host':
      // Consul requires operator:read here; there are no ACLs yet, so every caller may read it.
      if (call.allow('GET')) call.json(200, await agent.host(call.context()));
      return;
    case 'version':
      if (call.allow('GET')) call.json(200, await agent.version());
      return;
    case 'reload':
      if (!call.allow('PUT')) return;
      await agent.reload();
      call.ok();
      return;
    case 'leave':
      if (!call.allow('PUT')) return;
      await agent.leave();
      call.ok();
      return;
  }

  const id = (prefix: string): string | undefined => (path.startsWith(prefix) ? path.slice(prefix.length) : undefined);
  let arg: string | undefined;

  if ((arg = id('service/deregister/')) !== undefined) {
    if (!call.allow('PUT')) return;
    if (arg === '') throw new ApiError(400, 'Missing service ID');
    await agent.deregisterService(arg, call.context());
    return call.ok();
  }
  if ((arg = id('service/maintenance/')) !== undefined) {
    if (!call.allow('PUT')) return;
    if (arg === '') throw new ApiError(400, 'Missing service ID');
    const enable = enableParam(call);
    await agent.serviceMaintenance(arg, enable, q.get('reason') ?? '', call.context());
    return call.ok();
  }
  if ((arg = id('service/')) !== undefined) {
    if (!call.allow('GET')) return;
    const svc = await agent.service(arg, call.context());
    if (svc === undefined) throw new ApiError(404, `unknown service ID: ${arg}`);
    return call.json(200, svc);
  }
  if ((arg = id('health/service/id/')) !== undefined) {
    if (!call.allow('GET')) return;
    const h = await agent.serviceHealthById(arg);
    if (!h) throw new ApiError(404, `ServiceId ${arg} not found`);
    return healthAnswer(call, h.status, h.entry);
  }
  if ((arg = id('health/service/name/')) !== undefined) {
    if (!call.allow('GET')) return;
    const h = await agent.serviceHealthByName(arg);
    if (h.entries.length === 0) throw new ApiError(404, `ServiceName ${arg} Not Found`);
    return healthAnswer(call, h.status, h.entries);
  }
  if ((arg = id('check/deregister/')) !== undefined) {
    if (!call.allow('PUT')) return;
    await agent.deregisterCheck(arg, call.context());
    return call.ok();
  }
  for (const [prefix, status] of [
    ['check/pass/', 'passing'],
    ['check/warn/', 'warning'],
    ['check/fail/', 'critical'],
  ] as const) {
    if ((arg = id(prefix)) !== undefined) {
      if (!call.allow('PUT')) return;
      await agent.updateTtlCheck(arg, status, q.empty ? '' : (q.get('note') ?? ''), call.context());
      return call.ok();
    }
  }
  if ((arg = id('check/update/')) !== undefined) {
    if (!call.allow('PUT')) return;
    await agent.updateCheck(arg, await requiredBody(call), call.context());
    return call.ok();
  }
  if ((arg = id('join/')) !== undefined) {
    if (!call.allow('PUT')) return;
    await agent.join(arg, flag(call, 'wan'));
    return call.ok();
  }
  if ((arg = id('force-leave/')) !== undefined) {
    if (!call.allow('PUT')) return;
    await agent.forceLeave(arg, flag(call, 'prune'));
    return call.ok();
  }
  throw new ApiError(404, 'Invalid URL path: not a recognized HTTP API endpoint');
}

/** Presence flags (`?wan`, `?prune`, `?replace-existing-checks`): true with no value, else Go's ParseBool. */
function flag(call: ApiCall, name: string): boolean {
  if (call.query.empty || !call.query.has(name)) return false;
  const v = call.query.get(name)!;
  return v === '' ? true : (parseGoBool(v) ?? true);
}

function enableParam(call: ApiCall): boolean {
  const raw = call.query.empty ? undefined : call.query.get('enable');
  if (raw === undefined || raw === '') throw new ApiError(400, 'Missing value for enable');
  const b = parseGoBool(raw);
  if (b === undefined) throw new ApiError(400, `Invalid value for enable: ${JSON.stringify(raw)}`);
  return b;
}

async function requiredBody(call: ApiCall): Promise<unknown> {
  const body = await call.readJson();
  if (body === undefined) throw new ApiError(400, 'Request decode failed: EOF');
  return body;
}

function healthAnswer(call: ApiCall, status: string, payload: unknown): void {
  const code = HEALTH_STATUS_CODE[status] ?? 503;
  if (!call.query.empty && call.query.get('format') === 'text') return call.text(code, status);
  call.json(code, payload);
}
