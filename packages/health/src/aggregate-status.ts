// What one instance's checks add up to (Consul's api.HealthChecks.AggregatedStatus).

import { isMaintenanceCheckId } from './maintenance.js';

export type AggregateStatus = 'passing' | 'warning' | 'critical' | 'maintenance';

/** maintenance > critical > warning > passing; no checks is passing. A status outside the three known ones
 * counts as critical (Consul returns "" there, which no consumer treats as healthy). */
export function aggregateStatus(checks: Iterable<{ CheckID: string; Status: string }>): AggregateStatus {
  let warning = false;
  let critical = false;
  for (const check of checks) {
    if (isMaintenanceCheckId(check.CheckID)) return 'maintenance';
    if (check.Status === 'warning') warning = true;
    else if (check.Status !== 'passing') critical = true;
  }
  if (critical) return 'critical';
  if (warning) return 'warning';
  return 'passing';
}
