import { describe, expect, it } from 'vitest';
import {
  FlapDamper,
  ScriptChecksDisabledError,
  aggregateStatus,
  assertScriptChecksAllowed,
  decodeCheckDefinition,
  isMaintenanceCheckId,
  nodeMaintenanceCheck,
  serfHealthCheck,
  serviceMaintenanceCheck,
  serviceMaintenanceCheckId,
  truncateTtlOutput,
} from '@conclave/health';

describe('assertScriptChecksAllowed', () => {
  const script = decodeCheckDefinition({ name: 'mysql', args: ['/bin/true'], interval: '10s' }, { source: 'api' })
    .definition;
  const http = decodeCheckDefinition({ name: 'web', http: 'http://a/', interval: '10s' }, { source: 'api' }).definition;
  const off = { enableScriptChecks: false, enableLocalScriptChecks: false };

  it('refuses API script checks unless enable_script_checks, in Consul\'s words', () => {
    expect(() => assertScriptChecksAllowed(script, { source: 'api', ...off })).toThrow(
      new ScriptChecksDisabledError(
        "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true",
        'mysql',
      ),
    );
    expect(() =>
      assertScriptChecksAllowed(script, { source: 'api', enableScriptChecks: false, enableLocalScriptChecks: true }),
    ).toThrow(/from remote calls/);
    assertScriptChecksAllowed(script, { source: 'api', enableScriptChecks: true, enableLocalScriptChecks: false });
  });

  it('allows config-file script checks with either flag', () => {
    expect(() => assertScriptChecksAllowed(script, { source: 'config', ...off })).toThrow(
      "Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or " +
        '\'enable_local_script_checks\' to true (check "mysql")',
    );
    assertScriptChecksAllowed(script, { source: 'config', enableScriptChecks: false, enableLocalScriptChecks: true });
    assertScriptChecksAllowed(script, { source: 'config', enableScriptChecks: true, enableLocalScriptChecks: false });
  });

  it('never refuses other kinds', () => {
    assertScriptChecksAllowed(http, { source: 'api', ...off });
    assertScriptChecksAllowed(http, { source: 'config', ...off });
  });
});

describe('maintenance checks', () => {
  it('node maintenance', () => {
    expect(nodeMaintenanceCheck()).toEqual({
      CheckID: '_node_maintenance',
      Name: 'Node Maintenance Mode',
      Notes: 'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.',
      Status: 'critical',
      Output: '',
      ServiceID: '',
      ServiceName: '',
      Type: 'maintenance',
    });
    expect(nodeMaintenanceCheck('patching').Notes).toBe('patching');
  });

  it('service maintenance', () => {
    expect(serviceMaintenanceCheck({ id: 'web/1', name: 'web' })).toMatchObject({
      CheckID: '_service_maintenance:web/1',
      Name: 'Service Maintenance Mode',
      Notes: 'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.',
      Status: 'critical',
      ServiceID: 'web/1',
      ServiceName: 'web',
    });
    expect(serviceMaintenanceCheckId('db')).toBe('_service_maintenance:db');
    expect(isMaintenanceCheckId('_service_maintenance:db')).toBe(true);
    expect(isMaintenanceCheckId('_node_maintenance')).toBe(true);
    expect(isMaintenanceCheckId('service:db')).toBe(false);
  });
});

describe('aggregateStatus', () => {
  const c = (CheckID: string, Status: string) => ({ CheckID, Status });
  it('maintenance > critical > warning > passing', () => {
    expect(aggregateStatus([])).toBe('passing');
    expect(aggregateStatus([c('a', 'passing')])).toBe('passing');
    expect(aggregateStatus([c('a', 'passing'), c('b', 'warning')])).toBe('warning');
    expect(aggregateStatus([c('a', 'critical'), c('b', 'warning')])).toBe('critical');
    expect(aggregateStatus([c('a', 'passing'), c('_node_maintenance', 'critical')])).toBe('maintenance');
    expect(aggregateStatus([c('a', 'critical'), c('_service_maintenance:web', 'critical')])).toBe('maintenance');
    expect(aggregateStatus([c('a', 'bogus')])).toBe('critical');
  });
});

describe('serfHealth', () => {
  it('uses Consul\'s names and outputs', () => {
    expect(serfHealthCheck(true)).toMatchObject({
      CheckID: 'serfHealth',
      Name: 'Serf Health Status',
      Status: 'passing',
      Output: 'Agent alive and reachable',
    });
    expect(serfHealthCheck(false)).toMatchObject({ Status: 'critical', Output: 'Agent not live or unreachable' });
  });
});

describe('truncateTtlOutput', () => {
  it('cuts at output_max_size with Consul\'s suffix', () => {
    expect(truncateTtlOutput('short', 10)).toBe('short');
    expect(truncateTtlOutput('0123456789abc', 10)).toBe('0123456789 ... (captured 10 of 13 bytes)');
  });
});

describe('FlapDamper', () => {
  it('reports after enough consecutive results, counting warning as success', () => {
    const d = new FlapDamper(2, 1, 3);
    expect(d.apply('passing')).toBe('passing');
    expect(d.apply('critical')).toBe('warning');
    expect(d.apply('critical')).toBe('warning');
    expect(d.apply('critical')).toBe('critical');
    expect(d.apply('passing')).toBeUndefined();
    expect(d.apply('passing')).toBe('passing');
    expect(d.apply('warning')).toBe('warning');
  });

  it('with no thresholds reports every result as is', () => {
    const d = new FlapDamper(0, 0, 0);
    for (const s of ['critical', 'passing', 'warning', 'critical'] as const) expect(d.apply(s)).toBe(s);
  });

  it('without failures_before_warning holds a failure until critical', () => {
    const d = new FlapDamper(0, 3, 3);
    expect(d.apply('passing')).toBe('passing');
    expect(d.apply('critical')).toBeUndefined();
    expect(d.apply('critical')).toBeUndefined();
    expect(d.apply('critical')).toBe('critical');
  });
});
