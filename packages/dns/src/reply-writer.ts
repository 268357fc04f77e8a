import type { ResolvedDnsOptions } from './options.js';
import type { Resolution } from './resolution.js';
import { shuffled } from './shuffle.js';
import type { ParsedQuery } from './wire-query.js';
import { encodeOpt, encodeRecord, writeHeader } from './wire-records.js';
import type { DnsTransport } from './transport.js';

/** Classic DNS UDP payload limit without EDNS (RFC 1035). */
export const PLAIN_UDP_LIMIT = 512;
/** Largest EDNS payload Consul honours: 65535 minus the EDNS overhead it reserves. */
export const MAX_EDNS_UDP_LIMIT = 65535 - 68;
const TCP_LIMIT = 65535;

/**
 * Fits a Resolution to one reply: shuffles groups, applies the answer limits, trims to the transport's
 * byte budget and sets TC when a UDP reply lost answers to that budget (or, with `enableTruncate`, to
 * `udpAnswerLimit`), then writes header, echoed question, sections and the EDNS OPT.
 */
export class ReplyWriter {
  private soaCache = new Map<string, { second: number; bytes: Buffer }>();

  constructor(private readonly opts: ResolvedDnsOptions) {}

  write(request: Buffer, q: ParsedQuery, res: Resolution, transport: DnsTransport): Buffer {
    const udp = transport === 'udp';
    const limit = !udp ? TCP_LIMIT : q.edns ? Math.min(Math.max(PLAIN_UDP_LIMIT, q.edns.udpSize), MAX_EDNS_UDP_LIMIT) : PLAIN_UDP_LIMIT;

    let groups = res.groups;
    if (res.shuffle && groups.length > 1) groups = shuffled(groups, this.opts.random);
    if (res.maxGroups > 0 && groups.length > res.maxGroups) groups = groups.slice(0, res.maxGroups);
    let countTrimmed = false;
    if (udp && limit === PLAIN_UDP_LIMIT && groups.length > this.opts.udpAnswerLimit) {
      groups = groups.slice(0, this.opts.udpAnswerLimit);
      countTrimmed = true;
    }

    const soa = res.soaAnswer || res.soaAuthority ? this.soa(res.domain) : undefined;
    const opt = q.edns ? encodeOpt(q.edns.udpSize, res.rcode >> 4, q.edns.clientSubnet) : undefined;
    const questionLength = q.questionEnd - 12;
    let size = 12 + questionLength + (opt ? opt.length : 0);
    if (res.soaAnswer) size += soa!.length;
    if (res.soaAuthority) size += soa!.length;
    for (const b of res.authority) size += b.length;
    for (const b of res.additional) size += b.length;

    // Keep the longest prefix of groups that fits; a group's extras go with it (deduplicated).
    const answers: Buffer[] = [];
    const extras: Buffer[] = [];
    const seen = groups.length > 1 ? new Set<string>() : undefined;
    let kept = 0;
    for (const g of groups) {
      let add = 0;
      for (const a of g.answers) add += a.length;
      let fresh: number[] | undefined;
      for (let i = 0; i < g.extras.length; i++) {
        if (seen?.has(g.extraKeys[i])) continue;
        (fresh ??= []).push(i);
        add += g.extras[i].length;
      }
      if (size + add > limit) break;
      size += add;
      kept++;
      for (const a of g.answers) answers.push(a);
      if (fresh) {
        for (const i of fresh) {
          extras.push(g.extras[i]);
          seen?.add(g.extraKeys[i]);
        }
      }
    }
    const sizeTrimmed = kept < groups.length;
    const truncated = udp && (sizeTrimmed || (countTrimmed && this.opts.enableTruncate));

    const an = answers.length + (res.soaAnswer ? 1 : 0);
    const ns = res.authority.length + (res.soaAuthority ? 1 : 0);
    const ar = extras.length + res.additional.length + (opt ? 1 : 0);
    const out = Buffer.allocUnsafe(size);
    writeHeader(
      out,
      q.id,
      {
        authoritative: res.authoritative,
        truncated,
        recursionDesired: q.rd,
        recursionAvailable: this.opts.recursors.length > 0,
        rcode: res.rcode & 0xf,
      },
      1,
      an,
      ns,
      ar,
    );
    let pos = 12 + request.copy(out, 12, 12, q.questionEnd);
    if (res.soaAnswer) pos += soa!.copy(out, pos);
    for (const b of answers) pos += b.copy(out, pos);
    if (res.soaAuthority) pos += soa!.copy(out, pos);
    for (const b of res.authority) pos += b.copy(out, pos);
    for (const b of extras) pos += b.copy(out, pos);
    for (const b of res.additional) pos += b.copy(out, pos);
    if (opt) opt.copy(out, pos);
    return out;
  }

  /** The domain's SOA; its serial is the unix time, so it is re-encoded at most once a second. */
  private soa(domain: string): Buffer {
    const second = Math.floor(this.opts.now() / 1000);
    const cached = this.soaCache.get(domain);
    if (cached && cached.second === second) return cached.bytes;
    const s = this.opts.soa;
    const bytes = encodeRecord(
      {
        type: 'SOA',
        name: domain,
        ttl: s.minTtl,
        data: {
          mname: `ns.${domain}`,
          rname: `hostmaster.${domain}`,
          serial: second >>> 0,
          refresh: s.refresh,
          retry: s.retry,
          expire: s.expire,
          minimum: s.minTtl,
        },
      },
      false,
    );
    this.soaCache.set(domain, { second, bytes });
    return bytes;
  }
}
