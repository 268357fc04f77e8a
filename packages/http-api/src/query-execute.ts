// Executing a prepared query as Consul's PreparedQuery.Execute does: the service's instances in this
// datacenter, minus the unhealthy (critical; warning too with OnlyPassing; IgnoreCheckIDs do not count), the
// node and service meta and tag filters applied, shuffled; when none is left, the failover datacenters in
// order (the NearestN nearest, then Datacenters; this one and unknown ones skipped, as Consul skips them), each
// counted in Failovers, until one answers instances. A failover datacenter is read through the same
// ?dc= forwarding as every request (its server answers /v1/health/service, the filters run here), so the
// caller's token travels with it.
import type { HealthEntry } from '@conclave/catalog';
import type { PreparedQuery } from '@conclave/state';
import type { ApiCall } from './api-call.js';
import { askingAgent, nearNode, sortNear } from './near-sort.js';

export interface QueryExecution {
  Service: string;
  Nodes: HealthEntry[];
  DNS: { TTL: string };
  Datacenter: string;
  Failovers: number;
  /** The local read's index (X-Consul-Index). */
  index: number;
}

/** Consul's FilterIgnore: drop an instance with a critical check (or, OnlyPassing, any non-passing one). */
function healthy(e: HealthEntry, onlyPassing: boolean, ignore: ReadonlySet<string>): boolean {
  for (const c of e.Checks) {
    if (ignore.has(c.CheckID)) continue;
    if (c.Status === 'critical') return false;
    if (onlyPassing && c.Status !== 'passing') return false;
  }
  return true;
}

/** Consul's tagFilter: every tag present, every `!tag` absent, case-insensitively. */
function tagsMatch(tags: readonly string[], wanted: readonly string[]): boolean {
  const have = new Set(tags.map((t) => t.toLowerCase()));
  for (const w of wanted) {
    const t = w.toLowerCase();
    if (t.startsWith('!')) {
      if (have.has(t.slice(1))) return false;
    } else if (!have.has(t)) return false;
  }
  return true;
}

function metaMatch(meta: Record<string, string> | undefined, wanted: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(wanted)) if ((meta ?? {})[k] !== v) return false;
  return true;
}

/** The instances a query answers from a list of health entries (any datacenter's). */
export function filterInstances(entries: readonly HealthEntry[], svc: PreparedQuery['Service'], random: () => number = Math.random): HealthEntry[] {
  const ignore = new Set(svc.IgnoreCheckIDs);
  const out = entries.filter(
    (e) =>
      healthy(e, svc.OnlyPassing, ignore) &&
      metaMatch(e.Node.Meta, svc.NodeMeta) &&
      metaMatch(e.Service.Meta, svc.ServiceMeta) &&
      tagsMatch(e.Service.Tags ?? [], svc.Tags),
  );
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Consul's queryFailover order: the NearestN nearest other datacenters, then the listed ones not yet chosen;
 * this datacenter and unknown ones are skipped. */
export function failoverTargets(svc: PreparedQuery['Service'], known: readonly string[], local: string): string[] {
  const others = known.filter((d) => d !== local);
  const out = others.slice(0, Math.max(0, svc.Failover.NearestN));
  for (const dc of svc.Failover.Datacenters) if (others.includes(dc) && !out.includes(dc)) out.push(dc);
  return out;
}

/** With ACLs on, what a query's results are filtered with (Consul: the query's own Token if it has one, else the
 * caller's): `may` the token's checker, `token` the secret the failover reads carry. */
export interface QueryAcl {
  may: (resource: 'node' | 'service', access: 'read', name: string) => boolean;
  token: string;
}

export async function executeQuery(call: ApiCall, q: PreparedQuery, limit: number, acl?: QueryAcl): Promise<QueryExecution> {
  const backend = call.backend;
  const local = backend.state.catalog.checkServiceNodes(q.Service.Service);
  // Consul's filterCheckServiceNodes: an instance needs node:read on its node and service:read on its service.
  const visible = acl ? local.value.filter((e) => acl.may('node', 'read', e.Node.Node) && acl.may('service', 'read', e.Service.Service)) : local.value;
  const result: QueryExecution = {
    Service: q.Service.Service,
    Nodes: filterInstances(visible, q.Service),
    DNS: { ...q.DNS },
    Datacenter: backend.datacenter,
    Failovers: 0,
    index: local.index,
  };
  // ?near wins over the query's Near; `_agent` is the node that asked. Without coordinates the shuffle stays.
  const near = nearNode(call) ?? (q.Service.Near === '_agent' ? askingAgent(call) : q.Service.Near || undefined);
  if (near) result.Nodes = sortNear(call, near, result.Nodes, (e) => e.Node.Node);
  const fwd = backend.datacenterForwarder;
  if (result.Nodes.length === 0 && fwd) {
    const known = backend.datacenters?.() ?? [backend.datacenter];
    const token = acl ? acl.token : call.token();
    for (const dc of failoverTargets(q.Service, known, backend.datacenter)) {
      result.Failovers++;
      try {
        const reply = await fwd.forward({
          method: 'GET',
          url: `/v1/health/service/${encodeURIComponent(q.Service.Service)}?dc=${encodeURIComponent(dc)}`,
          headers: token ? { 'x-consul-token': token } : {},
          body: new Uint8Array(0),
        });
        if (reply.status !== 200) continue;
        const entries = JSON.parse(Buffer.from(reply.body).toString('utf8')) as HealthEntry[] | null;
        const nodes = filterInstances(entries ?? [], q.Service);
        if (nodes.length > 0) {
          result.Nodes = nodes;
          result.Datacenter = dc;
          break;
        }
      } catch {
        // Consul logs a failed datacenter and moves on to the next one.
        continue;
      }
    }
  }
  if (limit > 0 && result.Nodes.length > limit) result.Nodes = result.Nodes.slice(0, limit);
  return result;
}
