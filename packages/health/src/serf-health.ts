// The node check the leader keeps for every gossip member; clients and sessions depend on these exact words.

export const SERF_HEALTH_CHECK_ID = 'serfHealth';
export const SERF_HEALTH_CHECK_NAME = 'Serf Health Status';
export const SERF_HEALTH_ALIVE_OUTPUT = 'Agent alive and reachable';
export const SERF_HEALTH_FAILED_OUTPUT = 'Agent not live or unreachable';

/** serfHealth in Consul's HealthCheck shape for a member that is alive (passing) or failed (critical). */
export function serfHealthCheck(alive: boolean): {
  CheckID: string;
  Name: string;
  Status: 'passing' | 'critical';
  Output: string;
  Notes: string;
  ServiceID: string;
  ServiceName: string;
  Type: string;
} {
  return {
    CheckID: SERF_HEALTH_CHECK_ID,
    Name: SERF_HEALTH_CHECK_NAME,
    Status: alive ? 'passing' : 'critical',
    Output: alive ? SERF_HEALTH_ALIVE_OUTPUT : SERF_HEALTH_FAILED_OUTPUT,
    Notes: '',
    ServiceID: '',
    ServiceName: '',
    Type: '',
  };
}
