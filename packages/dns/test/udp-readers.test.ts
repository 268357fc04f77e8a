import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDnsServer, type DnsDataSource, type DnsServer } from '../src/index.js';
import { ArticleSource } from './article-source.js';

/**
 * Reader threads (udp-readers.ts), where dgram has reusePort (Node 22.12+, 23.1+): they start under load, answer
 * from sockets of their own on the port, and a change the source announces shows in the very next answer on every
 * socket. On Node 20 the main thread stays alone and the same answers must come from it.
 */

class PushingSource extends ArticleSource implements DnsDataSource {
  private readonly listeners = new Set<() => void>();
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  changed(): void {
    this.ver++;
    for (const l of this.listeners) l();
  }
}

const readerPossible = (() => {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
})();

let server: DnsServer;
let source: PushingSource;
const clients: dgram.Socket[] = [];

function ask(sock: dgram.Socket, name: string, id: number): Promise<dnsPacket.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${name}`)), 5000);
    const onMessage = (msg: Buffer): void => {
      const p = dnsPacket.decode(msg);
      if (p.id !== id) return;
      clearTimeout(timer);
      sock.off('message', onMessage);
      resolve(p);
    };
    sock.on('message', onMessage);
    sock.send(dnsPacket.encode({ type: 'query', id, questions: [{ name, type: 'A' }] }), server.port, '127.0.0.1');
  });
}

beforeAll(async () => {
  source = new PushingSource();
  // Started at once: a rate threshold would depend on how fast this machine sends.
  server = await createDnsServer({ source, host: '127.0.0.1', port: 0, udpReaders: 1, udpReadersStartRate: 0 });
  // Many source ports, so that the kernel hands some flows to each socket of the port.
  for (let i = 0; i < 16; i++) {
    const c = dgram.createSocket('udp4');
    await new Promise<void>((r) => c.bind(0, '127.0.0.1', () => r()));
    clients.push(c);
  }
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server?.close();
});

describe('UDP reader threads', () => {
  it('listen where reusePort exists, and every socket answers current data after a change', async () => {
    let id = 1;
    if (readerPossible) {
      for (let i = 0; i < 200 && server.udpReaderThreads !== 1; i++) await new Promise((r) => setTimeout(r, 50));
      expect(server.udpReaderThreads).toBe(1);
    } else expect(server.udpReaderThreads).toBe(0);
    const all = async () => Promise.all(clients.map(async (c) => (await ask(c, 'slave.db.service.consul', id++ & 0xffff)).answers!.map((a) => (a as { data?: unknown }).data)));
    // Twice: the second round is answered from the readers' caches.
    for (let i = 0; i < 2; i++) expect(new Set((await all()).map((a) => JSON.stringify(a)))).toEqual(new Set([JSON.stringify(['192.168.33.32'])]));
    source.services.get('db')![1].health = 'critical';
    source.changed();
    const after = await Promise.all(clients.map(async (c) => ((await ask(c, 'slave.db.service.consul', id++ & 0xffff)) as unknown as { rcode: string }).rcode));
    expect(new Set(after)).toEqual(new Set(['NXDOMAIN']));
    source.services.get('db')![1].health = 'passing';
    source.changed();
    for (let i = 0; i < 2; i++) expect(new Set((await all()).map((a) => JSON.stringify(a)))).toEqual(new Set([JSON.stringify(['192.168.33.32'])]));
  });

  it('answers from the main thread alone after a reload, with the new settings (the readers drop what they hold)', async () => {
    server.reload({ nodeTtl: 0, serviceTtl: { db: 42 } });
    const ttls = await Promise.all(clients.map(async (c, i) => (await ask(c, 'slave.db.service.consul', 60000 + i)).answers!.map((a) => (a as { ttl?: number }).ttl)));
    expect(new Set(ttls.map((t) => JSON.stringify(t)))).toEqual(new Set([JSON.stringify([42])]));
  });
});
