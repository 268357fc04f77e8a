import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { createDnsQueryHandler, type DnsDataSource, type DnsServerOptions } from '../src/index.js';
import { ArticleSource } from './article-source.js';

/** The socket-free core, driven with dns-packet messages: limits, caching, failures, malformed input. */

function handlerFor(source: DnsDataSource, extra: Partial<DnsServerOptions> = {}) {
  return createDnsQueryHandler({ source, ...extra });
}

function query(name: string, type: dnsPacket.RecordType, opts: { id?: number; edns?: number; ednsVersion?: number; ecs?: boolean } = {}): Buffer {
  const additionals: dnsPacket.Answer[] = [];
  if (opts.edns !== undefined) {
    additionals.push({
      type: 'OPT',
      name: '.',
      udpPayloadSize: opts.edns,
      extendedRcode: 0,
      ednsVersion: opts.ednsVersion ?? 0,
      flags: 0,
      flag_do: false,
      options: opts.ecs ? [{ code: 8, family: 1, sourcePrefixLength: 24, scopePrefixLength: 0, ip: '192.0.2.0' }] : [],
    } as dnsPacket.OptAnswer);
  }
  return dnsPacket.encode({
    type: 'query',
    id: opts.id ?? 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    additionals,
  });
}

async function ask(h: ReturnType<typeof handlerFor>, msg: Buffer, transport: 'udp' | 'tcp' = 'udp') {
  const out = await h.handle(msg, transport);
  expect(out).toBeInstanceOf(Buffer);
  return dnsPacket.decode(out as Buffer);
}

/** Record data, for records that have it (every record but OPT). */
const dataOf = (a: dnsPacket.Answer): unknown => (a as { data?: unknown }).data;

const rcodeOf = (p: dnsPacket.DecodedPacket): string => (p as unknown as { rcode: string }).rcode;

describe('DnsQueryHandler', () => {
  it('shuffles answers with the injected random source (Fisher–Yates)', async () => {
    const source = new ArticleSource();
    for (let i = 0; i < 4; i++) {
      source.addNode(`n${i}`, `10.3.0.${i + 1}`);
      source.addInstance('four', `n${i}`, []);
    }
    const order = async (random: () => number) =>
      (await ask(handlerFor(source, { random }), query('four.service.consul', 'A', { edns: 1232 }))).answers!.map(dataOf);
    // random() = 0 swaps each position with the first: [a,b,c,d] → [b,c,d,a].
    expect(await order(() => 0)).toEqual(['10.3.0.2', '10.3.0.3', '10.3.0.4', '10.3.0.1']);
    // random() ≈ 1 keeps every element in place.
    expect(await order(() => 0.9999)).toEqual(['10.3.0.1', '10.3.0.2', '10.3.0.3', '10.3.0.4']);
    const seen = new Set<string>();
    const h = handlerFor(source);
    for (let i = 0; i < 60; i++) seen.add(JSON.stringify((await ask(h, query('four.service.consul', 'A', { edns: 1232 }))).answers!.map(dataOf)));
    expect(seen.size).toBeGreaterThan(3);
  });

  it('answers from cache while the version holds, and re-reads the source when it changes', async () => {
    const source = new ArticleSource();
    const h = handlerFor(source);
    await ask(h, query('db.service.consul', 'A'));
    const calls = source.calls;
    const cached = h.handle(query('DB.service.consul', 'A', { id: 7 }), 'udp');
    expect(cached).toBeInstanceOf(Buffer); // synchronous: no source call
    expect(dnsPacket.decode(cached as Buffer).id).toBe(7);
    expect(dnsPacket.decode(cached as Buffer).questions![0].name).toBe('DB.service.consul');
    expect(source.calls).toBe(calls);
    source.services.get('db')![0].health = 'critical';
    source.ver++;
    const after = await ask(h, query('db.service.consul', 'A'));
    expect(source.calls).toBe(calls + 1);
    expect(after.answers!.map(dataOf)).toEqual(['192.168.33.32']);
  });

  it('reads the source on every query when it has no version', async () => {
    const source = new ArticleSource();
    source.versioned = false;
    const h = handlerFor(source);
    await ask(h, query('db.service.consul', 'A'));
    await ask(h, query('db.service.consul', 'A'));
    expect(source.calls).toBe(2);
  });

  it('accepts an asynchronous source', async () => {
    const base = new ArticleSource();
    const source: DnsDataSource = {
      datacenter: 'dc1',
      serviceInstances: async (s, dc) => base.serviceInstances(s, dc),
      node: async (n, dc) => base.node(n, dc),
      nodesByAddress: async (a) => base.nodesByAddress(a),
      servicesByAddress: async (a) => base.servicesByAddress(a),
      servers: async () => base.servers(),
    };
    const r = await ask(handlerFor(source), query('slave.db.service.consul', 'A'));
    expect(r.answers!.map(dataOf)).toEqual(['192.168.33.32']);
  });

  it('matches datacenter labels case-insensitively and passes the source its own spelling', async () => {
    const asked: string[] = [];
    const source: DnsDataSource = {
      datacenter: 'East-1',
      datacenters: () => ['East-1', 'West-2'],
      serviceInstances: (s, dc) => {
        asked.push(dc);
        return [{ node: 'web-1', nodeAddress: '10.0.0.1', serviceId: 'web', port: 80, tags: [], health: 'passing' }];
      },
      node: () => undefined,
      nodesByAddress: () => [],
      servicesByAddress: () => [],
      servers: () => [],
    };
    const h = handlerFor(source);
    for (const name of ['web.service.consul', 'web.service.east-1.consul', 'web.service.WEST-2.consul']) {
      expect(rcodeOf(await ask(h, query(name, 'A'))), name).toBe('NOERROR');
    }
    expect(asked).toEqual(['East-1', 'East-1', 'West-2']);
    expect(rcodeOf(await ask(h, query('web.service.north-3.consul', 'A')))).toBe('NXDOMAIN');
    const srv = await ask(h, query('web.service.consul', 'SRV'));
    expect((dataOf(srv.answers![0]) as dnsPacket.SrvData).target).toBe('web-1.node.East-1.consul');
  });

  it('reads other datacenters afresh each time although the source is versioned (the version is the local data)', async () => {
    let port = 80;
    const source: DnsDataSource = {
      datacenter: 'dc1',
      datacenters: () => ['dc1', 'dc2'],
      version: () => 1,
      serviceInstances: () => [{ node: 'web-1', nodeAddress: '10.0.0.1', serviceId: 'web', port, tags: [], health: 'passing' }],
      node: () => undefined,
      nodesByAddress: () => [],
      servicesByAddress: () => [],
      servers: () => [],
    };
    const h = handlerFor(source);
    const portOf = async (name: string) => (dataOf((await ask(h, query(name, 'SRV'))).answers![0]) as dnsPacket.SrvData).port;
    expect([await portOf('web.service.consul'), await portOf('web.service.dc2.consul')]).toEqual([80, 80]);
    port = 81;
    // The local answer is cached until the version moves; dc2's is not.
    expect([await portOf('web.service.consul'), await portOf('web.service.dc2.consul')]).toEqual([80, 81]);
  });

  it('answers prepared queries with the instances, datacenter and TTL the source executes them to', async () => {
    const asked: string[] = [];
    const source: DnsDataSource = {
      datacenter: 'dc2',
      datacenters: () => ['dc2', 'dc1'],
      version: () => 1,
      serviceInstances: () => undefined,
      preparedQuery: (name, dc) => {
        asked.push(`${name}@${dc}`);
        if (name !== 'db') return undefined;
        return {
          service: 'db',
          datacenter: 'dc1',
          ttlSeconds: 7,
          instances: [{ node: 'db-1', nodeAddress: '10.0.0.9', serviceId: 'db', port: 5432, tags: [], health: 'passing' }],
        };
      },
      node: () => undefined,
      nodesByAddress: () => [],
      servicesByAddress: () => [],
      servers: () => [],
    };
    const h = handlerFor(source);
    const srv = await ask(h, query('_db._tcp.query.consul', 'SRV'));
    expect(srv.answers!.map((a) => [(a as { ttl?: number }).ttl, (dataOf(a) as dnsPacket.SrvData).target])).toEqual([[7, 'db-1.node.dc1.consul']]);
    const a = await ask(h, query('db.query.dc2.consul', 'A'));
    expect(a.answers!.map(dataOf)).toEqual(['10.0.0.9']);
    expect(rcodeOf(await ask(h, query('nope.query.consul', 'A')))).toBe('NXDOMAIN');
    expect(asked).toEqual(['db@dc2', 'db@dc2', 'nope@dc2']);
  });

  it('answers prepared queries in the order their execution gives (nearest first), not shuffled, as Consul', async () => {
    const instances = Array.from({ length: 5 }, (_, i) => ({ node: `n${i}`, nodeAddress: `10.9.0.${i + 1}`, serviceId: 'db', port: 5432, tags: [], health: 'passing' as const }));
    const source: DnsDataSource = {
      datacenter: 'dc1',
      serviceInstances: () => undefined,
      preparedQuery: () => ({ service: 'db', datacenter: 'dc1', instances }),
      node: () => undefined,
      nodesByAddress: () => [],
      servicesByAddress: () => [],
      servers: () => [],
    };
    const h = handlerFor(source, { random: () => 0 }); // a shuffle with this source would rotate the list
    expect((await ask(h, query('db.query.consul', 'A', { edns: 1232 }))).answers!.map(dataOf)).toEqual(instances.map((i) => i.nodeAddress));
    // Plain UDP keeps the first three: the nearest.
    expect((await ask(h, query('db.query.consul', 'A'))).answers!.map(dataOf)).toEqual(['10.9.0.1', '10.9.0.2', '10.9.0.3']);
  });

  it('answers SERVFAIL when the source throws or rejects, and does not cache it', async () => {
    const source = new ArticleSource();
    source.failWith = new Error('catalog unavailable');
    const h = handlerFor(source);
    expect(rcodeOf(await ask(h, query('db.service.consul', 'A')))).toBe('SERVFAIL');
    source.failWith = undefined;
    expect(rcodeOf(await ask(h, query('db.service.consul', 'A')))).toBe('NOERROR');
    const rejecting: DnsDataSource = { ...source, datacenter: 'dc1', serviceInstances: () => Promise.reject(new Error('down')), node: () => undefined, nodesByAddress: () => [], servicesByAddress: () => [], servers: () => [] };
    expect(rcodeOf(await ask(handlerFor(rejecting), query('db.service.consul', 'A')))).toBe('SERVFAIL');
    const badVersion = new ArticleSource();
    Object.defineProperty(badVersion, 'version', { value: () => { throw new Error('no index'); } });
    expect(rcodeOf(await ask(handlerFor(badVersion), query('db.service.consul', 'A')))).toBe('SERVFAIL');
  });

  it('echoes EDNS with the client subnet at scope 0, and answers BADVERS to EDNS version 1', async () => {
    const h = handlerFor(new ArticleSource());
    const r = await ask(h, query('db.service.consul', 'A', { edns: 4096, ecs: true }));
    const opt = r.additionals!.find((a) => a.type === 'OPT') as dnsPacket.OptAnswer;
    expect(opt.udpPayloadSize).toBe(4096);
    const ecs = opt.options.find((o) => o.code === 8) as { sourcePrefixLength: number; scopePrefixLength: number; ip: string };
    expect(ecs).toMatchObject({ sourcePrefixLength: 24, scopePrefixLength: 0, ip: '192.0.2.0' });
    const bad = await ask(h, query('db.service.consul', 'A', { edns: 4096, ednsVersion: 1 }));
    const badOpt = bad.additionals!.find((a) => a.type === 'OPT') as dnsPacket.OptAnswer;
    expect(badOpt.extendedRcode).toBe(1); // 16 >> 4: BADVERS
    expect(bad.answers).toEqual([]);
  });

  it('answers NOTIMP to AXFR and to other opcodes, FORMERR to bad questions, and drops what it cannot read', async () => {
    const h = handlerFor(new ArticleSource());
    expect(rcodeOf(await ask(h, query('consul', 'AXFR'), 'tcp'))).toBe('NOTIMP');
    const notify = query('consul', 'SOA');
    notify[2] = (notify[2] & 0x87) | (4 << 3); // opcode NOTIFY
    expect(rcodeOf(await ask(h, notify))).toBe('NOTIMP');
    const twoQuestions = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'a.consul', type: 'A' }, { name: 'b.consul', type: 'A' }] });
    expect(rcodeOf(await ask(h, twoQuestions))).toBe('FORMERR');
    const cut = query('db.service.consul', 'A').subarray(0, 20);
    const formerr = await ask(h, cut);
    expect(rcodeOf(formerr)).toBe('FORMERR');
    expect(formerr.id).toBe(4242);
    expect(h.handle(Buffer.from([1, 2, 3]), 'udp')).toBeUndefined();
    const response = query('db.service.consul', 'A');
    response[2] |= 0x80; // QR: a response, never answered (no reflection loops)
    expect(h.handle(response, 'udp')).toBeUndefined();
  });

  it('keeps SRV additionals in step with trimmed answers and sets TC only on UDP', async () => {
    const source = new ArticleSource();
    for (let i = 0; i < 30; i++) {
      source.addNode(`node-with-a-long-enough-name-${i}`, `10.4.0.${i + 1}`);
      source.addInstance('many', `node-with-a-long-enough-name-${i}`, []);
    }
    const h = handlerFor(source);
    const udp = await ask(h, query('many.service.consul', 'SRV', { edns: 1232 }));
    expect(udp.flag_tc).toBe(true);
    const targets = new Set(udp.answers!.map((a) => (dataOf(a) as dnsPacket.SrvData).target));
    const extraA = udp.additionals!.filter((a) => a.type === 'A').map((a) => a.name);
    expect(new Set(extraA)).toEqual(targets);
    expect((await h.handle(query('many.service.consul', 'SRV', { edns: 1232 }), 'udp'))!.length).toBeLessThanOrEqual(1232);
    const tcp = await ask(h, query('many.service.consul', 'SRV'), 'tcp');
    expect(tcp.flag_tc).toBe(false);
    expect(tcp.answers).toHaveLength(30);
  });

  it('keeps plain UDP replies within 512 bytes and 3 answers, EDNS ones within the advertised size', async () => {
    const source = new ArticleSource();
    for (let i = 0; i < 40; i++) {
      source.addNode(`sized-node-${i}-with-padding-padding-padding`, `10.5.0.${i + 1}`);
      source.addInstance('sized', `sized-node-${i}-with-padding-padding-padding`, []);
    }
    const h = handlerFor(source);
    for (const type of ['A', 'SRV'] as const) {
      const plain = (await h.handle(query('sized.service.consul', type), 'udp')) as Buffer;
      expect(plain.length).toBeLessThanOrEqual(512);
      expect(dnsPacket.decode(plain).answers!.length).toBeLessThanOrEqual(3);
      for (const size of [512, 1000, 1500, 4000]) {
        const edns = (await h.handle(query('sized.service.consul', type, { edns: size }), 'udp')) as Buffer;
        expect(edns.length).toBeLessThanOrEqual(size);
      }
    }
  });

  it('answers NS with at most 3 shuffled servers and their glue, and a SOA whose serial is the clock', async () => {
    const servers = Array.from({ length: 5 }, (_, i) => ({ name: `server-${i}`, address: `10.6.0.${i + 1}` }));
    const source: DnsDataSource = {
      datacenter: 'dc1',
      serviceInstances: () => undefined,
      node: () => undefined,
      nodesByAddress: () => [],
      servicesByAddress: () => [],
      servers: () => servers,
    };
    let now = 1_700_000_000_500;
    const h = handlerFor(source, { now: () => now });
    const picked = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const ns = await ask(h, query('consul', 'NS'));
      expect(ns.answers).toHaveLength(3);
      expect(ns.additionals).toHaveLength(3);
      for (const a of ns.answers!) picked.add(dataOf(a) as string);
    }
    expect(picked.size).toBe(5);
    const soa = await ask(h, query('consul', 'SOA'));
    expect((dataOf(soa.answers![0]) as dnsPacket.SoaData).serial).toBe(1_700_000_000);
    expect(soa.authorities).toHaveLength(3);
    now += 2000;
    const later = await ask(h, query('nope.service.consul', 'A'));
    expect((dataOf(later.authorities![0]) as dnsPacket.SoaData).serial).toBe(1_700_000_002);
  });

  it('survives thousands of random and mutated packets, answering each with a decodable reply or nothing', async () => {
    const h = handlerFor(new ArticleSource());
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const valid = [
      query('db.service.consul', 'SRV', { edns: 1232, ecs: true }),
      query('db-1.node.consul', 'ANY' as dnsPacket.RecordType),
      query('_db._master.service.consul', 'SRV'),
      query('31.33.168.192.in-addr.arpa', 'PTR'),
    ];
    let replies = 0;
    for (let i = 0; i < 4000; i++) {
      let msg: Buffer;
      if (i % 2 === 0) {
        msg = Buffer.alloc(Math.floor(rnd() * 80));
        for (let j = 0; j < msg.length; j++) msg[j] = Math.floor(rnd() * 256);
      } else {
        msg = Buffer.from(valid[i % valid.length]);
        const flips = 1 + Math.floor(rnd() * 4);
        for (let f = 0; f < flips; f++) msg[Math.floor(rnd() * msg.length)] = Math.floor(rnd() * 256);
        if (rnd() < 0.3) msg = msg.subarray(0, Math.floor(rnd() * msg.length));
      }
      for (const transport of ['udp', 'tcp'] as const) {
        const out = await h.handle(msg, transport);
        if (out === undefined) continue;
        expect(out).toBeInstanceOf(Buffer);
        expect(() => dnsPacket.decode(out)).not.toThrow();
        replies++;
      }
    }
    expect(replies).toBeGreaterThan(1000);
  });
});
