// Property-based fuzzing of the DNS query handler (the socket-free core every UDP and TCP query goes through):
// well-formed queries for random names under the domain and outside it, every record type and class, odd EDNS
// options — then the same bytes mutated (flipped, cut, extended). The property: the handler never throws; an
// answer, when there is one, decodes, carries the query's ID, and is within the transport's size (UDP: 512 bytes
// without EDNS, the advertised size with it).
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzOptions } from '@conclave/test-support/fuzz';
import { createDnsQueryHandler } from '../src/index.js';
import { ArticleSource } from './article-source.js';

const handler = createDnsQueryHandler({ source: new ArticleSource() });
const label = fc.oneof(fc.constantFrom('web', 'db', 'master', 'slave', 'service', 'node', 'query', 'addr', 'consul', 'dc1', '_web', '_tcp', 'c0a82101', '*'), fc.stringMatching(/^[a-z0-9-]{1,20}$/), fc.string({ maxLength: 10 }));
const name = fc.tuple(fc.array(label, { maxLength: 5 }), fc.constantFrom('consul', 'in-addr.arpa', 'ip6.arpa', 'example.com', '')).map(([ls, tail]) => [...ls, tail].filter((x) => x !== '').join('.'));
const type = fc.constantFrom(...(['A', 'AAAA', 'SRV', 'TXT', 'ANY', 'PTR', 'SOA', 'NS', 'MX', 'CNAME', 'AXFR', 'CAA', 'OPT'] as dnsPacket.RecordType[]));
const query = fc.record({
  id: fc.integer({ min: 0, max: 65535 }),
  questions: fc.array(fc.record({ name, type, class: fc.constantFrom('IN', 'CH', 'ANY') as fc.Arbitrary<'IN'> }), { maxLength: 2 }),
  edns: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
});
const mutation = fc.oneof(
  fc.constant((b: Buffer) => b),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, x]) => (b: Buffer) => {
    const c = Buffer.from(b);
    if (c.length) c[at % c.length]! ^= x;
    return c;
  }),
  fc.nat().map((at) => (b: Buffer) => b.subarray(0, b.length ? at % b.length : 0)),
  fc.uint8Array({ maxLength: 30 }).map((extra) => (b: Buffer) => Buffer.concat([b, extra])),
);

describe('DNS query handler under random queries', () => {
  it('never throws; answers decode, keep the ID, and fit the transport', async () => {
    await fc.assert(
      fc.asyncProperty(query, mutation, fc.constantFrom('udp', 'tcp'), async (q, mutate, transport) => {
        const additionals = q.edns === undefined ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: q.edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as dnsPacket.OptAnswer];
        const bytes = mutate(dnsPacket.encode({ type: 'query', id: q.id, flags: dnsPacket.RECURSION_DESIRED, questions: q.questions, additionals }));
        const answer = await handler.handle(bytes, transport as 'udp' | 'tcp');
        if (!answer) return;
        const decoded = dnsPacket.decode(answer);
        if (bytes.length >= 2) expect(decoded.id).toBe(bytes.readUInt16BE(0));
        if (transport === 'udp') expect(answer.length).toBeLessThanOrEqual(Math.max(512, q.edns ?? 512));
      }),
      fuzzOptions(1500),
    );
  });
});
