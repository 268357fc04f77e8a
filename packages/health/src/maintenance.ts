// Maintenance mode is a critical check the agent adds and removes itself; the IDs are fixed so that health
// queries can report the aggregate `maintenance` and `consul maint` can find them.

import { NODE_MAINTENANCE_CHECK_ID, SERVICE_MAINTENANCE_CHECK_PREFIX } from '@conclave/catalog';
import type { CheckStatus } from './check-definition.js';

export { NODE_MAINTENANCE_CHECK_ID, SERVICE_MAINTENANCE_CHECK_PREFIX };

export const NODE_MAINTENANCE_CHECK_NAME = 'Node Maintenance Mode';
export const SERVICE_MAINTENANCE_CHECK_NAME = 'Service Maintenance Mode';
export const MAINTENANCE_CHECK_TYPE = 'maintenance';
export const DEFAULT_NODE_MAINTENANCE_REASON =
  'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.';
export const DEFAULT_SERVICE_MAINTENANCE_REASON =
  'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.';

/** A maintenance check in Consul's HealthCheck shape (node fields are the agent's to add). */
export interface MaintenanceCheck {
  CheckID: string;
  Name: string;
  Notes: string;
  Status: CheckStatus;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  Type: string;
}

/** `_service_maintenance:<serviceId>`. */
export function serviceMaintenanceCheckId(serviceId: string): string {
  return SERVICE_MAINTENANCE_CHECK_PREFIX + serviceId;
}

export function isMaintenanceCheckId(checkId: string): boolean {
  return checkId === NODE_MAINTENANCE_CHECK_ID || checkId.startsWith(SERVICE_MAINTENANCE_CHECK_PREFIX);
}

/** The check `consul maint -enable [-reason r]` adds for the node; an empty reason gets Consul's default text. */
export function nodeMaintenanceCheck(reason?: string): MaintenanceCheck {
  return {
    CheckID: NODE_MAINTENANCE_CHECK_ID,
    Name: NODE_MAINTENANCE_CHECK_NAME,
    Notes: reason || DEFAULT_NODE_MAINTENANCE_REASON,
    Status: 'critical',
    Output: '',
    ServiceID: '',
    ServiceName: '',
    Type: MAINTENANCE_CHECK_TYPE,
  };
}

/** The check `consul maint -enable -service <id>` adds for one service instance. */
export function serviceMaintenanceCheck(
  service: { id: string; name: string },
  reason?: string,
): MaintenanceCheck {
  return {
    CheckID: serviceMaintenanceCheckId(service.id),
    Name: SERVICE_MAINTENANCE_CHECK_NAME,
    Notes: reason || DEFAULT_SERVICE_MAINTENANCE_REASON,
    Status: 'critical',
    Output: '',
    ServiceID: service.id,
    ServiceName: service.name,
    Type: MAINTENANCE_CHECK_TYPE,
  };
}
