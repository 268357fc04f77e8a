// The pieces under the loop: Consul's JSON encoding, the event index, the handler timeout,
// and what each watch type reads.
import { describe, expect, it } from 'vitest';
import {
  buildWatchQuery,
  encodeConsulJson,
  eventIdToIndex,
  newEvents,
  parseWatchDefinition,
  splitTaggedServiceName,
} from '../src/internal.js';

describe('encodeConsulJson', () => {
  it('writes compact JSON with uint64 fields as bare numbers and Go HTML escaping', () => {
    expect(encodeConsulJson([{ Key: 'a<b>&c', Flags: '16210313421097356768', LockIndex: 0, Value: null }])).toBe(
      '[{"Key":"a\\u003cb\\u003e\\u0026c","Flags":16210313421097356768,"LockIndex":0,"Value":null}]',
    );
    // Only Consul's uint64 fields; other digit strings stay strings.
    expect(encodeConsulJson({ Name: '16210313421097356768', Payload: '1234567890123456789' })).toBe('{"Name":"16210313421097356768","Payload":"1234567890123456789"}');
    expect(encodeConsulJson({ LTime: 12345678901234567890n })).toBe('{"LTime":12345678901234567890}');
    expect(encodeConsulJson(null)).toBe('null');
    expect(encodeConsulJson(undefined)).toBe('null');
    expect(encodeConsulJson('\u2028')).toBe('"\\u2028"');
  });

  it('indents with four spaces like json.MarshalIndent', () => {
    expect(encodeConsulJson({ consul: [], db: ['master'] }, '    ')).toBe('{\n    "consul": [],\n    "db": [\n        "master"\n    ]\n}');
  });
});

describe('event index', () => {
  it('XORs the two halves of the UUID as api.Event.IDToIndex', () => {
    expect(eventIdToIndex('00000000-0000-0001-0000-000000000003')).toBe(1n ^ 3n);
    expect(eventIdToIndex('ffffffff-ffff-ffff-0000-000000000000')).toBe(0xffffffffffffffffn);
    expect(eventIdToIndex('12345678-9abc-def0-1234-56789abcdef0')).toBe(0x123456789abcdef0n ^ 0x123456789abcdef0n);
    expect(eventIdToIndex('not-a-uuid')).toBe(0n);
  });

  it('keeps only events after the one the previous index names', () => {
    const ev = (n: number) => ({ ID: `00000000-0000-0000-0000-00000000000${n}` });
    expect(newEvents([ev(1), ev(2), ev(3)], undefined)).toEqual([ev(1), ev(2), ev(3)]);
    expect(newEvents([ev(1), ev(2), ev(3)], 2n)).toEqual([ev(3)]);
    expect(newEvents([ev(1), ev(2), ev(3)], 3n)).toEqual([]);
    // The previous newest event fell out of the ring buffer: everything is new.
    expect(newEvents([ev(4), ev(5)], 3n)).toEqual([ev(4), ev(5)]);
  });
});

describe('http_handler_config timeout', () => {
  const timeout = (t: string) =>
    (parseWatchDefinition({ type: 'nodes', handler_type: 'http', http_handler_config: { path: 'http://127.0.0.1:1/x', timeout: t } }).handler as { config: { timeoutMs: number } }).config.timeoutMs;
  it('reads Go durations, with Go\'s errors (a bare number lacks a unit; spaces are not trimmed)', () => {
    expect(timeout('1.5s')).toBe(1500);
    expect(timeout('1m30s')).toBe(90_000);
    expect(() => timeout('10')).toThrow('Failed to parse \'http_handler_config\' timeout: time: missing unit in duration "10"');
    expect(() => timeout(' 10s')).toThrow('time: invalid duration " 10s"');
  });
});

describe('buildWatchQuery', () => {
  const q = (raw: Record<string, unknown>) => buildWatchQuery(parseWatchDefinition({ ...raw, args: ['h'] }));
  it("reads Consul's endpoint for each type", () => {
    expect(q({ type: 'key', key: '/app/cfg' })).toMatchObject({ path: 'kv/app/cfg', params: {} });
    expect(q({ type: 'keyprefix', prefix: 'app/' })).toMatchObject({ path: 'kv/app/', params: { recurse: true } });
    expect(q({ type: 'services' }).path).toBe('catalog/services');
    expect(q({ type: 'nodes' }).path).toBe('catalog/nodes');
    expect(q({ type: 'service', service: 'db', tag: ['a', 'b'], passingonly: true })).toMatchObject({ path: 'health/service/db', params: { tag: ['a', 'b'], passing: true } });
    expect(q({ type: 'service', service: 'db' })).toMatchObject({ params: { tag: undefined, passing: false } });
    expect(q({ type: 'checks' })).toMatchObject({ path: 'health/state/any' });
    expect(q({ type: 'checks', state: 'critical', tag: 'x' })).toMatchObject({ path: 'health/state/critical', params: { tag: ['x'] } });
    expect(q({ type: 'checks', service: 'web' })).toMatchObject({ path: 'health/checks/web' });
    expect(q({ type: 'event', name: 'deploy' })).toMatchObject({ path: 'event/list', params: { name: 'deploy' } });
  });

  it("shapes answers as Consul's handlers get them", () => {
    const key = q({ type: 'key', key: 'k' });
    expect(key.select(null, undefined)).toBeNull();
    expect(key.select([{ Key: 'k' }], undefined)).toEqual({ Key: 'k' });
    expect(q({ type: 'keyprefix', prefix: 'p' }).select(null, undefined)).toBeNull();
    expect(q({ type: 'nodes' }).select(null, undefined)).toEqual([]);
    expect(() => q({ type: 'nodes' }).select({}, undefined)).toThrow('catalog nodes response is not a list');
    expect(() => q({ type: 'services' }).select([], undefined)).toThrow('catalog services response is not an object');
  });

  it('splits the DNS form tag.service', () => {
    expect(splitTaggedServiceName('master.db')).toEqual({ tags: ['master'], service: 'db' });
    expect(splitTaggedServiceName('v1.api.internal')).toEqual({ tags: ['v1'], service: 'api.internal' });
    expect(splitTaggedServiceName('db')).toBeUndefined();
    expect(splitTaggedServiceName('.db')).toBeUndefined();
    expect(splitTaggedServiceName('db.')).toBeUndefined();
  });
});
