// consul.api.http's `path` label: the pattern Consul registered the endpoint under (agent/http_register.go),
// with "/" replaced by "_" and the leading slash dropped, so `/v1/kv/web/config` is "v1_kv_" and
// `/v1/agent/self` "v1_agent_self". Go's ServeMux picks the longest matching pattern; a pattern ending in "/"
// matches the subtree, others only themselves. A path no pattern matches falls to Consul's index handler, which
// is not measured: undefined.

/** The patterns of the endpoint families this API serves. */
const PATTERNS = [
  '/v1/agent/token/', '/v1/agent/self', '/v1/agent/host', '/v1/agent/version', '/v1/agent/maintenance', '/v1/agent/reload',
  '/v1/agent/monitor', '/v1/agent/metrics', '/v1/agent/metrics/stream', '/v1/agent/services', '/v1/agent/service/',
  '/v1/agent/checks', '/v1/agent/members', '/v1/agent/join/', '/v1/agent/leave', '/v1/agent/force-leave/',
  '/v1/agent/health/service/id/', '/v1/agent/health/service/name/', '/v1/agent/check/register', '/v1/agent/check/deregister/',
  '/v1/agent/check/pass/', '/v1/agent/check/warn/', '/v1/agent/check/fail/', '/v1/agent/check/update/',
  '/v1/agent/connect/authorize', '/v1/agent/connect/ca/roots', '/v1/agent/connect/ca/leaf/', '/v1/agent/service/register',
  '/v1/agent/service/deregister/', '/v1/agent/service/maintenance/', '/v1/catalog/register', '/v1/catalog/connect/',
  '/v1/catalog/deregister', '/v1/catalog/datacenters', '/v1/catalog/nodes', '/v1/catalog/services', '/v1/catalog/service/',
  '/v1/catalog/node/', '/v1/catalog/node-services/', '/v1/catalog/gateway-services/', '/v1/event/fire/', '/v1/event/list',
  '/v1/health/node/', '/v1/health/checks/', '/v1/health/state/', '/v1/health/service/', '/v1/health/connect/',
  '/v1/health/ingress/', '/v1/kv/', '/v1/operator/raft/configuration', '/v1/operator/raft/transfer-leader',
  '/v1/operator/raft/peer', '/v1/operator/keyring', '/v1/operator/usage', '/v1/operator/utilization',
  '/v1/operator/autopilot/configuration', '/v1/operator/autopilot/health', '/v1/operator/autopilot/state',
  '/v1/session/create', '/v1/session/destroy/', '/v1/session/renew/', '/v1/session/info/', '/v1/session/node/',
  '/v1/session/list', '/v1/internal/ui/services', '/v1/internal/ui/nodes', '/v1/internal/ui/node/', '/v1/internal/ui/locks/', '/v1/status/leader', '/v1/status/peers', '/v1/snapshot', '/v1/txn', '/v1/query', '/v1/query/',
  '/v1/coordinate/datacenters', '/v1/coordinate/nodes', '/v1/coordinate/node/', '/v1/coordinate/update',
];

const label = (pattern: string): string => pattern.slice(1).replaceAll('/', '_');

const EXACT = new Map(PATTERNS.filter((p) => !p.endsWith('/')).map((p) => [p, label(p)] as const));
const SUBTREES = PATTERNS.filter((p) => p.endsWith('/'))
  .sort((a, b) => b.length - a.length)
  .map((p) => [p, label(p)] as const);

export function routeLabel(path: string): string | undefined {
  if (path.startsWith('/v1/kv/')) return 'v1_kv_';
  const exact = EXACT.get(path);
  if (exact !== undefined) return exact;
  for (const [prefix, l] of SUBTREES) if (path.startsWith(prefix)) return l;
  return undefined;
}
