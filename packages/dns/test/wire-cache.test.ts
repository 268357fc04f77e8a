import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { createDnsQueryHandler, type DnsServerOptions } from '../src/index.js';
import { DnsQueryHandler } from '../src/dns-query-handler.js';
import { resolveDnsOptions } from '../src/options.js';
import { ArticleSource } from './article-source.js';

/** The wire cache: a repeated query is answered from the reply bytes it got before, with its own ID, for as long as
 * the source's version holds; everything a reply depends on (EDNS size, spelling, transport, the SOA's second) still
 * shows, and shuffled answers are still shuffled per reply. */

function query(name: string, type: dnsPacket.RecordType, opts: { id?: number; edns?: number; cookie?: boolean } = {}): Buffer {
  const additionals: dnsPacket.Answer[] = [];
  if (opts.edns !== undefined) {
    additionals.push({
      type: 'OPT',
      name: '.',
      udpPayloadSize: opts.edns,
      extendedRcode: 0,
      ednsVersion: 0,
      flags: 0,
      flag_do: false,
      options: opts.cookie ? [{ code: 10, data: Buffer.from('0123456789abcdef', 'hex') }] : [],
    } as unknown as dnsPacket.OptAnswer);
  }
  return dnsPacket.encode({ type: 'query', id: opts.id ?? 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }], additionals });
}

const handlerFor = (source: ArticleSource, extra: Partial<DnsServerOptions> = {}) => createDnsQueryHandler({ source, ...extra });

/** Answers synchronously (a cache hit) or fails the test. */
function hit(h: ReturnType<typeof handlerFor>, msg: Buffer, transport: 'udp' | 'tcp' = 'udp'): Buffer {
  const out = h.handle(msg, transport);
  expect(out).toBeInstanceOf(Buffer);
  return out as Buffer;
}

const withoutId = (b: Buffer) => b.subarray(2).toString('hex');
const dataOf = (a: dnsPacket.Answer): unknown => (a as { data?: unknown }).data;

describe('wire answer cache', () => {
  it('replays the reply bytes with the new ID, without reading the source, until the version moves', async () => {
    const source = new ArticleSource();
    const h = handlerFor(source);
    const first = (await h.handle(query('slave.db.service.consul', 'A', { id: 10 }), 'udp')) as Buffer;
    const calls = source.calls;
    for (const id of [11, 0xffff, 0]) {
      const again = hit(h, query('slave.db.service.consul', 'A', { id }));
      expect(again.readUInt16BE(0)).toBe(id);
      expect(withoutId(again)).toBe(withoutId(first));
    }
    expect(source.calls).toBe(calls);
    // A change the version covers shows in the very next answer.
    source.services.get('db')![1].health = 'critical';
    source.ver++;
    expect((dnsPacket.decode((await h.handle(query('slave.db.service.consul', 'A', { id: 12 }), 'udp')) as Buffer) as unknown as { rcode: string }).rcode).toBe('NXDOMAIN');
    source.services.get('db')![1].health = 'passing';
    source.ver++;
    const back = dnsPacket.decode((await h.handle(query('slave.db.service.consul', 'A'), 'udp')) as Buffer);
    expect(back.answers!.map(dataOf)).toEqual(['192.168.33.32']);
  });

  it('keeps replies apart by EDNS size, spelling and transport, as the uncached path writes them', async () => {
    const source = new ArticleSource();
    for (let i = 0; i < 12; i++) {
      source.addNode(`many-${i}`, `10.7.0.${i + 1}`);
      source.addInstance('many', `many-${i}`, []);
    }
    const h = handlerFor(source, { random: () => 0.99999 }); // no reordering: replies comparable byte for byte
    const cases: Array<[Buffer, 'udp' | 'tcp']> = [
      [query('many.service.consul', 'A'), 'udp'],
      [query('many.service.consul', 'A', { edns: 4096 }), 'udp'],
      [query('MANY.service.consul', 'A'), 'udp'],
      [query('many.service.consul', 'A'), 'tcp'],
      [query('many.service.consul', 'SRV', { edns: 600 }), 'udp'],
    ];
    const firsts = [];
    for (const [msg, transport] of cases) firsts.push((await h.handle(msg, transport)) as Buffer);
    const decoded = firsts.map((b) => dnsPacket.decode(b));
    expect(decoded.map((d) => d.answers!.length)).toEqual([3, 12, 3, 12, expect.any(Number)]);
    expect(decoded[2].questions![0].name).toBe('MANY.service.consul');
    expect(decoded[4].flag_tc).toBe(true);
    for (let i = 0; i < cases.length; i++) expect(withoutId(hit(h, cases[i][0], cases[i][1]))).toBe(withoutId(firsts[i]));
  });

  it('still shuffles service answers on every cached reply', async () => {
    const source = new ArticleSource();
    for (let i = 0; i < 4; i++) {
      source.addNode(`four-${i}`, `10.8.0.${i + 1}`);
      source.addInstance('four', `four-${i}`, []);
    }
    const h = handlerFor(source);
    await h.handle(query('four.service.consul', 'A'), 'udp');
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) seen.add(JSON.stringify(dnsPacket.decode(hit(h, query('four.service.consul', 'A', { id: i }))).answers!.map(dataOf)));
    expect(seen.size).toBeGreaterThan(3);
  });

  it('renews a cached SOA when the second (its serial) changes', async () => {
    let now = 1_700_000_000_000;
    const h = handlerFor(new ArticleSource(), { now: () => now });
    const serial = (b: Buffer) => (dataOf(dnsPacket.decode(b).authorities![0]) as dnsPacket.SoaData).serial;
    expect(serial((await h.handle(query('nope.service.consul', 'A'), 'udp')) as Buffer)).toBe(1_700_000_000);
    expect(serial(hit(h, query('nope.service.consul', 'A')))).toBe(1_700_000_000);
    now += 1000;
    expect(serial((await h.handle(query('nope.service.consul', 'A'), 'udp')) as Buffer)).toBe(1_700_000_001);
  });

  it('keeps a reply once per query key and version, and none for queries with EDNS options', async () => {
    const source = new ArticleSource();
    const h = new DnsQueryHandler(resolveDnsOptions({ source }));
    const kept: string[] = [];
    h.onWireEntry = (key) => kept.push(key);
    await h.handle(query('slave.db.service.consul', 'A', { id: 1 }), 'udp');
    expect(kept).toHaveLength(1);
    for (let id = 2; id < 10; id++) h.handle(query('slave.db.service.consul', 'A', { id }), 'udp');
    expect(kept).toHaveLength(1); // answered from the kept bytes
    source.ver++;
    await h.handle(query('slave.db.service.consul', 'A', { id: 11 }), 'udp');
    expect(kept).toHaveLength(2); // a new version: written and kept again
    await h.handle(query('slave.db.service.consul', 'A', { edns: 1232, cookie: true }), 'udp');
    await h.handle(query('slave.db.service.consul', 'A', { edns: 1232 }), 'udp');
    expect(kept).toHaveLength(3); // the plain EDNS query only
  });

  it('answers queries carrying EDNS options (cookies) correctly', async () => {
    const h = handlerFor(new ArticleSource());
    for (let i = 0; i < 2; i++) {
      const r = dnsPacket.decode((await h.handle(query('slave.db.service.consul', 'A', { edns: 1232, cookie: true }), 'udp')) as Buffer);
      expect(r.answers!.map(dataOf)).toEqual(['192.168.33.32']);
    }
  });
});
