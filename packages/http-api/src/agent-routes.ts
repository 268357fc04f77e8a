// /v1/agent/*: routes each path to AgentEndpoints (implemented by the agent), parsing query parameters and
// encoding answers. Agent endpoints are local: no X-Consul-Index.

import { parseGoBool, parseLogLevel } from '@conclave/toolkit';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';
import { memberJson, selfJson } from './agent-json.js';
import { filterList, filterMap, filterPredicate } from './filters.js';
import { AGENT_MEMBER_TYPE, AGENT_SERVICE_TYPE, HEALTH_CHECK_TYPE } from './filter-types.js';
import { MonitorStream } from './monitor-stream.js';

/** What promhttp answers for the text exposition format. */
const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const HEALTH_STATUS_CODE: Record<string, number> = { passing: 200, warning: 429, critical: 503, maintenance: 503 };

export async function handleAgent(call: ApiCall): Promise<void> {
  const agent = call.backend.agent;
  const path = call.rest;
  const q = call.query;
  switch (path) {
    case 'self':
      if (call.allow('GET')) call.json(200, selfJson(await agent.self()));
      return;
    case 'members': {
      if (!call.allow('GET')) return;
      const pred = filterPredicate(call, AGENT_MEMBER_TYPE);
      const members = await agent.members({ wan: flag(call, 'wan'), segment: q.empty ? undefined : q.get('segment') });
      call.json(200, filterList(members.map(memberJson), pred));
      return;
    }
    // ?filter runs over the answer's values: api.AgentService, and structs.HealthCheck for checks.
    case 'services': {
      if (!call.allow('GET')) return;
      const pred = filterPredicate(call, AGENT_SERVICE_TYPE);
      call.json(200, filterMap(await agent.services(call.context()), pred));
      return;
    }
    case 'checks': {
      if (!call.allow('GET')) return;
      const pred = filterPredicate(call, HEALTH_CHECK_TYPE);
      call.json(200, filterMap(await agent.checks(call.context()), pred));
      return;
    }
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
    case 'metrics': {
      if (!call.allow('GET')) return;
      if ((!q.empty && q.get('format') === 'prometheus') || acceptsOpenMetrics(call.req.headers.accept)) {
        const text = await agent.prometheusMetrics();
        if (text === undefined) return call.send(415, 'text/plain', 'Prometheus is not enabled since its retention time is not positive');
        return call.send(200, PROMETHEUS_TYPE, text);
      }
      return call.json(200, agent.metrics());
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
    case 'monitor':
      if (call.allow('GET')) monitor(call);
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
    await agent.forceLeave(arg, flag(call, 'prune'), flag(call, 'wan'));
    return call.ok();
  }
  throw new ApiError(404, 'Invalid URL path: not a recognized HTTP API endpoint');
}

/** GET /v1/agent/monitor?loglevel=&logjson: the agent's log lines as they happen, until the client goes away. */
function monitor(call: ApiCall): void {
  const raw = call.query.empty ? '' : (call.query.get('loglevel') ?? '');
  const level = parseLogLevel(raw === '' ? 'INFO' : raw);
  if (level === undefined || level === 'off') throw new ApiError(400, `Unknown log level: ${raw}`);
  const json = !call.query.empty && call.query.has('logjson');
  const { req, res } = call;
  call.answered = true;
  res.writeHead(200, ['Content-Type', 'text/plain; charset=utf-8', 'Cache-Control', 'no-cache']);
  // Headers now, so the client knows the monitor started before the first line.
  res.flushHeaders();
  const stream = new MonitorStream(res, level, json ? 'json' : 'text');
  const sub = call.backend.agent.monitor(stream);
  let done = false;
  const end = () => {
    if (done) return;
    done = true;
    stream.close();
    sub.stop(stream.dropped);
  };
  req.on('close', end);
  res.on('close', end);
  res.on('error', end);
}

/** Consul's acceptsOpenMetricsMimeType: a scraper asking for OpenMetrics (or text 0.4.0) gets the Prometheus
 * format without ?format=prometheus. */
function acceptsOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  for (const v of accept.split(',')) {
    const info = v.split(';');
    const mime = info[0].trim().toLowerCase();
    if (mime === 'application/openmetrics-text') return true;
    if (mime === 'text/plain' && info.length > 1 && info[1].trim() === 'version=0.4.0') return true;
  }
  return false;
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
