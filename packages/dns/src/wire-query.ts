/**
 * A small, bounded reader for incoming DNS queries. It reads only what answering needs (header, the one
 * question, the EDNS OPT record) and never throws: anything it cannot read is reported as FORMERR when the
 * header is readable, or dropped when it is not.
 */

export const TYPE_A = 1;
export const TYPE_NS = 2;
export const TYPE_CNAME = 5;
export const TYPE_SOA = 6;
export const TYPE_PTR = 12;
export const TYPE_TXT = 16;
export const TYPE_AAAA = 28;
export const TYPE_SRV = 33;
export const TYPE_OPT = 41;
export const TYPE_IXFR = 251;
export const TYPE_AXFR = 252;
export const TYPE_ANY = 255;

export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;
export const RCODE_REFUSED = 5;
/** Extended rcode 16 (needs EDNS): the client's EDNS version is not supported. */
export const RCODE_BADVERS = 16;

export const EDNS_OPTION_CLIENT_SUBNET = 8;

export interface EdnsInfo {
  /** Advertised UDP payload size. */
  udpSize: number;
  version: number;
  /** Raw data of the client-subnet option, echoed back with scope 0. */
  clientSubnet?: Buffer;
  /** How many options the OPT record carries (client subnet, cookies, ...). */
  options: number;
}

export interface ParsedQuery {
  id: number;
  /** The query's opcode (0 = QUERY). */
  opcode: number;
  /** Recursion desired, copied into the reply. */
  rd: boolean;
  /** Question name as received, labels joined by `.`, no trailing dot; `''` is the root. */
  qname: string;
  /** `qname` lower-cased (ASCII), used for every lookup. */
  qnameLower: string;
  qtype: number;
  qclass: number;
  /** Offset just past the question in the query; bytes 12..questionEnd are echoed verbatim. */
  questionEnd: number;
  edns?: EdnsInfo;
}

export type QueryReadResult =
  | { kind: 'query'; query: ParsedQuery }
  /** Header readable, rest not acceptable: reply with just a header carrying `rcode`. */
  | { kind: 'reject'; id: number; opcode: number; rd: boolean; rcode: number }
  /** Not a query we can even reply to (too short, or a response). */
  | { kind: 'drop' };

const DROP: QueryReadResult = { kind: 'drop' };

/** Skips a possibly compressed name in a record; returns the offset after it or -1. */
function skipName(buf: Buffer, offset: number): number {
  let pos = offset;
  for (let guard = 0; guard < 128; guard++) {
    if (pos >= buf.length) return -1;
    const len = buf[pos];
    if (len === 0) return pos + 1;
    if ((len & 0xc0) === 0xc0) return pos + 2 <= buf.length ? pos + 2 : -1;
    if ((len & 0xc0) !== 0) return -1;
    pos += 1 + len;
  }
  return -1;
}

export function readQuery(buf: Buffer): QueryReadResult {
  if (buf.length < 12) return DROP;
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if (flags & 0x8000) return DROP; // a response: never answer it (avoids reflection loops)
  const opcode = (flags >> 11) & 0xf;
  const rd = (flags & 0x0100) !== 0;
  const reject = (rcode: number): QueryReadResult => ({ kind: 'reject', id, opcode, rd, rcode });
  if (opcode !== 0) return reject(RCODE_NOTIMP);
  const qdcount = buf.readUInt16BE(4);
  const ancount = buf.readUInt16BE(6);
  const nscount = buf.readUInt16BE(8);
  const arcount = buf.readUInt16BE(10);
  if (qdcount !== 1) return reject(RCODE_FORMERR);

  // The question name: plain labels only (clients do not compress the question).
  let pos = 12;
  let qname = '';
  let total = 0;
  for (;;) {
    if (pos >= buf.length) return reject(RCODE_FORMERR);
    const len = buf[pos];
    if (len === 0) {
      pos += 1;
      break;
    }
    if (len > 63 || pos + 1 + len > buf.length) return reject(RCODE_FORMERR);
    total += len + 1;
    if (total > 254) return reject(RCODE_FORMERR);
    let label = buf.toString('latin1', pos + 1, pos + 1 + len);
    // A dot or backslash inside a label cannot match any name of ours; escape it so it stays one label.
    if (label.includes('.') || label.includes('\\')) label = label.replace(/[.\\]/g, (c) => `\\${c}`);
    qname = qname === '' ? label : `${qname}.${label}`;
    pos += 1 + len;
  }
  if (pos + 4 > buf.length) return reject(RCODE_FORMERR);
  const qtype = buf.readUInt16BE(pos);
  const qclass = buf.readUInt16BE(pos + 2);
  pos += 4;
  const questionEnd = pos;

  // Skip answer and authority records (unusual in a query), then look for OPT among the additionals.
  let edns: EdnsInfo | undefined;
  const records = ancount + nscount + arcount;
  for (let i = 0; i < records; i++) {
    const nameStart = pos;
    pos = skipName(buf, pos);
    if (pos < 0 || pos + 10 > buf.length) return reject(RCODE_FORMERR);
    const type = buf.readUInt16BE(pos);
    const klass = buf.readUInt16BE(pos + 2);
    const ttl = buf.readUInt32BE(pos + 4);
    const rdlen = buf.readUInt16BE(pos + 8);
    pos += 10;
    if (pos + rdlen > buf.length) return reject(RCODE_FORMERR);
    if (type === TYPE_OPT) {
      // One OPT, owned by the root, in the additional section (RFC 6891 §6.1.1).
      if (edns || i < ancount + nscount || buf[nameStart] !== 0) return reject(RCODE_FORMERR);
      edns = { udpSize: klass, version: (ttl >>> 16) & 0xff, options: 0 };
      let opt = pos;
      const end = pos + rdlen;
      while (opt + 4 <= end) {
        const code = buf.readUInt16BE(opt);
        const olen = buf.readUInt16BE(opt + 2);
        if (opt + 4 + olen > end) return reject(RCODE_FORMERR);
        edns.options++;
        if (code === EDNS_OPTION_CLIENT_SUBNET && olen >= 4) {
          edns.clientSubnet = Buffer.from(buf.subarray(opt + 4, opt + 4 + olen));
        }
        opt += 4 + olen;
      }
      if (opt !== end) return reject(RCODE_FORMERR);
    }
    pos += rdlen;
  }
  const qnameLower = toLowerAscii(qname);
  return { kind: 'query', query: { id, opcode, rd, qname, qnameLower, qtype, qclass, questionEnd, edns } };
}

/** ASCII-only lower-casing: DNS case-insensitivity covers A–Z only (RFC 4343). */
export function toLowerAscii(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}
