import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDnsServer, type DnsServer, type DnsServerOptions } from '../src/index.js';
import { ArticleSource } from './article-source.js';
import { dig } from './dig.js';
import { startSilentUpstream, startUpstream, type Upstream } from './upstream.js';

/** End-to-end: the real `dig` against a real server on 127.0.0.1, backed by the article's data. */

const servers: DnsServer[] = [];
async function start(options: Partial<DnsServerOptions> & { source: DnsServerOptions['source'] }): Promise<DnsServer> {
  const s = await createDnsServer({ host: '127.0.0.1', port: 0, ...options });
  servers.push(s);
  return s;
}

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const data = (records: { data: string }[]): string[] => records.map((r) => r.data).sort();

describe('dig against the DNS server (article data)', () => {
  let source: ArticleSource;
  let port: number;

  beforeAll(async () => {
    source = new ArticleSource();
    // A service big enough that its SRV answer cannot fit 512 bytes (long node names).
    for (let i = 0; i < 20; i++) {
      const name = `big-node-with-a-rather-long-name-to-fill-packets-${String(i).padStart(2, '0')}`;
      source.addNode(name, `10.1.0.${i + 1}`);
      source.addInstance('big', name, []);
    }
    for (let i = 0; i < 5; i++) {
      source.addNode(`five-${i}`, `10.2.0.${i + 1}`);
      source.addInstance('five', `five-${i}`, []);
    }
    port = (await start({ source })).port;
  });

  it('answers db.service.consul ANY with the healthy instances only (db-3 is critical)', async () => {
    const r = await dig(port, ['db.service.consul', 'ANY', '+notcp']);
    expect(r.status).toBe('NOERROR');
    expect(r.flags).toContain('aa');
    expect(r.flags).not.toContain('ra');
    expect(r.server).toBe('UDP');
    expect(r.answer.every((a) => a.type === 'A' && a.name === 'db.service.consul.')).toBe(true);
    expect(data(r.answer)).toEqual(['192.168.33.31', '192.168.33.32']);
  });

  it('filters by tag: slave.db.service.consul', async () => {
    const r = await dig(port, ['slave.db.service.consul']);
    expect(r.status).toBe('NOERROR');
    expect(data(r.answer)).toEqual(['192.168.33.32']);
    const m = await dig(port, ['MASTER.db.service.consul']);
    expect(data(m.answer)).toEqual(['192.168.33.31']);
  });

  it('answers SRV with priority 1, weight, port, node target and the A record in Additional', async () => {
    const r = await dig(port, ['db.service.consul', 'SRV']);
    expect(r.status).toBe('NOERROR');
    expect(data(r.answer)).toEqual(['1 1 3306 db-1.node.dc1.consul.', '1 1 3306 db-2.node.dc1.consul.']);
    const a = r.additional.filter((x) => x.type === 'A');
    expect(a.map((x) => `${x.name} ${x.data}`).sort()).toEqual([
      'db-1.node.dc1.consul. 192.168.33.31',
      'db-2.node.dc1.consul. 192.168.33.32',
    ]);
    // db-1's node meta rides along as TXT, the rfc1035- key verbatim.
    expect(data(r.additional.filter((x) => x.type === 'TXT'))).toEqual(['"rack=r1"', '"verbatim text"']);
  });

  it('answers RFC 2782 names: _db._master.service.consul SRV and _db._tcp.consul SRV', async () => {
    const master = await dig(port, ['_db._master.service.consul', 'SRV']);
    expect(data(master.answer)).toEqual(['1 1 3306 db-1.node.dc1.consul.']);
    const all = await dig(port, ['_db._tcp.consul', 'SRV']);
    expect(data(all.answer)).toEqual(['1 1 3306 db-1.node.dc1.consul.', '1 1 3306 db-2.node.dc1.consul.']);
    const dc = await dig(port, ['_db._slave.service.dc1.consul', 'SRV']);
    expect(data(dc.answer)).toEqual(['1 1 3306 db-2.node.dc1.consul.']);
  });

  it('uses the warning weight, and an .addr target when the service address differs from the node', async () => {
    const r = await dig(port, ['web.service.consul', 'SRV']);
    expect(data(r.answer)).toEqual(['1 10 8080 0a000005.addr.dc1.consul.', '1 2 3306 web-1.node.dc1.consul.']);
    expect(r.additional.find((x) => x.name === '0a000005.addr.dc1.consul.')?.data).toBe('10.0.0.5');
    const a = await dig(port, ['0a000005.addr.consul']);
    expect(data(a.answer)).toEqual(['10.0.0.5']);
  });

  it('answers node lookups with A and, for ANY, TXT from node meta', async () => {
    const a = await dig(port, ['db-1.node.consul']);
    expect(a.status).toBe('NOERROR');
    expect(data(a.answer)).toEqual(['192.168.33.31']);
    const any = await dig(port, ['db-1.node.dc1.consul', 'ANY']);
    expect(data(any.answer)).toEqual(['"rack=r1"', '"verbatim text"', '192.168.33.31']);
    const v6 = await dig(port, ['v6-node.node.consul', 'AAAA']);
    expect(data(v6.answer)).toEqual(['2001:db8::10']);
    const svc6 = await dig(port, ['ipv6.service.consul', 'AAAA']);
    expect(data(svc6.answer)).toEqual(['2001:db8::10']);
  });

  it('answers NXDOMAIN with the SOA for unknown services, nodes, datacenters and forms', async () => {
    for (const name of ['nope.service.consul', 'nope.node.consul', 'db.service.dc9.consul', 'x.query.consul', 'what.consul']) {
      const r = await dig(port, [name]);
      expect(r.status, name).toBe('NXDOMAIN');
      expect(r.flags).toContain('aa');
      expect(r.answer).toEqual([]);
      expect(r.authority).toHaveLength(1);
      expect(r.authority[0].type).toBe('SOA');
      expect(r.authority[0].name).toBe('consul.');
      const [mname, rname, serial, refresh, retry, expire, min] = r.authority[0].data.split(/\s+/);
      expect([mname, rname, refresh, retry, expire, min]).toEqual(['ns.consul.', 'hostmaster.consul.', '3600', '600', '86400', '0']);
      expect(Math.abs(Number(serial) - Date.now() / 1000)).toBeLessThan(60);
    }
  });

  it('answers NODATA (NOERROR, SOA, no answer) when the name exists without that type', async () => {
    const r = await dig(port, ['db.service.consul', 'AAAA']);
    expect(r.status).toBe('NOERROR');
    expect(r.answer).toEqual([]);
    expect(r.authority[0].type).toBe('SOA');
  });

  it('drops an instance as soon as it turns critical, and NXDOMAIN when none is healthy', async () => {
    const db2 = source.services.get('db')!.find((i) => i.node === 'db-2')!;
    db2.health = 'critical';
    source.ver++;
    try {
      const r = await dig(port, ['db.service.consul']);
      expect(data(r.answer)).toEqual(['192.168.33.31']);
      const slave = await dig(port, ['slave.db.service.consul']);
      expect(slave.status).toBe('NXDOMAIN');
    } finally {
      db2.health = 'passing';
      source.ver++;
    }
    const back = await dig(port, ['slave.db.service.consul']);
    expect(data(back.answer)).toEqual(['192.168.33.32']);
  });

  it('answers a hostname service address with a CNAME, chased inside the domain', async () => {
    const a = await dig(port, ['alias.service.consul']);
    expect(a.answer.map((x) => `${x.name} ${x.type} ${x.data}`)).toEqual([
      'alias.service.consul. CNAME slave.db.service.consul.',
      'slave.db.service.consul. A 192.168.33.32',
    ]);
    const srv = await dig(port, ['alias.service.consul', 'SRV']);
    expect(data(srv.answer)).toEqual(['1 1 5432 slave.db.service.consul.']);
    expect(srv.additional.filter((x) => x.type === 'A').map((x) => `${x.name} ${x.data}`)).toEqual(['slave.db.service.consul. 192.168.33.32']);
    // Outside the domain with no recursors: the CNAME alone.
    const ext = await dig(port, ['external.service.consul']);
    expect(ext.answer.map((x) => `${x.type} ${x.data}`)).toEqual(['CNAME example.org.']);
  });

  it('is case-insensitive', async () => {
    const r = await dig(port, ['DB.Service.CONSUL']);
    expect(r.status).toBe('NOERROR');
    expect(data(r.answer)).toEqual(['192.168.33.31', '192.168.33.32']);
  });

  it('sets TC on a UDP answer cut to 512 bytes, and serves the full answer over TCP', async () => {
    const udp = await dig(port, ['big.service.consul', 'SRV', '+noedns', '+ignore']);
    expect(udp.server).toBe('UDP');
    expect(udp.flags).toContain('tc');
    expect(udp.answer.length).toBeGreaterThan(0);
    expect(udp.answer.length).toBeLessThan(3);
    const tcp = await dig(port, ['big.service.consul', 'SRV', '+tcp']);
    expect(tcp.server).toBe('TCP');
    expect(tcp.flags).not.toContain('tc');
    expect(tcp.answer).toHaveLength(20);
    expect(tcp.additional.filter((x) => x.type === 'A')).toHaveLength(20);
    // Without +ignore, dig itself retries over TCP when it sees TC.
    const retried = await dig(port, ['big.service.consul', 'SRV', '+noedns']);
    expect(retried.server).toBe('TCP');
    expect(retried.answer).toHaveLength(20);
  });

  it('limits plain UDP answers to udp_answer_limit (3) without TC by default, as Consul', async () => {
    const r = await dig(port, ['five.service.consul', '+noedns', '+ignore']);
    expect(r.answer).toHaveLength(3);
    expect(r.flags).not.toContain('tc');
    const tcp = await dig(port, ['five.service.consul', '+tcp', '+noedns']);
    expect(tcp.answer).toHaveLength(5);
  });

  it('honours the EDNS buffer size and echoes the OPT record', async () => {
    const big = await dig(port, ['big.service.consul', 'SRV', '+bufsize=8192', '+ignore']);
    expect(big.server).toBe('UDP');
    expect(big.flags).not.toContain('tc');
    expect(big.answer).toHaveLength(20);
    expect(big.ednsUdp).toBe(8192);
    const small = await dig(port, ['big.service.consul', 'SRV', '+bufsize=1232', '+ignore']);
    expect(small.flags).toContain('tc');
    expect(small.answer.length).toBeGreaterThan(2);
    expect(small.answer.length).toBeLessThan(20);
    // EDNS lifts the 3-answer limit for plain UDP.
    const five = await dig(port, ['five.service.consul', '+bufsize=1232']);
    expect(five.answer).toHaveLength(5);
  });

  it('answers SOA and NS for the domain, with glue', async () => {
    const soa = await dig(port, ['consul.', 'SOA']);
    expect(soa.answer[0].type).toBe('SOA');
    expect(soa.authority.map((x) => x.data)).toEqual(['consul-server.node.dc1.consul.']);
    const ns = await dig(port, ['consul.', 'NS']);
    expect(ns.answer.map((x) => `${x.name} ${x.type} ${x.data}`)).toEqual(['consul. NS consul-server.node.dc1.consul.']);
    expect(ns.additional.map((x) => `${x.name} ${x.data}`)).toEqual(['consul-server.node.dc1.consul. 192.168.33.10']);
  });

  it('answers PTR for node and service addresses', async () => {
    const node = await dig(port, ['-x', '192.168.33.31']);
    expect(node.status).toBe('NOERROR');
    expect(data(node.answer)).toEqual(['db-1.node.dc1.consul.']);
    const svc = await dig(port, ['-x', '10.0.0.5']);
    expect(data(svc.answer)).toEqual(['web.service.dc1.consul.']);
    const unknown = await dig(port, ['-x', '10.9.9.9']);
    expect(unknown.status).toBe('NXDOMAIN');
  });

  it('refuses zone transfers with NOTIMP', async () => {
    const r = await dig(port, ['consul.', 'AXFR']);
    expect(r.raw).toMatch(/Transfer failed|NOTIMP/);
  });

  it('answers REFUSED for names outside the domain when no recursors are set', async () => {
    const r = await dig(port, ['example.org']);
    expect(r.status).toBe('REFUSED');
    expect(r.flags).not.toContain('ra');
  });

  it('serves several queries on one TCP connection (+keepopen)', async () => {
    const r = await dig(port, ['+tcp', '+keepopen', 'db-1.node.consul', 'db-2.node.consul', 'slave.db.service.consul']);
    const answers = r.raw.match(/^\S+\s+\d+\s+IN\s+A\s+\S+$/gm) ?? [];
    expect(answers.map((l) => l.split(/\s+/).pop()).sort()).toEqual(['192.168.33.31', '192.168.33.32', '192.168.33.32']);
  });
});

describe('dig against a server with options', () => {
  it('applies TTLs, only_passing, alt_domain and enable_truncate', async () => {
    const source = new ArticleSource();
    for (let i = 0; i < 5; i++) {
      source.addNode(`five-${i}`, `10.2.0.${i + 1}`);
      source.addInstance('five', `five-${i}`, []);
    }
    const s = await start({
      source,
      nodeTtl: 10,
      serviceTtl: { db: 30, 'w*': 5 },
      onlyPassing: true,
      altDomain: 'example.internal.',
      enableTruncate: true,
    });
    const db = await dig(s.port, ['db.service.consul']);
    expect(db.answer.map((a) => a.ttl)).toEqual([30, 30]);
    const web = await dig(s.port, ['web.service.consul', 'SRV']);
    expect(web.answer.map((a) => a.data)).toEqual(['1 10 8080 0a000005.addr.dc1.consul.']); // web-1 is warning
    expect(web.answer[0].ttl).toBe(5);
    const node = await dig(s.port, ['db-2.node.consul']);
    expect(node.answer[0].ttl).toBe(10);
    const alt = await dig(s.port, ['db.service.example.internal', 'SRV']);
    expect(data(alt.answer)).toEqual(['1 1 3306 db-1.node.dc1.example.internal.', '1 1 3306 db-2.node.dc1.example.internal.']);
    const altMiss = await dig(s.port, ['nope.service.example.internal']);
    expect(altMiss.authority[0].name).toBe('example.internal.');
    const five = await dig(s.port, ['five.service.consul', '+noedns', '+ignore']);
    expect(five.answer).toHaveLength(3);
    expect(five.flags).toContain('tc');
  });

  it('answers with new settings after reload, keeping its port and domain, and refuses bad ones', async () => {
    const source = new ArticleSource();
    const s = await start({ source, nodeTtl: 10 });
    expect((await dig(s.port, ['db-2.node.consul'])).answer[0].ttl).toBe(10);
    s.reload({ nodeTtl: 30, serviceTtl: { db: 7 }, aRecordLimit: 1 });
    expect((await dig(s.port, ['db-2.node.consul'])).answer[0].ttl).toBe(30);
    const db = await dig(s.port, ['db.service.consul', '+tcp']);
    expect(db.answer.map((a) => a.ttl)).toEqual([7]);
    expect(() => s.reload({ nodeTtl: -1 })).toThrow(/"nodeTtl"/);
    expect((await dig(s.port, ['db-2.node.consul'])).answer[0].ttl).toBe(30);
  });

  it('caps A answers on every transport with aRecordLimit', async () => {
    const source = new ArticleSource();
    const s = await start({ source, aRecordLimit: 1 });
    const tcp = await dig(s.port, ['db.service.consul', '+tcp']);
    expect(tcp.answer).toHaveLength(1);
  });
});

describe('dig through recursors', () => {
  let upstream: Upstream;
  let silent: { port: number; received: number; close(): Promise<void> };

  beforeAll(async () => {
    upstream = await startUpstream();
    silent = await startSilentUpstream();
  });
  afterAll(async () => {
    await upstream.close();
    await silent.close();
  });

  it('forwards names outside the domain over UDP and TCP, and sets RA', async () => {
    const s = await start({ source: new ArticleSource(), recursors: [`127.0.0.1:${upstream.port}`] });
    const r = await dig(s.port, ['example.org']);
    expect(r.status).toBe('NOERROR');
    expect(r.flags).toContain('ra');
    expect(data(r.answer)).toEqual(['93.184.216.34']);
    const t = await dig(s.port, ['example.org', '+tcp']);
    expect(t.server).toBe('TCP');
    expect(data(t.answer)).toEqual(['93.184.216.34']);
    const nx = await dig(s.port, ['nothing.example.org']);
    expect(nx.status).toBe('NXDOMAIN');
    // Our own names still answered locally, now with RA set.
    const own = await dig(s.port, ['db.service.consul']);
    expect(own.flags).toEqual(expect.arrayContaining(['aa', 'ra']));
    // A service whose address is a foreign hostname: CNAME, chased through the recursor.
    const ext = await dig(s.port, ['external.service.consul']);
    expect(ext.answer.map((x) => `${x.name} ${x.type} ${x.data}`)).toEqual([
      'external.service.consul. CNAME example.org.',
      'example.org. A 93.184.216.34',
    ]);
    // Reverse names we do not know go upstream too.
    const before = upstream.queries;
    await dig(s.port, ['-x', '10.9.9.9']);
    expect(upstream.queries).toBe(before + 1);
  });

  it('answers SERVFAIL when the only recursor does not answer in time', async () => {
    const s = await start({ source: new ArticleSource(), recursors: [`127.0.0.1:${silent.port}`], recursorTimeoutMs: 300 });
    const before = silent.received;
    const r = await dig(s.port, ['example.org']);
    expect(r.status).toBe('SERVFAIL');
    expect(silent.received).toBe(before + 1);
    expect(r.flags).toContain('ra');
  });

  it('falls through a dead recursor to the next one (sequential)', async () => {
    const s = await start({
      source: new ArticleSource(),
      recursors: [`127.0.0.1:${silent.port}`, `127.0.0.1:${upstream.port}`],
      recursorTimeoutMs: 300,
    });
    const r = await dig(s.port, ['example.org']);
    expect(r.status).toBe('NOERROR');
    expect(data(r.answer)).toEqual(['93.184.216.34']);
  });

  it('tries recursors in a random order with the random strategy', async () => {
    // With random() = 0 the shuffle puts the second recursor first: the live one answers at once.
    const s = await start({
      source: new ArticleSource(),
      recursors: [`127.0.0.1:${silent.port}`, `127.0.0.1:${upstream.port}`],
      recursorStrategy: 'random',
      recursorTimeoutMs: 5000,
      random: () => 0,
    });
    const before = silent.received;
    const r = await dig(s.port, ['example.org']);
    expect(r.status).toBe('NOERROR');
    expect(silent.received).toBe(before); // the dead one was never asked
  });
});
