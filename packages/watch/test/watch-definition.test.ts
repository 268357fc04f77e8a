// Parsing watch definitions as Consul does (config `watches` entries and the CLI's flags), with its messages.
import { describe, expect, it } from 'vitest';
import { WatchConfigError, joinPassingOnlyValue, parseWatchDefinition, watchParamsFromCli } from '../src/internal.js';

const fails = (raw: unknown, message: string, options?: { requireHandler?: boolean }) => {
  let err: unknown;
  try {
    parseWatchDefinition(raw, options);
  } catch (e) {
    err = e;
  }
  expect(err, JSON.stringify(raw)).toBeInstanceOf(WatchConfigError);
  expect((err as Error).message).toContain(message);
};

describe('parseWatchDefinition', () => {
  it('reads every type with its own parameters', () => {
    expect(parseWatchDefinition({ type: 'key', key: 'app/cfg', args: ['/bin/h', '-x'] })).toEqual({
      type: 'key',
      key: 'app/cfg',
      stale: false,
      tags: [],
      passingOnly: false,
      datacenter: undefined,
      token: undefined,
      handler: { kind: 'args', args: ['/bin/h', '-x'] },
    });
    expect(parseWatchDefinition({ type: 'keyprefix', prefix: 'app/', stale: true, handler: 'h.sh' })).toMatchObject({ prefix: 'app/', stale: true, handler: { kind: 'shell', script: 'h.sh' } });
    expect(parseWatchDefinition({ type: 'services', args: ['h'], datacenter: 'dc2', token: 't' })).toMatchObject({ type: 'services', datacenter: 'dc2', token: 't' });
    expect(parseWatchDefinition({ type: 'nodes', args: ['h'] }).type).toBe('nodes');
    expect(parseWatchDefinition({ type: 'service', service: 'db', tag: 'master', passingonly: true, args: ['h'] })).toMatchObject({ service: 'db', tags: ['master'], passingOnly: true });
    expect(parseWatchDefinition({ type: 'service', service: 'db', tag: ['a', 'b'], args: ['h'] }).tags).toEqual(['a', 'b']);
    expect(parseWatchDefinition({ type: 'checks', args: ['h'] })).toMatchObject({ state: 'any' });
    expect(parseWatchDefinition({ type: 'checks', state: 'critical', tag: 'x', args: ['h'] })).toMatchObject({ state: 'critical', tags: ['x'] });
    const byService = parseWatchDefinition({ type: 'checks', service: 'web', args: ['h'] });
    expect([byService.service, byService.state]).toEqual(['web', undefined]);
    expect(parseWatchDefinition({ type: 'event', name: 'deploy', args: ['h'] })).toMatchObject({ name: 'deploy' });
    expect(parseWatchDefinition({ type: 'event', args: ['h'] }).name).toBeUndefined();
  });

  it('reads an http handler with Consul defaults', () => {
    const def = parseWatchDefinition({ type: 'nodes', handler_type: 'http', http_handler_config: { path: 'https://hooks.example/x', header: { A: ['1', '2'], B: '3' }, tls_skip_verify: true } });
    expect(def.handler).toEqual({ kind: 'http', config: { path: 'https://hooks.example/x', method: 'POST', header: { A: ['1', '2'], B: ['3'] }, timeoutMs: 10_000, tlsSkipVerify: true } });
    const put = parseWatchDefinition({ type: 'nodes', handler_type: 'http', http_handler_config: { path: 'http://h/x', method: 'put', timeout: '1m30s' } });
    expect(put.handler).toMatchObject({ config: { method: 'PUT', timeoutMs: 90_000 } });
  });

  it("refuses what Consul refuses, in Consul's words", () => {
    fails('key', 'must be an object');
    fails({ key: 'x', args: ['h'] }, 'Watch type must be specified');
    fails({ type: 'kv', args: ['h'] }, 'Unsupported watch type: kv');
    fails({ type: 1, args: ['h'] }, 'Expecting type to be a string');
    fails({ type: 'key', args: ['h'] }, 'Must specify a single key to watch');
    fails({ type: 'keyprefix', args: ['h'] }, 'Must specify a single prefix to watch');
    fails({ type: 'service', args: ['h'] }, 'Must specify a single service to watch');
    fails({ type: 'service', service: 'db', tag: 3, args: ['h'] }, 'Expecting tag to be a string or []string');
    fails({ type: 'service', service: 'db', tag: ['a', 2], args: ['h'] }, 'Index 1 of tag expected to be string');
    fails({ type: 'service', service: 'db', passingonly: 'yes', args: ['h'] }, 'Expecting passingonly to be a boolean');
    fails({ type: 'checks', service: 'db', state: 'any', args: ['h'] }, 'Cannot specify service and state');
    fails({ type: 'checks', state: 'broken', args: ['h'] }, 'Invalid check state "broken"');
    fails({ type: 'event', stale: true, args: ['h'] }, 'Invalid parameters: [stale]');
    fails({ type: 'key', key: 'k', prefix: 'p', args: ['h'] }, 'Invalid parameters: [prefix]');
    fails({ type: 'nodes', Type: 'nodes', args: ['h'] }, 'Invalid parameters: [Type]');
    fails({ type: 'nodes' }, 'Must define a watch handler');
    fails({ type: 'nodes', handler: 'a', args: ['b'] }, 'Only one watch handler allowed');
    fails({ type: 'nodes', handler: ['a'] }, 'Watch handler must be a string');
    fails({ type: 'nodes', args: 'a b' }, 'Watch args must be a list of strings');
    fails({ type: 'nodes', args: [] }, 'Watch args must name a command');
    fails({ type: 'nodes', handler_type: 'http' }, "Handler type 'http' requires 'http_handler_config' to be set");
    fails({ type: 'nodes', handler_type: 'http', http_handler_config: {} }, "Requires 'path' to be set");
    fails({ type: 'nodes', handler_type: 'http', http_handler_config: { path: 'not a url' } }, 'is not a URL');
    fails({ type: 'nodes', handler_type: 'http', http_handler_config: { path: 'http://h', timeout: 'soon' } }, 'time: invalid duration "soon"');
    fails({ type: 'nodes', handler_type: 'http', http_handler_config: { path: 'http://h', bogus: 1 } }, 'invalid keys: bogus');
    fails({ type: 'nodes', handler_type: 'http', args: ['h'], http_handler_config: { path: 'http://h' } }, 'Only one watch handler allowed');
    fails({ type: 'nodes', handler_type: 'email', args: ['h'] }, 'Unsupported handler_type: email');
    fails({ type: 'nodes', http_handler_config: { path: 'http://h' }, args: ['h'] }, 'Invalid parameters: [http_handler_config]');
  });

  it('allows no handler when asked (the CLI prints instead)', () => {
    expect(parseWatchDefinition({ type: 'nodes' }, { requireHandler: false }).handler).toBeUndefined();
  });
});

describe('CLI flags', () => {
  it("maps flags to Consul's parameters, with -shell deciding how the handler runs", () => {
    expect(watchParamsFromCli({ type: 'service', service: 'master.db', passingonly: true, args: ['/usr/local/bin/mysql-failover.sh'] })).toEqual({
      type: 'service',
      service: 'master.db',
      passingonly: true,
      handler: '/usr/local/bin/mysql-failover.sh',
    });
    expect(watchParamsFromCli({ type: 'key', key: 'k', shell: false, args: ['/bin/h', 'a b'] })).toEqual({ type: 'key', key: 'k', args: ['/bin/h', 'a b'] });
    expect(watchParamsFromCli({ type: 'service', service: 'db', tag: ['a', 'b'], datacenter: 'dc1', token: 't', stale: true, args: [] })).toEqual({
      type: 'service',
      service: 'db',
      tag: ['a', 'b'],
      datacenter: 'dc1',
      token: 't',
      stale: true,
    });
    expect(watchParamsFromCli({ type: 'service', service: 'db', passingonly: 'false', args: [] }).passingonly).toBe(false);
    expect(() => watchParamsFromCli({ type: 'service', service: 'db', passingonly: 'maybe', args: [] })).toThrow('Failed to parse passingonly flag');
    expect(() => watchParamsFromCli({ args: [] })).toThrow('Watch type must be specified');
  });

  it('accepts both -passingonly <bool> and a bare -passingonly before the handler', () => {
    expect(joinPassingOnlyValue(['-type', 'service', '-passingonly', 'true', './f.sh'])).toEqual(['-type', 'service', '-passingonly=true', './f.sh']);
    expect(joinPassingOnlyValue(['-passingonly', './f.sh'])).toEqual(['-passingonly', './f.sh']);
    expect(joinPassingOnlyValue(['--passingonly', 'F'])).toEqual(['--passingonly=F']);
    expect(joinPassingOnlyValue(['-type', 'x', '--', '-passingonly', 'true'])).toEqual(['-type', 'x', '--', '-passingonly', 'true']);
  });
});
