import { DecodeError } from '@conclave/toolkit';
import { describe, expect, it } from 'vitest';
import { decodeCheckDefinition } from '@conclave/health';

const config = { source: 'config' } as const;
const api = { source: 'api' } as const;

function errorOf(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return err as DecodeError;
  }
  throw new Error('expected a DecodeError');
}

describe('decodeCheckDefinition: the article and Consul forms', () => {
  it("decodes the article's legacy script check inside a service", () => {
    const { definition, warnings } = decodeCheckDefinition(
      { script: '/usr/local/bin/check_mysql_master', interval: '10s' },
      { source: 'config', serviceId: 'db', serviceName: 'db' },
    );
    expect(warnings).toEqual([]);
    expect(definition).toMatchObject({
      id: 'service:db',
      name: "Service 'db' check",
      serviceId: 'db',
      kind: 'script',
      script: '/usr/local/bin/check_mysql_master',
      intervalNs: 10e9,
      status: 'critical',
      outputMaxSize: 4096,
      timeoutNs: 0,
    });
    expect(definition.args).toBeUndefined();
  });

  it('decodes the args form and numbers a service with several checks', () => {
    const { definition } = decodeCheckDefinition(
      { args: ['/usr/local/bin/check_mysql', '-master'], interval: '1m30s', timeout: '5s' },
      { source: 'config', serviceId: 'db', serviceName: 'db', checkIndex: 1, checkCount: 2 },
    );
    expect(definition).toMatchObject({
      id: 'service:db:2',
      kind: 'script',
      args: ['/usr/local/bin/check_mysql', '-master'],
      intervalNs: 90e9,
      timeoutNs: 5e9,
    });
  });

  it('accepts PascalCase, lowercase and snake_case keys mixed in one object', () => {
    const { definition } = decodeCheckDefinition(
      {
        ID: 'web-http',
        name: 'Web',
        Notes: 'n',
        HTTP: 'http://127.0.0.1:8080/health',
        method: 'POST',
        Header: { 'X-Token': ['a', 'b'] },
        body: '{}',
        tls_skip_verify: true,
        DisableRedirects: true,
        Interval: '15.0s',
        DeregisterCriticalServiceAfter: '90m',
        service_id: 'web',
        success_before_passing: 2,
        FailuresBeforeCritical: 3,
        output_max_size: 100,
        status: 'passing',
      },
      api,
    );
    expect(definition).toEqual({
      id: 'web-http',
      name: 'Web',
      notes: 'n',
      serviceId: 'web',
      status: 'passing',
      kind: 'http',
      http: 'http://127.0.0.1:8080/health',
      method: 'POST',
      header: { 'X-Token': ['a', 'b'] },
      body: '{}',
      tlsSkipVerify: true,
      disableRedirects: true,
      tcpUseTls: false,
      intervalNs: 15e9,
      timeoutNs: 0,
      deregisterCriticalServiceAfterNs: 90 * 60e9,
      successBeforePassing: 2,
      failuresBeforeWarning: 3,
      failuresBeforeCritical: 3,
      outputMaxSize: 100,
    });
  });

  it('takes check_id, script_args and a TTL check', () => {
    expect(decodeCheckDefinition({ check_id: 'c1', name: 'n', script_args: ['true'], interval: '2s' }, config).definition)
      .toMatchObject({ id: 'c1', args: ['true'], kind: 'script' });
    const ttl = decodeCheckDefinition({ Name: 'heartbeat', TTL: '100ms' }, api).definition;
    expect(ttl).toMatchObject({ id: 'heartbeat', kind: 'ttl', ttlNs: 100e6 });
    expect(ttl.intervalNs).toBeUndefined();
  });

  it('decodes tcp and defaults the check ID to the name', () => {
    expect(decodeCheckDefinition({ name: 'ssh', tcp: 'localhost:22', interval: '10s', timeout: '1s' }, config).definition)
      .toMatchObject({ id: 'ssh', kind: 'tcp', tcp: 'localhost:22', timeoutNs: 1e9 });
  });

  it('clamps an interval under 1s to 1s and says so, including numbers meaning nanoseconds', () => {
    const a = decodeCheckDefinition({ name: 'x', tcp: 'h:1', interval: '100ms' }, config);
    expect(a.definition.intervalNs).toBe(1e9);
    expect(a.warnings).toHaveLength(1);
    expect(a.warnings[0]).toContain('below the minimum of 1s');
    const b = decodeCheckDefinition({ name: 'x', tcp: 'h:1', interval: 10 }, api);
    expect(b.definition.intervalNs).toBe(1e9);
    expect(b.warnings).toHaveLength(1);
  });

  it('never clamps a TTL', () => {
    const { definition, warnings } = decodeCheckDefinition({ name: 'x', ttl: '0.001s' }, config);
    expect(definition.ttlNs).toBe(1e6);
    expect(warnings).toEqual([]);
  });

  it('raises deregister_critical_service_after to one minute, or the given minimum', () => {
    const a = decodeCheckDefinition({ name: 'x', ttl: '5s', deregister_critical_service_after: '10s' }, {
      source: 'config',
      serviceId: 'web',
    });
    expect(a.definition.deregisterCriticalServiceAfterNs).toBe(60e9);
    expect(a.warnings.join('\n')).toContain('below the minimum of 1m0s');
    const b = decodeCheckDefinition({ name: 'x', ttl: '5s', deregister_critical_service_after: '10ms' }, {
      source: 'config',
      serviceId: 'web',
      minDeregisterCriticalAfterNs: 0,
    });
    expect(b.definition.deregisterCriticalServiceAfterNs).toBe(10e6);
  });

  it('defaults failures_before_warning to failures_before_critical', () => {
    const d = decodeCheckDefinition({ name: 'x', ttl: '5s', failures_before_critical: 4 }, config).definition;
    expect([d.failuresBeforeWarning, d.failuresBeforeCritical]).toEqual([4, 4]);
    const e = decodeCheckDefinition({ name: 'x', ttl: '5s', failures_before_critical: 4, failures_before_warning: 2 }, config)
      .definition;
    expect([e.failuresBeforeWarning, e.failuresBeforeCritical]).toEqual([2, 4]);
  });

  it('prefers args over script and warns', () => {
    const { definition, warnings } = decodeCheckDefinition({ name: 'x', args: ['a'], script: 'b', interval: '1s' }, config);
    expect(definition.args).toEqual(['a']);
    expect(definition.script).toBeUndefined();
    expect(warnings.join()).toContain('both args and script');
  });

  it('warns about unknown keys in config files but not over the API', () => {
    const raw = { name: 'x', ttl: '5s', intervall: '10s' };
    expect(decodeCheckDefinition(raw, { source: 'config', path: 'checks[0]' }).warnings).toEqual([
      'checks[0].intervall: unknown check field ignored',
    ]);
    expect(decodeCheckDefinition(raw, api).warnings).toEqual([]);
  });

  it('lets the service context override service_id', () => {
    const d = decodeCheckDefinition({ name: 'x', ttl: '5s', service_id: 'other' }, { source: 'api', serviceId: 'web' })
      .definition;
    expect(d.serviceId).toBe('web');
  });
});

describe('decodeCheckDefinition: validation as Consul', () => {
  const cases: Array<[string, unknown, { source: 'config' | 'api'; path?: string; serviceId?: string }, string]> = [
    ['interval missing for script', { name: 'x', script: '/bin/true' }, api,
      'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks'],
    ['interval missing for http', { name: 'x', http: 'http://a/' }, config,
      'check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks'],
    ['interval missing for tcp, with a path', { name: 'x', tcp: 'a:1' }, { source: 'config', path: 'service.checks[0]' },
      'service.checks[0]: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks'],
    ['no mechanism at all', { name: 'x' }, api, 'Invalid check: TTL must be > 0 for TTL checks'],
    ['interval and ttl', { name: 'x', ttl: '5s', interval: '5s' }, api, 'Invalid check: Interval and TTL cannot both be specified'],
    ['two mechanisms', { name: 'x', http: 'http://a/', tcp: 'a:1', interval: '5s' }, api,
      'Invalid check: a check runs exactly one mechanism, but HTTP and TCP are both set; split them into separate checks'],
    ['script and tcp', { name: 'x', args: ['a'], tcp: 'a:1', interval: '5s' }, config,
      'check: a check runs exactly one mechanism, but args and tcp are both set; split them into separate checks'],
    ['grpc', { name: 'x', grpc: 'localhost:9000', interval: '5s' }, api,
      'Invalid check: GRPC is set, but gRPC checks are not supported by Conclave; use args (script), http, tcp or ttl'],
    ['docker', { name: 'x', docker_container_id: 'abc', args: ['a'], interval: '5s' }, config,
      'check: docker_container_id is set, but Docker checks are not supported by Conclave; use args (script), http, tcp or ttl'],
    ['alias', { name: 'x', alias_service: 'web' }, config,
      'check: alias_service is set, but alias checks are not supported by Conclave; use args (script), http, tcp or ttl'],
    ['negative output_max_size', { name: 'x', ttl: '1s', output_max_size: -1 }, api, 'Invalid check: MaxOutputMaxSize must be positive'],
    ['missing name over the API', { ttl: '5s' }, api, 'Missing check name'],
    ['missing name in a config file', { ttl: '5s' }, { source: 'config', path: 'checks[2]' },
      'checks[2].name: missing check name (every check needs a name)'],
    ['bad status over the API', { name: 'x', ttl: '5s', status: 'ok' }, api, 'Bad check status'],
    ['bad status in a service over the API', { ttl: '5s', status: 'ok' }, { source: 'api', serviceId: 'web' },
      "Status for checks must 'passing', 'warning', 'critical'"],
    ['bad status in a config file', { name: 'x', ttl: '5s', status: 'up' }, config,
      'status: bad check status "up"; use passing, warning or critical'],
    ['invalid duration', { name: 'x', tcp: 'a:1', interval: '10 seconds' }, config,
      'interval: time: unknown unit " seconds" in duration "10 seconds"'],
    ['duration of the wrong type', { name: 'x', tcp: 'a:1', interval: true }, api,
      'Interval: expected a duration string such as "10s", got a boolean'],
    ['args not strings', { name: 'x', args: ['a', 1], interval: '1s' }, config,
      'args: expected an array of strings such as ["/usr/local/bin/check", "-x"], got an array'],
    ['script not a string', { name: 'x', script: ['a'], interval: '1s' }, { source: 'config', path: 'check' },
      'check.script: expected a string, got an array'],
    ['header value not an array', { name: 'x', http: 'http://a/', interval: '1s', header: { A: 'b' } }, config,
      'header.A: expected an array of strings such as ["value"], got the string "b"'],
    ['tls_skip_verify as a string', { name: 'x', http: 'https://a/', interval: '1s', tls_skip_verify: 'true' }, config,
      'tls_skip_verify: expected true or false, got the string "true"'],
    ['negative failures_before_critical', { name: 'x', ttl: '1s', FailuresBeforeCritical: -2 }, api,
      'FailuresBeforeCritical: must be 0 or more, got -2'],
    ['not an object', 'ttl=5s', config, 'check: expected a check definition object, got the string "ttl=5s"'],
    ['null', null, { source: 'api', path: 'Check' }, 'Check: expected a check definition object, got null'],
  ];
  for (const [title, raw, opts, message] of cases) {
    it(title, () => {
      expect(errorOf(() => decodeCheckDefinition(raw, opts)).message).toBe(message);
    });
  }
});
