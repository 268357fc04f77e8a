import { describe, expect, it } from 'vitest';
import { nodeMetaTxt } from '../src/domain-answerer.js';
import { DnsConfigError, hexToIp, ipToHex, parseRecursor } from '../src/index.js';
import { normaliseIp, reverseNameToIp } from '../src/ip-address.js';
import { resolveDnsOptions } from '../src/options.js';
import { parseDomainLookup } from '../src/query-name.js';
import { ServiceTtlTable } from '../src/service-ttl.js';
import { ArticleSource } from './article-source.js';

describe('parseDomainLookup', () => {
  it('reads every Consul name form', () => {
    expect(parseDomainLookup('db.service', false)).toEqual({ kind: 'service', service: 'db', tag: undefined, dc: undefined });
    expect(parseDomainLookup('slave.db.service.dc1', false)).toEqual({ kind: 'service', service: 'db', tag: 'slave', dc: 'dc1' });
    expect(parseDomainLookup('v1.2.db.service', false)).toEqual({ kind: 'service', service: 'db', tag: 'v1.2', dc: undefined });
    expect(parseDomainLookup('_db._master.service', true)).toEqual({ kind: 'service', service: 'db', tag: 'master', dc: undefined });
    expect(parseDomainLookup('_db._tcp.service.dc2', true)).toEqual({ kind: 'service', service: 'db', tag: undefined, dc: 'dc2' });
    expect(parseDomainLookup('_db._tcp', true)).toEqual({ kind: 'service', service: 'db', tag: undefined, dc: undefined });
    expect(parseDomainLookup('_db._tcp', false)).toEqual({ kind: 'unknown' });
    expect(parseDomainLookup('my.dotted.node.node', false)).toEqual({ kind: 'node', node: 'my.dotted.node', dc: undefined });
    expect(parseDomainLookup('db-1.node.dc1', false)).toEqual({ kind: 'node', node: 'db-1', dc: 'dc1' });
    expect(parseDomainLookup('c0a8211f.addr', false)).toEqual({ kind: 'addr', hex: 'c0a8211f', dc: undefined });
    expect(parseDomainLookup('service', false)).toEqual({ kind: 'unknown' });
    expect(parseDomainLookup('a.b.c', false)).toEqual({ kind: 'unknown' });
    // Prepared queries: by name or ID, in a datacenter, RFC 2782 for SRV.
    expect(parseDomainLookup('q.query', false)).toEqual({ kind: 'query', name: 'q', dc: undefined });
    expect(parseDomainLookup('geo-db.query.dc2', false)).toEqual({ kind: 'query', name: 'geo-db', dc: 'dc2' });
    expect(parseDomainLookup('_db._tcp.query', true)).toEqual({ kind: 'query', name: 'db', dc: undefined });
    expect(parseDomainLookup('_._tcp.query', true)).toEqual({ kind: 'unknown' });
    expect(parseDomainLookup('connect-thing.connect', false)).toEqual({ kind: 'unknown' });
  });
});

describe('addresses', () => {
  it('converts between IPs, hex labels and reverse names', () => {
    expect(ipToHex('192.168.33.31')).toBe('c0a8211f');
    expect(hexToIp('c0a8211f')).toEqual({ ip: '192.168.33.31', family: 4 });
    expect(ipToHex('2001:db8::1')).toBe('20010db8000000000000000000000001');
    expect(hexToIp('20010db8000000000000000000000001')).toEqual({ ip: '2001:db8::1', family: 6 });
    expect(hexToIp('xyz')).toBeUndefined();
    expect(hexToIp('c0a821')).toBeUndefined();
    expect(normaliseIp('2001:0DB8:0:0:0:0:0:0001')).toBe('2001:db8::1');
    expect(normaliseIp('::ffff:192.168.1.1')).toBe('::ffff:c0a8:101');
    expect(reverseNameToIp('31.33.168.192.in-addr.arpa')).toBe('192.168.33.31');
    expect(reverseNameToIp('33.168.192.in-addr.arpa')).toBeUndefined();
    expect(reverseNameToIp(`${'1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2'}.ip6.arpa`)).toBe('2001:db8::1');
  });
});

describe('ServiceTtlTable', () => {
  it('prefers exact names, then the longest prefix wildcard, else 0', () => {
    const t = new ServiceTtlTable();
    t.set('*', 1);
    t.set('web*', 5);
    t.set('web-api*', 7);
    t.set('db', 30);
    expect(t.ttlFor('db')).toBe(30);
    expect(t.ttlFor('dbx')).toBe(1);
    expect(t.ttlFor('web-api-v2')).toBe(7);
    expect(t.ttlFor('webby')).toBe(5);
    expect(new ServiceTtlTable().ttlFor('x')).toBe(0);
  });
});

describe('node meta TXT', () => {
  it('escapes as RFC 1464 and passes rfc1035- keys verbatim', () => {
    expect(nodeMetaTxt('rack', 'r1')).toBe('rack=r1');
    expect(nodeMetaTxt('a=b', 'c`d')).toBe('a`=b=c``d');
    expect(nodeMetaTxt(' k ', 'v')).toBe('` k` =v');
    expect(nodeMetaTxt('rfc1035-x', 'v=spf1 -all')).toBe('v=spf1 -all');
  });
});

describe('options', () => {
  it('parses recursors with and without ports', () => {
    expect(parseRecursor('8.8.8.8')).toEqual({ host: '8.8.8.8', port: 53, family: 4 });
    expect(parseRecursor('127.0.0.1:5353')).toEqual({ host: '127.0.0.1', port: 5353, family: 4 });
    expect(parseRecursor('::1')).toEqual({ host: '::1', port: 53, family: 6 });
    expect(parseRecursor('[::1]:5353')).toEqual({ host: '::1', port: 5353, family: 6 });
    expect(() => parseRecursor('dns.google')).toThrow(DnsConfigError);
    expect(() => parseRecursor('1.2.3.4:99999')).toThrow(/recursors/);
    expect(parseRecursor('[fe80::1]')).toEqual({ host: 'fe80::1', port: 53, family: 6 });
    expect(parseRecursor('2001:db8::53')).toEqual({ host: '2001:db8::53', port: 53, family: 6 });
    expect(() => parseRecursor('[::1:53')).toThrow(DnsConfigError);
    expect(() => parseRecursor('127.0.0.1:')).toThrow(DnsConfigError);
  });

  it('applies defaults and rejects bad values with the option named', () => {
    const source = new ArticleSource();
    const o = resolveDnsOptions({ source });
    expect(o).toMatchObject({ host: '127.0.0.1', port: 8600, domain: 'consul.', udpAnswerLimit: 3, recursorTimeoutMs: 2000, enableTruncate: false, nodeMetaTxt: true });
    expect(o.soa).toEqual({ refresh: 3600, retry: 600, expire: 86400, minTtl: 0 });
    expect(resolveDnsOptions({ source, domain: '.Example', udpAnswerLimit: 50 })).toMatchObject({ domain: 'example.', udpAnswerLimit: 8 });
    expect(() => resolveDnsOptions({ source, port: 70000 })).toThrow(/"port"/);
    expect(() => resolveDnsOptions({ source, nodeTtl: -1 })).toThrow(/"nodeTtl"/);
    expect(() => resolveDnsOptions({ source, serviceTtl: { db: 1.5 } })).toThrow(/"serviceTtl.db"/);
    expect(() => resolveDnsOptions({ source, domain: 'a..b' })).toThrow(/"domain"/);
    expect(() => resolveDnsOptions({ source, recursorStrategy: 'fastest' as never })).toThrow(/"recursorStrategy"/);
    expect(() => resolveDnsOptions({ source: undefined as never })).toThrow(/"source"/);
  });
});
