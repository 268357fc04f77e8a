// The aggregate status consumers compute over an instance's checks (Consul's api.HealthChecks.AggregatedStatus).

import type { HealthStatus } from './catalog-commands.js';

export const NODE_MAINTENANCE_CHECK_ID = '_node_maintenance';
export const SERVICE_MAINTENANCE_CHECK_PREFIX = '_service_maintenance:';

/** maintenance > critical > warning > passing; no checks at all is passing. */
export function aggregateStatus(checks: ReadonlyArray<{ CheckID: string; Status: string }>): HealthStatus {
  let warning = false;
  let critical = false;
  let maintenance = false;
  for (const c of checks) {
    if (c.CheckID === NODE_MAINTENANCE_CHECK_ID || c.CheckID.startsWith(SERVICE_MAINTENANCE_CHECK_PREFIX)) {
      maintenance = true;
      continue;
    }
    if (c.Status === 'critical') critical = true;
    else if (c.Status === 'warning') warning = true;
    else if (c.Status !== 'passing') critical = true;
  }
  if (maintenance) return 'maintenance';
  if (critical) return 'critical';
  if (warning) return 'warning';
  return 'passing';
}
