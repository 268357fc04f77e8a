import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDnsServer, type DnsServer } from '../src/index.js';
import { ArticleSource } from './article-source.js';
import { dig } from './dig.js';

/** The server's sockets: TCP framing and pipelining, and garbage over both transports. */

describe('DNS server sockets', () => {
  let server: DnsServer;

  beforeAll(async () => {
    server = await createDnsServer({ source: new ArticleSource(), host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers pipelined queries on one TCP connection, split across arbitrary chunks', async () => {
    const names = ['db-1.node.consul', 'db-2.node.consul', 'web-1.node.consul'];
    const frames = names.map((name, i) => {
      const msg = dnsPacket.encode({ type: 'query', id: 100 + i, questions: [{ name, type: 'A' }] });
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      return Buffer.concat([len, msg]);
    });
    const all = Buffer.concat(frames);
    const replies = await new Promise<dnsPacket.DecodedPacket[]>((resolve, reject) => {
      const sock = net.connect(server.port, '127.0.0.1');
      let buf = Buffer.alloc(0);
      const out: dnsPacket.DecodedPacket[] = [];
      sock.on('error', reject);
      sock.on('connect', async () => {
        // Write in 5-byte pieces so frames straddle chunks.
        for (let i = 0; i < all.length; i += 5) {
          sock.write(all.subarray(i, i + 5));
          await new Promise((r) => setImmediate(r));
        }
      });
      sock.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          out.push(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
          buf = buf.subarray(2 + buf.readUInt16BE(0));
        }
        if (out.length === names.length) {
          sock.end();
          resolve(out);
        }
      });
    });
    const byId = new Map(replies.map((r) => [r.id, (r.answers![0] as dnsPacket.StringAnswer).data]));
    expect(byId).toEqual(new Map([[100, '192.168.33.31'], [101, '192.168.33.32'], [102, '192.168.33.41']]));
  });

  it('keeps answering after thousands of random UDP packets and TCP garbage', async () => {
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    let seed = 99;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    let replies = 0;
    udp.on('message', () => replies++);
    for (let i = 0; i < 3000; i++) {
      const msg = Buffer.alloc(Math.floor(rnd() * 100));
      for (let j = 0; j < msg.length; j++) msg[j] = Math.floor(rnd() * 256);
      if (msg.length > 2 && i % 3 === 0) msg[2] &= 0x7f; // more of them look like queries
      udp.send(msg, server.port, '127.0.0.1');
      if (i % 200 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    for (let c = 0; c < 20; c++) {
      await new Promise<void>((resolve) => {
        const sock = net.connect(server.port, '127.0.0.1', () => {
          const junk = Buffer.alloc(50 + c * 37);
          for (let j = 0; j < junk.length; j++) junk[j] = Math.floor(rnd() * 256);
          sock.end(junk);
        });
        sock.on('error', () => resolve());
        sock.on('close', () => resolve());
        sock.on('data', () => {});
      });
    }
    // Some of the query-shaped packets get an answer: poll for the first, with a bound.
    for (let i = 0; i < 1000 && replies === 0; i++) await new Promise((r) => setTimeout(r, 10));
    udp.close();
    expect(replies).toBeGreaterThan(0);
    const r = await dig(server.port, ['db.service.consul']);
    expect(r.status).toBe('NOERROR');
    const t = await dig(server.port, ['db.service.consul', '+tcp']);
    expect(t.answer).toHaveLength(2);
  });

  it('refuses to start on a port that is taken, and closes cleanly', async () => {
    await expect(createDnsServer({ source: new ArticleSource(), host: '127.0.0.1', port: server.port })).rejects.toThrow(/EADDRINUSE/);
    const other = await createDnsServer({ source: new ArticleSource(), host: '127.0.0.1', port: 0 });
    await other.close();
    await other.close();
  });
});
