import { createRequire } from 'node:module';
import type { DecodedPacket } from 'dns-packet';
import { DomainAnswerer } from './domain-answerer.js';
import { reverseNameToIp } from './ip-address.js';
import type { ResolvedDnsOptions } from './options.js';
import { RecursorClient } from './recursor-client.js';
import { ReplyWriter } from './reply-writer.js';
import { emptyResolution, type Resolution } from './resolution.js';
import type { DnsTransport } from './transport.js';
import { WireAnswerCache, type WireEntry } from './wire-answer-cache.js';
import {
  RCODE_BADVERS,
  RCODE_NOTIMP,
  RCODE_NXDOMAIN,
  RCODE_REFUSED,
  RCODE_SERVFAIL,
  TYPE_AAAA,
  TYPE_AXFR,
  TYPE_IXFR,
  readQuery,
  type ParsedQuery,
} from './wire-query.js';
import { encodeRecord, headerOnlyReply } from './wire-records.js';

// require(), not import: Node's ESM loader scans a CommonJS module for export names, which costs an idle
// agent several MB of compiled code (measured with tools/bench/cluster-idle-client.mjs).
const dnsPacket = createRequire(import.meta.url)('dns-packet') as typeof import('dns-packet');

interface CacheEntry {
  version: number | bigint;
  res: Resolution;
}

/** What the handler tells about a reply it put in the wire cache (the UDP readers of other threads take it). */
export type WireEntryListener = (key: string, transport: DnsTransport, entry: WireEntry) => void;

/**
 * Turns one query message into one reply message (or nothing, for packets that cannot be answered).
 * Transport-free, so it can be tested and fuzzed without sockets. With a versioned data source, answers
 * are cached at two levels until the version changes: the Resolution per (type, lower-case name), and the
 * reply bytes per query bytes (wire-answer-cache.ts), which answers a repeated query without reading it.
 * Both hits are answered synchronously without touching the source.
 */
export class DnsQueryHandler {
  private readonly answerer: DomainAnswerer;
  private readonly writer: ReplyWriter;
  private readonly recursor: RecursorClient | undefined;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly wire: WireAnswerCache | undefined;
  /** Told of every reply put in the wire cache. */
  onWireEntry: WireEntryListener | undefined;
  private readonly domains: Array<{ suffix: string; bare: string; domain: string }>;

  constructor(private readonly opts: ResolvedDnsOptions) {
    this.writer = new ReplyWriter(opts);
    this.recursor =
      opts.recursors.length > 0
        ? new RecursorClient({
            recursors: opts.recursors,
            timeoutMs: opts.recursorTimeoutMs,
            strategy: opts.recursorStrategy,
            random: opts.random,
            logger: opts.logger,
          })
        : undefined;
    this.answerer = new DomainAnswerer(opts, this.recursor ? (name, qtype) => this.lookupUpstream(name, qtype) : undefined);
    this.domains = [opts.domain, opts.altDomain]
      .filter((d): d is string => d !== undefined)
      .map((domain) => ({ domain, bare: domain.slice(0, -1), suffix: `.${domain.slice(0, -1)}` }))
      // Longest first, so `dc.consul.` wins over `consul.` when both are configured.
      .sort((a, b) => b.bare.length - a.bare.length);
    this.wire = opts.source.version && opts.maxCacheEntries > 0 ? new WireAnswerCache(opts.maxCacheEntries) : undefined;
  }

  handle(message: Buffer, transport: DnsTransport): Buffer | undefined | Promise<Buffer | undefined> {
    const wireKey = this.wire !== undefined ? WireAnswerCache.keyOf(message) : undefined;
    if (wireKey !== undefined) {
      const hit = this.wire!.get(wireKey, transport);
      if (hit !== undefined && this.isCurrent(hit)) return this.replay(hit, message, transport);
    }
    const read = readQuery(message);
    if (read.kind === 'drop') return undefined;
    const ra = this.opts.recursors.length > 0;
    if (read.kind === 'reject') return headerOnlyReply(read.id, read.opcode, read.rd, read.rcode, ra);
    const q = read.query;
    if (q.edns && q.edns.version > 0) {
      return this.writer.write(message, q, emptyResolution(RCODE_BADVERS, this.opts.domain, false), transport);
    }
    const name = q.qnameLower;
    for (const d of this.domains) {
      let rest: string;
      if (name === d.bare) rest = '';
      else if (name.endsWith(d.suffix)) rest = name.slice(0, name.length - d.suffix.length);
      else continue;
      return this.answerInDomain(message, q, rest, d.domain, transport, wireKey);
    }
    if (name.endsWith('.arpa')) {
      const ip = reverseNameToIp(name);
      if (ip !== undefined) return this.answerReverse(message, q, ip, transport);
    }
    return this.forward(message, q, transport);
  }

  /** The reply to a query answered before: its bytes with this query's ID, or (answers Consul shuffles) the cached
   * Resolution written afresh. The key is every byte of the query after the ID, so nothing else can differ. */
  private replay(e: WireEntry, message: Buffer, transport: DnsTransport): Buffer {
    let out: Buffer;
    if (e.bytes !== undefined) {
      out = Buffer.allocUnsafe(e.bytes.length);
      e.bytes.copy(out, 0);
    } else {
      out = this.writer.write(message, e.query, e.res, transport);
    }
    out[0] = message[0];
    out[1] = message[1];
    return out;
  }

  /** Whether a wire entry still answers: the source's version is the one it was made at, and the second of the
   * SOA serial it carries (if any) is this one. */
  private isCurrent(e: WireEntry): boolean {
    let version: number | bigint;
    try {
      version = this.opts.source.version!();
    } catch {
      return false; // the slow path answers SERVFAIL
    }
    return e.version === version && (e.second < 0 || e.second === Math.floor(this.opts.now() / 1000));
  }

  /** Writes the reply and, when it may be reused (`version` given), keeps it in the wire cache. */
  private written(message: Buffer, q: ParsedQuery, res: Resolution, transport: DnsTransport, version: number | bigint | undefined, wireKey: string | undefined): Buffer {
    const soa = res.soaAnswer || res.soaAuthority;
    const second = soa ? Math.floor(this.opts.now() / 1000) : -1;
    const out = this.writer.write(message, q, res, transport);
    // Queries with EDNS options (cookies, client subnets) are kept out: their options tend to differ per client or per
    // query, and each would take an entry of its own. A reply written across a second boundary is not kept either.
    if (wireKey === undefined || version === undefined || (q.edns !== undefined && q.edns.options > 0)) return out;
    if (soa && Math.floor(this.opts.now() / 1000) !== second) return out;
    let bytes: Buffer | undefined;
    if (!(res.shuffle && res.groups.length > 1)) {
      // A copy of its own: `out` is a slice of Buffer's shared pool, which a long-lived entry would keep whole (8 KiB).
      bytes = Buffer.allocUnsafeSlow(out.length);
      out.copy(bytes, 0);
    }
    const entry: WireEntry = { version, second, bytes, query: q, res };
    this.wire!.set(wireKey, transport, entry);
    this.onWireEntry?.(wireKey, transport, entry);
    return out;
  }

  /** The wire cache's entry for a query's key, current or not (the UDP readers are handed the current ones). */
  wireEntry(key: string, transport: DnsTransport): WireEntry | undefined {
    return this.wire?.get(key, transport);
  }

  /** Stops forwarding (in-flight upstream exchanges are abandoned). */
  close(): void {
    this.recursor?.close();
  }

  private answerInDomain(
    message: Buffer,
    q: ParsedQuery,
    rest: string,
    domain: string,
    transport: DnsTransport,
    wireKey: string | undefined,
  ): Buffer | Promise<Buffer> {
    if (q.qtype === TYPE_AXFR || q.qtype === TYPE_IXFR) {
      return this.writer.write(message, q, emptyResolution(RCODE_NOTIMP, domain, true), transport);
    }
    const source = this.opts.source;
    let version: number | bigint | undefined;
    let key: string | undefined;
    if (source.version && this.opts.maxCacheEntries > 0) {
      try {
        version = source.version();
      } catch (err) {
        return this.writer.write(message, q, this.failure(domain, err), transport);
      }
      key = `${q.qtype}|${q.qnameLower}`;
      const hit = this.cache.get(key);
      if (hit !== undefined && hit.version === version) return this.written(message, q, hit.res, transport, version, wireKey);
    }
    let pending: Promise<Resolution>;
    try {
      pending = this.answerer.answer(rest, q.qtype, domain);
    } catch (err) {
      pending = Promise.reject(err);
    }
    return pending.then(
      (res) => {
        if (key !== undefined && version !== undefined && res.cacheable) {
          if (this.cache.size >= this.opts.maxCacheEntries && !this.cache.has(key)) this.cache.clear();
          this.cache.set(key, { version, res });
        }
        return this.written(message, q, res, transport, res.cacheable ? version : undefined, wireKey);
      },
      (err: unknown) => this.writer.write(message, q, this.failure(domain, err), transport),
    );
  }

  private async answerReverse(message: Buffer, q: ParsedQuery, ip: string, transport: DnsTransport): Promise<Buffer | undefined> {
    let res: Resolution | undefined;
    try {
      res = await this.answerer.answerReverse(ip, q.qtype);
    } catch (err) {
      return this.writer.write(message, q, this.failure(this.opts.domain, err), transport);
    }
    if (res) return this.writer.write(message, q, res, transport);
    // Not one of ours: ask upstream when we can, else say it does not exist (as Consul).
    if (this.recursor) return this.forward(message, q, transport);
    return this.writer.write(message, q, emptyResolution(RCODE_NXDOMAIN, this.opts.domain, false), transport);
  }

  private async forward(message: Buffer, q: ParsedQuery, transport: DnsTransport): Promise<Buffer | undefined> {
    if (!this.recursor) {
      return this.writer.write(message, q, emptyResolution(RCODE_REFUSED, this.opts.domain, false), transport);
    }
    const reply = await this.recursor.forward(message, transport);
    if (reply) return reply;
    return this.writer.write(message, q, emptyResolution(RCODE_SERVFAIL, this.opts.domain, false), transport);
  }

  /** A/AAAA records of a foreign hostname from the recursors (to chase a service's hostname address). */
  private async lookupUpstream(name: string, qtype: number): Promise<Buffer[] | undefined> {
    const query = dnsPacket.encode({
      type: 'query',
      id: Math.floor(this.opts.random() * 0x10000) & 0xffff,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ name, type: qtype === TYPE_AAAA ? 'AAAA' : 'A' }],
    });
    const reply = await this.recursor!.forward(query, 'udp');
    if (!reply) return undefined;
    let decoded: DecodedPacket;
    try {
      decoded = dnsPacket.decode(reply);
    } catch {
      return undefined;
    }
    const out: Buffer[] = [];
    for (const a of decoded.answers ?? []) {
      if (a.type === 'A' || a.type === 'AAAA' || a.type === 'CNAME') out.push(encodeRecord(a, false));
    }
    return out;
  }

  private failure(domain: string, err: unknown): Resolution {
    this.opts.logger.error('data source failed, answering SERVFAIL', { error: err instanceof Error ? err.message : String(err) });
    const res = emptyResolution(RCODE_SERVFAIL, domain, false);
    res.cacheable = false;
    return res;
  }
}
