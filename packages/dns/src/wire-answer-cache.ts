import type { Resolution } from './resolution.js';
import type { DnsTransport } from './transport.js';
import type { ParsedQuery } from './wire-query.js';

/**
 * Replies as they went out, keyed by the query's bytes after its ID: a reply is a function of those bytes (the
 * question as spelled, RD, EDNS size), the transport, the data version and, for replies carrying the SOA, the
 * second (its serial). A hit costs one Map lookup and a copy of the bytes with the new ID written in, instead of
 * reading the query and assembling the reply. Answers Consul shuffles keep their Resolution and are written
 * afresh (reshuffled) on every hit.
 */

/** Real queries are 30–80 bytes; longer ones are answered without this cache (they would make long keys). */
const MAX_QUERY_BYTES = 300;

export interface WireEntry {
  version: number | bigint;
  /** The unix second whose SOA serial the reply carries; -1 when it carries no SOA. */
  second: number;
  /** The whole reply, when it is the same for every query with this key; its first two bytes are the old ID. */
  bytes: Buffer | undefined;
  /** Shuffled answers: the query as read and the Resolution, written per hit. */
  query: ParsedQuery;
  res: Resolution;
}

export class WireAnswerCache {
  private readonly udp = new Map<string, WireEntry>();
  private readonly tcp = new Map<string, WireEntry>();

  constructor(private readonly maxEntries: number) {}

  /** The key of a query, or undefined when it is not worth caching (too short to be a query, or too long). */
  static keyOf(message: Buffer): string | undefined {
    return message.length > 12 && message.length <= MAX_QUERY_BYTES ? message.toString('latin1', 2) : undefined;
  }

  get(key: string, transport: DnsTransport): WireEntry | undefined {
    return (transport === 'udp' ? this.udp : this.tcp).get(key);
  }

  set(key: string, transport: DnsTransport, entry: WireEntry): void {
    const map = transport === 'udp' ? this.udp : this.tcp;
    // Bounded like the Resolution cache: when full, start over (entries of an old version are dead weight anyway).
    if (map.size >= this.maxEntries && !map.has(key)) map.clear();
    map.set(key, entry);
  }
}
