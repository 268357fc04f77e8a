// consul.api.http's path label: Consul's registered pattern for the request, longest match, as ServeMux picks it.
import { expect, it } from 'vitest';
import { routeLabel } from '../src/route-label.js';

it('labels a path with the pattern Consul registered it under', () => {
  const cases: Array<[string, string | undefined]> = [
    ['/v1/kv/web/config', 'v1_kv_'],
    ['/v1/kv/', 'v1_kv_'],
    ['/v1/agent/self', 'v1_agent_self'],
    ['/v1/agent/metrics', 'v1_agent_metrics'],
    ['/v1/agent/service/register', 'v1_agent_service_register'],
    ['/v1/agent/service/web-1', 'v1_agent_service_'],
    ['/v1/agent/service/deregister/web-1', 'v1_agent_service_deregister_'],
    ['/v1/agent/health/service/name/web', 'v1_agent_health_service_name_'],
    ['/v1/health/service/web', 'v1_health_service_'],
    ['/v1/catalog/services', 'v1_catalog_services'],
    ['/v1/session/renew/abc', 'v1_session_renew_'],
    ['/v1/txn', 'v1_txn'],
    ['/v1/status/leader', 'v1_status_leader'],
    // No pattern: Consul's index handler answers, unmeasured.
    ['/v1/agent/bogus', undefined],
    ['/v1/catalog/services/extra', undefined],
  ];
  expect(cases.map(([p]) => [p, routeLabel(p)])).toEqual(cases);
});
