// /v1/agent/*: routes each path to AgentEndpoints (implemented by the agent), parsing query parameters and
// encoding answers. Agent endpoints are local: no X-Consul-Index.

import { agentToken } from './agent-token-endpoint.js';
import { authorizeAgentEndpoint } from './agent-acl-checks.js';
import { filterByAcl, filteredHeaders, wasFiltered } from './acl-enforce.js';
import type { Access, Resource } from '@conclave/acl';
import { parseGoBool, parseLogLevel } from '@conclave/toolkit';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';
import { memberJson, selfJson } from './agent-json.js';
import { filterList, filterMap, filterPredicate } from './filters.js';
import { AGENT_MEMBER_TYPE, AGENT_SERVICE_TYPE, HEALTH_CHECK_TYPE } from './filter-types.js';
import { MonitorStream } from './monitor-stream.js';
import { metricsStream } from './metrics-stream.js';
import { hashBlockingQuery } from './hash-blocking.js';

/** What promhttp answers for the text exposition format. */
const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const HEALTH_STATUS_CODE: Record<string, number> = { passing: 200, warning: 429, critical: 503, maintenance: 503 };

export async function handleAgent(call: ApiCall): Promise<void> {
  const agent = call.backend.agent;
  const path = call.rest;
  const q = call.query;
  if (path.startsWith('token/')) return agentToken(call, path.slice('token/'.length));
  switch (path) {
    case 'self':
      if (call.allow('GET')) call.json(200, selfJson(await agent.self()));
      return;
    case 'members': {
      if (!call.allow('GET')) return;
      const pred = filterPredicate(call, AGENT_MEMBER_TYPE);
      const members = await agent.members({ wan: flag(call, 'wan'), segment: q.empty ? undefined : q.get('segment') });
      const visible = filterByAcl(call, members.map(memberJson), (may, m) => may('node', 'read', String(m.Name)));
      call.send(200, 'application/json', call.encode(filterList(visible, pred)), filteredHeaders(wasFiltered(call)));
      return;
    }
    // ?filter runs over the answer's values: api.AgentService, and structs.HealthCheck for checks.
    case 'services': {
      if (!call.allow('GET')) return;
      const pred = filterPredicate(call, AGENT_SERVICE_TYPE);
      const services = aclMap(call, await agent.services(call.context()), (may, s) => may('service', 'read', String(s.Service)));
      call.send(200, 'application/json', call.encode(filterMap(services, pred)), filteredHeaders(wasFiltered(call)));
      return;
    }
    case 'checks': {
      if (!call.allow('GET')) return;
      const pred = filterPredicate(call, HEALTH_CHECK_TYPE);
      const checks = aclMap(call, await agent.checks(call.context()), (may, c) =>
        c.ServiceName ? may('service', 'read', String(c.ServiceName)) : may('node', 'read', call.backend.nodeName),
      );
      call.send(200, 'application/json', call.encode(filterMap(checks, pred)), filteredHeaders(wasFiltered(call)));
      return;
    }
    case 'service/register': {
      if (!call.allow('PUT')) return;
      const body = await requiredBody(call);
      await authorizeAgentEndpoint(call, path, body);
      await agent.registerService(body, { replaceExistingChecks: flag(call, 'replace-existing-checks') }, call.context());
      call.ok();
      return;
    }
    case 'check/register': {
      if (!call.allow('PUT')) return;
      const checkBody = await requiredBody(call);
      await authorizeAgentEndpoint(call, path, checkBody);
      await agent.registerCheck(checkBody, call.context());
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
    case 'metrics/stream':
      if (call.allow('GET')) metricsStream(call);
      return;
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
  // Services and checks by ID: the ACL check needs the service the ID belongs to (agent-acl-checks.ts).
  if (path.startsWith('service/') || path.startsWith('check/')) await authorizeAgentEndpoint(call, path);

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
    const sid = arg;
    // Consul's AgentService: the service with its ContentHash in the body and X-Consul-ContentHash, hash-blocking.
    return hashBlockingQuery(
      call,
      async () => (await agent.service(sid, call.context())) as Record<string, unknown> | undefined,
      (svc, hash) => {
        if (svc === undefined) return call.text(404, `unknown service ID: ${sid}`);
        call.send(200, 'application/json', call.encode(withContentHash(svc, hash)), ['X-Consul-ContentHash', hash]);
      },
    );
  }
  if ((arg = id('health/service/id/')) !== undefined) {
    if (!call.allow('GET')) return;
    const sid = arg;
    return hashBlockingQuery(
      call,
      () => agent.serviceHealthById(sid),
      (h, hash) => {
        const reason = `ServiceId ${sid} not found`;
        if (!h) {
          if (wantsText(call)) return call.text(404, reason);
          return call.json(404, { AggregatedStatus: 'critical', Service: null, Checks: null });
        }
        healthAnswer(call, HEALTH_STATUS_CODE[h.status] ?? 503, h.status, { AggregatedStatus: h.status, ...(h.entry as object) }, hash);
      },
    );
  }
  if ((arg = id('health/service/name/')) !== undefined) {
    if (!call.allow('GET')) return;
    const name = arg;
    return hashBlockingQuery(
      call,
      () => agent.serviceHealthByName(name),
      (h, hash) => {
        const entries = h?.entries ?? [];
        if (entries.length === 0) {
          const reason = `ServiceName ${name} Not Found`;
          if (wantsText(call)) return call.text(404, reason);
          return call.json(404, []);
        }
        // Consul keeps the worst code over the instances (passing 200 < warning 429 < critical 503), the first
        // status seen with it (so maintenance and critical, both 503, answer whichever instance came first).
        let code = 0;
        let status = '';
        const infos = entries.map((e) => {
          const st = (e as { AggregatedStatus?: string }).AggregatedStatus ?? h!.status;
          const c = HEALTH_STATUS_CODE[st] ?? 503;
          if (c > code) {
            code = c;
            status = st;
          }
          return { AggregatedStatus: st, ...(e as object) };
        });
        healthAnswer(call, code, status, infos, hash);
      },
    );
  }
  if ((arg = id('connect/')) !== undefined) {
    // Connect (the service mesh) is not built: Consul answers its agent endpoints this way when disabled.
    if (!call.allow(arg === 'authorize' ? 'POST' : 'GET')) return;
    throw new ApiError(500, 'Connect must be enabled in order to use this endpoint');
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

/** api.AgentService with ContentHash where Go's struct has it: after EnableTagOverride, before Proxy/Connect. */
function withContentHash(svc: Record<string, unknown>, hash: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let placed = false;
  for (const [k, v] of Object.entries(svc)) {
    if (!placed && (k === 'Proxy' || k === 'Connect' || k === 'PeerName' || k === 'Datacenter')) {
      out.ContentHash = hash;
      placed = true;
    }
    out[k] = v;
  }
  if (!placed) out.ContentHash = hash;
  return out;
}

/** Consul's returnTextPlain: an Accept of text/plain, or ?format=text. */
function wantsText(call: ApiCall): boolean {
  const accept = call.req.headers.accept;
  if (typeof accept === 'string' && accept.startsWith('text/plain')) return true;
  return !call.query.empty && call.query.get('format') === 'text';
}

function healthAnswer(call: ApiCall, code: number, status: string, payload: unknown, hash: string): void {
  const headers = hash ? ['X-Consul-ContentHash', hash] : [];
  if (wantsText(call)) return call.text(code, status, headers);
  call.send(code, 'application/json', call.encode(payload), headers);
}

/** An agent map (services, checks by ID) without the entries the token may not read. */
function aclMap(
  call: ApiCall,
  map: Record<string, unknown>,
  keep: (may: (resource: Resource, access: Access, name: string) => boolean, v: Record<string, unknown>) => boolean,
): Record<string, unknown> {
  const entries = filterByAcl(call, Object.entries(map), (may, [, v]) => keep(may, (v ?? {}) as Record<string, unknown>));
  return Object.fromEntries(entries);
}
