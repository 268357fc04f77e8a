import { isIP } from 'node:net';
import type { DnsNode, DnsServiceInstance } from './data-source.js';
import { hexToIp, ipToHex } from './ip-address.js';
import type { ResolvedDnsOptions } from './options.js';
import { parseDomainLookup, type DomainLookup } from './query-name.js';
import { emptyResolution, makeGroup, type AnswerGroup, type Resolution } from './resolution.js';
import { shuffled } from './shuffle.js';
import {
  RCODE_NOERROR,
  RCODE_NXDOMAIN,
  TYPE_A,
  TYPE_AAAA,
  TYPE_ANY,
  TYPE_NS,
  TYPE_PTR,
  TYPE_SOA,
  TYPE_SRV,
  TYPE_TXT,
} from './wire-query.js';
import { encodeRecord, isEncodableName, txtStrings } from './wire-records.js';

/** Consul answers NS with at most this many servers. */
const MAX_NS_RECORDS = 3;
/** Hostname addresses are followed through at most this many CNAMEs, as Consul. */
const MAX_CHASE_DEPTH = 3;

/**
 * Asks the recursors for the A (or AAAA) records of a name outside the domain; resolves to records
 * encoded with their own owner names, or undefined when no recursor answered.
 */
export type UpstreamLookup = (name: string, qtype: number) => Promise<Buffer[] | undefined>;

interface Chased {
  records: Buffer[];
  /** True when a recursor supplied records: such answers are not cached (they have their own TTLs). */
  external: boolean;
}

const NOTHING_CHASED: Chased = { records: [], external: false };

/** Wire form of a name (labels, root), for re-owning records that point at the question. */
function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter((l) => l !== '');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'utf8');
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/**
 * Node meta as TXT text (RFC 1464 `key=value`, with `` ` `` escaping of `=`, `` ` `` and edge spaces in
 * keys), except keys prefixed `rfc1035-` whose value is served verbatim, as Consul does.
 */
export function nodeMetaTxt(key: string, value: string): string {
  if (key.startsWith('rfc1035-')) return value;
  let k = key.replace(/`/g, '``').replace(/=/g, '`=');
  k = k.replace(/^ +/, (m) => '` '.repeat(m.length)).replace(/ +$/, (m) => '` '.repeat(m.length));
  return `${k}=${value.replace(/`/g, '``')}`;
}

function isHealthy(instance: DnsServiceInstance, onlyPassing: boolean): boolean {
  return instance.health === 'passing' || (instance.health === 'warning' && !onlyPassing);
}

function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

/**
 * Answers names inside the domain (and PTR names) from the data source. It decides records and rcode;
 * fitting them to UDP/TCP and EDNS is the ReplyWriter's job.
 */
export class DomainAnswerer {
  private readonly domains: string[];

  constructor(
    private readonly opts: ResolvedDnsOptions,
    private readonly upstream?: UpstreamLookup,
  ) {
    this.domains = [opts.domain, opts.altDomain].filter((d): d is string => d !== undefined).sort((a, b) => b.length - a.length);
  }

  /** `rest` is the lower-case name without the domain (`''` for the apex). */
  async answer(rest: string, qtype: number, domain: string, depth = MAX_CHASE_DEPTH): Promise<Resolution> {
    if (qtype === TYPE_SOA) return this.soa(domain);
    if (qtype === TYPE_NS) return this.nameservers(domain);
    if (rest === '') return this.nodata(domain);
    const lookup = parseDomainLookup(rest, qtype === TYPE_SRV);
    if (lookup.kind === 'unknown') return this.nxdomain(domain);
    const dc = await this.datacenterFor(lookup.dc);
    const res = dc === undefined ? this.nxdomain(domain) : await this.inDatacenter(lookup, dc, qtype, domain, depth);
    // The cache is versioned by this datacenter's data: what another datacenter answers (or that it is
    // unknown) can change without that version moving.
    if (lookup.dc !== undefined && dc !== this.opts.source.datacenter) res.cacheable = false;
    return res;
  }

  private inDatacenter(lookup: Exclude<DomainLookup, { kind: 'unknown' }>, dc: string, qtype: number, domain: string, depth: number): Promise<Resolution> {
    switch (lookup.kind) {
      case 'service':
        return this.service(lookup.service, lookup.tag, dc, qtype, domain, depth);
      case 'node':
        return this.node(lookup.node, dc, qtype, domain, depth);
      case 'addr':
        return Promise.resolve(this.addr(lookup.hex, qtype, domain));
      case 'query':
        return this.preparedQuery(lookup.name, dc, qtype, domain, depth);
    }
  }

  /** PTR for an address: nodes first, then services; `undefined` when nothing has that address. */
  async answerReverse(ip: string, qtype: number): Promise<Resolution | undefined> {
    const dc = this.opts.source.datacenter;
    const domain = this.opts.domain;
    const nodes = await this.opts.source.nodesByAddress(ip, dc);
    let targets = nodes.map((n) => `${n}.node.${dc}.${domain}`);
    let ttl = this.opts.nodeTtl;
    if (targets.length === 0) {
      const services = await this.opts.source.servicesByAddress(ip, dc);
      targets = services.map((s) => `${s}.service.${dc}.${domain}`);
      ttl = services.length > 0 ? this.opts.serviceTtl.ttlFor(services[0].toLowerCase()) : 0;
    }
    targets = targets.filter(isEncodableName);
    if (targets.length === 0) return undefined;
    const res = emptyResolution(RCODE_NOERROR, domain, true);
    if (qtype !== TYPE_PTR && qtype !== TYPE_ANY) return res;
    res.groups = [makeGroup(targets.map((t) => encodeRecord({ type: 'PTR', name: '.', ttl, data: t }, true)))];
    return res;
  }

  /** The DC a name asks for, spelled as the source spells it; undefined for an unknown DC. */
  private async datacenterFor(label: string | undefined): Promise<string | undefined> {
    const local = this.opts.source.datacenter;
    if (label === undefined || label === local.toLowerCase()) return local;
    const all = this.opts.source.datacenters ? await this.opts.source.datacenters() : [];
    return all.find((d) => d.toLowerCase() === label);
  }

  private nxdomain(domain: string): Resolution {
    const res = emptyResolution(RCODE_NXDOMAIN, domain, true);
    res.soaAuthority = true;
    return res;
  }

  private nodata(domain: string): Resolution {
    const res = emptyResolution(RCODE_NOERROR, domain, true);
    res.soaAuthority = true;
    return res;
  }

  /** NS records (owned by the domain) for up to 3 servers, each with its glue address. */
  private async nsGroups(domain: string): Promise<AnswerGroup[]> {
    const dc = this.opts.source.datacenter;
    const servers = await this.opts.source.servers(dc);
    const groups: AnswerGroup[] = [];
    for (const server of servers) {
      const target = `${server.name}.node.${dc}.${domain}`;
      if (!isEncodableName(target)) continue;
      const glue = this.addressRecord(target, server.address, this.opts.nodeTtl, TYPE_ANY, false);
      if (glue.length === 0) continue; // an NS without an address is useless to a resolver
      groups.push(makeGroup([encodeRecord({ type: 'NS', name: domain, ttl: this.opts.nodeTtl, data: target }, false)], glue));
    }
    return groups;
  }

  private async soa(domain: string): Promise<Resolution> {
    const res = emptyResolution(RCODE_NOERROR, domain, true);
    res.soaAnswer = true;
    const ns = shuffled(await this.nsGroups(domain), this.opts.random).slice(0, MAX_NS_RECORDS);
    for (const g of ns) {
      res.authority.push(...g.answers);
      res.additional.push(...g.extras);
    }
    return res;
  }

  private async nameservers(domain: string): Promise<Resolution> {
    const groups = await this.nsGroups(domain);
    if (groups.length === 0) return this.nodata(domain);
    const res = emptyResolution(RCODE_NOERROR, domain, true);
    res.groups = groups;
    res.shuffle = true;
    res.maxGroups = MAX_NS_RECORDS;
    return res;
  }

  /**
   * A/AAAA (or CNAME for a hostname) for `address`, owned by the question when `owner` is undefined.
   * `qtype` filters: A gets IPv4, AAAA gets IPv6, ANY both.
   */
  private addressRecord(owner: string | undefined, address: string, ttl: number, qtype: number, cname = true): Buffer[] {
    const family = isIP(address);
    const name = owner ?? '.';
    const own = owner === undefined;
    if (family === 4) {
      return qtype === TYPE_A || qtype === TYPE_ANY ? [encodeRecord({ type: 'A', name, ttl, data: address }, own)] : [];
    }
    if (family === 6) {
      return qtype === TYPE_AAAA || qtype === TYPE_ANY ? [encodeRecord({ type: 'AAAA', name, ttl, data: address }, own)] : [];
    }
    if (cname && address !== '' && isEncodableName(address) && (qtype === TYPE_A || qtype === TYPE_AAAA || qtype === TYPE_ANY)) {
      return [encodeRecord({ type: 'CNAME', name, ttl, data: fqdn(address) }, own)];
    }
    return [];
  }

  /**
   * The address records of a hostname that a service or node has as its address: answered from the
   * catalog when the name is inside the domain, else asked of the recursors (when there are any).
   * Records come back owned by `host`.
   */
  private async chase(host: string, qtype: number, depth: number): Promise<Chased> {
    if (depth <= 0) return NOTHING_CHASED;
    const lower = host.toLowerCase().replace(/\.$/, '');
    for (const domain of this.domains) {
      const bare = domain.slice(0, -1);
      if (lower !== bare && !lower.endsWith(`.${bare}`)) continue;
      const rest = lower === bare ? '' : lower.slice(0, lower.length - bare.length - 1);
      if (rest === '') return NOTHING_CHASED;
      const inner = await this.answer(rest, qtype, domain, depth - 1);
      if (inner.rcode !== RCODE_NOERROR) return NOTHING_CHASED;
      const owner = encodeName(lower);
      const records = inner.groups.flatMap((g) => g.answers).map((r) => (r[0] === 0xc0 && r[1] === 0x0c ? Buffer.concat([owner, r.subarray(2)]) : r));
      return { records, external: !inner.cacheable };
    }
    if (!this.upstream) return NOTHING_CHASED;
    const records = await this.upstream(fqdn(host), qtype === TYPE_AAAA ? TYPE_AAAA : TYPE_A);
    return { records: records ?? [], external: true };
  }

  private metaTxt(owner: string | undefined, meta: Record<string, string> | undefined, ttl: number): Buffer[] {
    if (!meta) return [];
    const out: Buffer[] = [];
    for (const [k, v] of Object.entries(meta)) {
      out.push(encodeRecord({ type: 'TXT', name: owner ?? '.', ttl, data: txtStrings(nodeMetaTxt(k, String(v))) }, owner === undefined));
    }
    return out;
  }

  private async service(service: string, tag: string | undefined, dc: string, qtype: number, domain: string, depth: number): Promise<Resolution> {
    const instances = await this.opts.source.serviceInstances(service, dc);
    if (!instances) return this.nxdomain(domain);
    const matching = instances.filter(
      (i) => isHealthy(i, this.opts.onlyPassing) && (tag === undefined || i.tags.some((t) => t.toLowerCase() === tag)),
    );
    if (matching.length === 0) return this.nxdomain(domain);
    return this.instancesAnswer(matching, this.opts.serviceTtl.ttlFor(service), dc, qtype, domain, depth);
  }

  /** `name.query.consul`: the instances the prepared query answers (its own health filtering, its failover),
   * named in the datacenter they came from, with the query's TTL when it has one. */
  private async preparedQuery(name: string, dc: string, qtype: number, domain: string, depth: number): Promise<Resolution> {
    if (!this.opts.source.preparedQuery) return this.nxdomain(domain);
    const answer = await this.opts.source.preparedQuery(name, dc);
    if (!answer || answer.instances.length === 0) return this.nxdomain(domain);
    const ttl = answer.ttlSeconds ?? this.opts.serviceTtl.ttlFor(answer.service);
    const res = await this.instancesAnswer(answer.instances, ttl, answer.datacenter, qtype, domain, depth);
    // Failover and health can change the answer without the local data's version moving.
    res.cacheable = false;
    // The execution already shuffled the instances, or sorted them nearest first (`Near`): Consul's DNS answers them
    // in that order, so that the answer limits keep the nearest.
    res.shuffle = false;
    return res;
  }

  private async instancesAnswer(matching: DnsServiceInstance[], ttl: number, dc: string, qtype: number, domain: string, depth: number): Promise<Resolution> {
    let groups: AnswerGroup[] = [];
    let maxGroups = 0;
    const external = { used: false };
    if (qtype === TYPE_SRV) {
      groups = await this.srvGroups(matching, dc, domain, ttl, depth, external);
    } else if (qtype === TYPE_A || qtype === TYPE_AAAA || qtype === TYPE_ANY) {
      groups = await this.addressGroups(matching, dc, domain, ttl, qtype, depth, external);
      maxGroups = this.opts.aRecordLimit;
    }
    if (groups.length === 0) return this.nodata(domain);
    const res = emptyResolution(RCODE_NOERROR, domain, true);
    res.groups = groups;
    res.shuffle = true;
    res.maxGroups = maxGroups;
    res.cacheable = !external.used;
    return res;
  }

  private async addressGroups(
    instances: DnsServiceInstance[],
    dc: string,
    domain: string,
    ttl: number,
    qtype: number,
    depth: number,
    external: { used: boolean },
  ): Promise<AnswerGroup[]> {
    const seen = new Set<string>();
    const groups: AnswerGroup[] = [];
    for (const inst of instances) {
      const address = inst.serviceAddress || inst.nodeAddress;
      if (seen.has(address)) continue; // one record per address, as Consul
      seen.add(address);
      const answers = this.addressRecord(undefined, address, ttl, qtype);
      if (answers.length === 0) continue;
      if (isIP(address) === 0) {
        const chased = await this.chase(address, qtype, depth);
        answers.push(...chased.records);
        external.used ||= chased.external;
      }
      const nodeName = `${inst.node}.node.${dc}.${domain}`;
      const extras = this.opts.nodeMetaTxt && isEncodableName(nodeName) ? this.metaTxt(nodeName, inst.nodeMeta, ttl) : [];
      groups.push(makeGroup(answers, extras));
    }
    return groups;
  }

  private async srvGroups(
    instances: DnsServiceInstance[],
    dc: string,
    domain: string,
    ttl: number,
    depth: number,
    external: { used: boolean },
  ): Promise<AnswerGroup[]> {
    const seen = new Set<string>();
    const groups: AnswerGroup[] = [];
    for (const inst of instances) {
      const serviceAddress = inst.serviceAddress ?? '';
      const key = `${inst.node}\u0000${serviceAddress}\u0000${inst.port}`;
      if (seen.has(key)) continue; // same node, address and port: one SRV, as Consul
      seen.add(key);
      const weights = inst.weights ?? { passing: 1, warning: 1 };
      const rawWeight = inst.health === 'warning' ? weights.warning : weights.passing;
      const weight = Math.max(0, Math.min(65535, Math.trunc(Number(rawWeight) || 0)));
      const nodeName = `${inst.node}.node.${dc}.${domain}`;
      let target: string;
      let extras: Buffer[];
      const useServiceAddress = serviceAddress !== '' && serviceAddress !== inst.nodeAddress;
      const address = useServiceAddress ? serviceAddress : inst.nodeAddress;
      if (isIP(address) !== 0) {
        target = useServiceAddress ? `${ipToHex(address)}.addr.${dc}.${domain}` : nodeName;
        extras = this.addressRecord(target, address, ttl, TYPE_ANY, false);
      } else {
        target = fqdn(address); // a hostname: its addresses (when found) ride along in Additional
        const chased = await this.chase(address, TYPE_ANY, depth);
        extras = chased.records;
        external.used ||= chased.external;
      }
      if (!isEncodableName(target) || target === '.') continue;
      if (this.opts.nodeMetaTxt && !useServiceAddress && isEncodableName(nodeName)) {
        extras = extras.concat(this.metaTxt(nodeName, inst.nodeMeta, ttl));
      }
      const port = Math.max(0, Math.min(65535, Math.trunc(inst.port) || 0));
      const srv = encodeRecord({ type: 'SRV', name: '.', ttl, data: { priority: 1, weight, port, target } }, true);
      groups.push(makeGroup([srv], extras));
    }
    return groups;
  }

  private async node(name: string, dc: string, qtype: number, domain: string, depth: number): Promise<Resolution> {
    const node: DnsNode | undefined = await this.opts.source.node(name, dc);
    if (!node) return this.nxdomain(domain);
    const ttl = this.opts.nodeTtl;
    const answers = this.addressRecord(undefined, node.address, ttl, qtype);
    let chasedExternal = false;
    if (answers.length > 0 && isIP(node.address) === 0) {
      const chased = await this.chase(node.address, qtype, depth);
      answers.push(...chased.records);
      chasedExternal = chased.external;
    }
    const txt = this.metaTxt(undefined, node.meta, ttl);
    let extras: Buffer[] = [];
    if (qtype === TYPE_TXT || qtype === TYPE_ANY) answers.push(...txt);
    else if ((qtype === TYPE_A || qtype === TYPE_AAAA) && this.opts.nodeMetaTxt && answers.length > 0) extras = txt;
    if (answers.length === 0) return this.nodata(domain);
    const res = emptyResolution(RCODE_NOERROR, domain, true);
    res.groups = [makeGroup(answers, extras)];
    res.cacheable = !chasedExternal;
    return res;
  }

  private addr(hex: string, qtype: number, domain: string): Resolution {
    const ip = hexToIp(hex);
    if (!ip) return this.nxdomain(domain);
    const answers = this.addressRecord(undefined, ip.ip, this.opts.nodeTtl, qtype, false);
    if (answers.length === 0) return this.nodata(domain);
    const res = emptyResolution(RCODE_NOERROR, domain, true);
    res.groups = [makeGroup(answers)];
    return res;
  }
}
