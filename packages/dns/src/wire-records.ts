import { createRequire } from 'node:module';
import type { Answer } from 'dns-packet';
import { TYPE_OPT } from './wire-query.js';

// require(), not import: Node's ESM loader scans a CommonJS module for export names, which costs an idle
// agent several MB of compiled code (measured with tools/bench/cluster-idle-client.mjs).
const dnsPacket = createRequire(import.meta.url)('dns-packet') as typeof import('dns-packet');

/**
 * Resource records are encoded once (with dns-packet) into byte strings that replies are assembled from.
 * Records owned by the question name carry a compression pointer to offset 12, where every reply's
 * question starts: the bytes then fit any spelling of the name, so they can be cached per lower-case name.
 */
const QUESTION_POINTER = Buffer.from([0xc0, 0x0c]);

const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_RA = 0x0080;

/** True when `name` can be written as a DNS name: labels of 1–63 bytes, at most 253 bytes in all. */
export function isEncodableName(name: string): boolean {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (n.length === 0) return true;
  if (Buffer.byteLength(n) > 253) return false;
  for (const label of n.split('.')) {
    const len = Buffer.byteLength(label);
    if (len === 0 || len > 63) return false;
  }
  return true;
}

/** Encodes one record; `name` is ignored when `ownerIsQuestion` (the owner becomes a pointer to the question). */
export function encodeRecord(rr: Answer, ownerIsQuestion: boolean): Buffer {
  if (ownerIsQuestion) {
    const whole = dnsPacket.encode({ answers: [{ ...rr, name: '.' } as Answer] });
    // whole = 12-byte header, the root name (one zero byte), then type/class/ttl/rdata.
    return Buffer.concat([QUESTION_POINTER, whole.subarray(13)]);
  }
  return Buffer.from(dnsPacket.encode({ answers: [rr] }).subarray(12));
}

/** Splits TXT text into character-strings of at most 255 bytes each. */
export function txtStrings(text: string): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return [Buffer.alloc(0)];
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 255) out.push(bytes.subarray(i, i + 255));
  return out;
}

export interface ReplyFlags {
  authoritative: boolean;
  truncated: boolean;
  recursionDesired: boolean;
  recursionAvailable: boolean;
  rcode: number;
}

export function writeHeader(
  buf: Buffer,
  id: number,
  flags: ReplyFlags,
  qd: number,
  an: number,
  ns: number,
  ar: number,
): void {
  let f = FLAG_QR | (flags.rcode & 0xf);
  if (flags.authoritative) f |= FLAG_AA;
  if (flags.truncated) f |= FLAG_TC;
  if (flags.recursionDesired) f |= FLAG_RD;
  if (flags.recursionAvailable) f |= FLAG_RA;
  buf.writeUInt16BE(id, 0);
  buf.writeUInt16BE(f, 2);
  buf.writeUInt16BE(qd, 4);
  buf.writeUInt16BE(an, 6);
  buf.writeUInt16BE(ns, 8);
  buf.writeUInt16BE(ar, 10);
}

/** A header-only reply (FORMERR, NOTIMP for other opcodes). */
export function headerOnlyReply(id: number, opcode: number, rd: boolean, rcode: number, ra: boolean): Buffer {
  const buf = Buffer.alloc(12);
  writeHeader(buf, id, { authoritative: false, truncated: false, recursionDesired: rd, recursionAvailable: ra, rcode }, 0, 0, 0, 0);
  buf[2] |= (opcode & 0xf) << 3;
  return buf;
}

/**
 * The reply's OPT record: echoes the client's UDP size (as Consul does) and its client-subnet option with
 * scope 0, which says the answer is valid for every subnet. `extendedRcode` is the rcode's upper 8 bits.
 */
export function encodeOpt(udpSize: number, extendedRcode: number, clientSubnet?: Buffer): Buffer {
  const optLen = clientSubnet ? 4 + clientSubnet.length : 0;
  const buf = Buffer.alloc(11 + optLen);
  buf[0] = 0;
  buf.writeUInt16BE(TYPE_OPT, 1);
  buf.writeUInt16BE(udpSize, 3);
  buf.writeUInt32BE(((extendedRcode & 0xff) << 24) >>> 0, 5);
  buf.writeUInt16BE(optLen, 9);
  if (clientSubnet) {
    buf.writeUInt16BE(8, 11);
    buf.writeUInt16BE(clientSubnet.length, 13);
    clientSubnet.copy(buf, 15);
    buf[15 + 3] = 0; // SCOPE PREFIX-LENGTH
  }
  return buf;
}
