/**
 * Wire messages. Each message is one msgpack map with a numeric type `t`;
 * a compound packet is 0xc1 (a byte msgpack never uses), a count, 16-bit
 * lengths, then the messages.
 */
import { Packr } from 'msgpackr';
import { MalformedMessageError } from './errors.js';
import type { MemberStatus } from './member.js';

export const MsgType = {
  ping: 1,
  pingReq: 2,
  ack: 3,
  nack: 4,
  alive: 5,
  suspect: 6,
  dead: 7,
  leave: 8,
  user: 9,
  pushPull: 10,
  check: 11,
  query: 12,
  queryResponse: 13,
} as const;

export interface PingMsg { t: 1; seq: number; node: string; from: string }
export interface PingReqMsg { t: 2; seq: number; node: string; addr: string; nack: boolean; from: string }
/** `p`: the responder's ping payload (its network coordinate), on a direct ack only. */
export interface AckMsg { t: 3; seq: number; p?: Uint8Array }
export interface NackMsg { t: 4; seq: number }
export interface AliveMsg { t: 5; node: string; addr: string; inc: number; tags: Record<string, string> }
export interface SuspectMsg { t: 6; node: string; inc: number; from: string }
/** `from === node` means the member left on purpose. */
export interface DeadMsg { t: 7; node: string; inc: number; from: string }
/** Leave intent: the member is `leaving` (or a failed member is forced to `left`). */
export interface LeaveMsg { t: 8; node: string; inc: number }
export interface UserMsg { t: 9; lt: number; name: string; payload: Uint8Array }
/**
 * "I am about to declare `node` failed at `inc`": sent to the suspect and a few
 * others just before a suspicion runs out; whoever knows a newer incarnation answers.
 */
export interface CheckMsg { t: 11; node: string; inc: number; from: string }
/**
 * A question to every member (Serf's query): gossiped like a user event, answered by each member straight to
 * `addr` with a QueryResponseMsg. `id` is unique per origin `from` (random, so a restarted origin does not
 * collide with what members remember of its earlier queries).
 */
export interface QueryMsg { t: 12; id: number; from: string; addr: string; name: string; payload: Uint8Array; direct?: boolean }
/** One member's answer to query `id` of `from`. */
export interface QueryResponseMsg { t: 13; id: number; from: string; node: string; payload: Uint8Array }

/**
 * A member's status in a push/pull state entry. The numbers are the wire
 * format (nodes of other builds read them): never renumber, only add.
 */
export const WireStatus = { alive: 1, leaving: 2, left: 3, failed: 4, suspect: 5 } as const satisfies Record<MemberStatus, number>;

/** Member state in a push/pull exchange; `s` is its WireStatus. */
export interface StateEntry { node: string; addr: string; inc: number; tags: Record<string, string>; s: number }
/** `ev`: recent user events (absent from older builds), so a member that missed one's gossip still gets it. */
export interface PushPullMsg { t: 10; from: string; join: boolean; states: StateEntry[]; lt: number; ev?: { lt: number; name: string; payload: Uint8Array }[] }

export type PacketMessage =
  | PingMsg
  | PingReqMsg
  | AckMsg
  | NackMsg
  | AliveMsg
  | SuspectMsg
  | DeadMsg
  | LeaveMsg
  | UserMsg
  | CheckMsg
  | QueryMsg
  | QueryResponseMsg;
export type StreamMessage = PushPullMsg | PingMsg | AckMsg;

const packr = new Packr({ useRecords: false });
/**
 * Push/pull states get their own encoder: msgpackr returns views into a
 * scratch buffer that grows to fit the largest message, and one 600 KB state
 * would otherwise make every later small message a view into a multi-MB buffer.
 */
const statePackr = new Packr({ useRecords: false });

export function encodeMessage(msg: PacketMessage | StreamMessage): Uint8Array {
  return msg.t === MsgType.pushPull ? statePackr.pack(msg) : packr.pack(msg);
}

const COMPOUND = 0xc1;
export const COMPOUND_HEADER = 2;
export const COMPOUND_PER_MSG = 2;
export const MAX_COMPOUND = 255;

/**
 * One message as is, several as a compound packet. A part is bytes or a
 * one-byte string (one char per byte, as the broadcast queue holds them).
 */
export function encodePacket(parts: readonly (Uint8Array | string)[]): Uint8Array {
  if (parts.length === 1) {
    const p = parts[0]!;
    if (typeof p !== 'string') return p;
    const out = new Uint8Array(p.length);
    writeByteString(out, p, 0);
    return out;
  }
  if (parts.length === 0 || parts.length > MAX_COMPOUND) throw new RangeError(`compound of ${parts.length} messages`);
  let size = COMPOUND_HEADER + COMPOUND_PER_MSG * parts.length;
  for (const p of parts) {
    if (p.length > 0xffff) throw new RangeError('message over 65535 bytes');
    size += p.length;
  }
  const out = new Uint8Array(size);
  out[0] = COMPOUND;
  out[1] = parts.length;
  let o = COMPOUND_HEADER;
  for (const p of parts) {
    out[o] = p.length >> 8;
    out[o + 1] = p.length & 0xff;
    o += 2;
  }
  for (const p of parts) {
    if (typeof p === 'string') writeByteString(out, p, o);
    else out.set(p, o);
    o += p.length;
  }
  return out;
}

function writeByteString(out: Uint8Array, s: string, at: number): void {
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
}

/** Splits a packet into validated messages; throws MalformedMessageError. */
export function decodePacket(data: Uint8Array): PacketMessage[] {
  if (data.length === 0) throw new MalformedMessageError('empty packet');
  if (data[0] !== COMPOUND) return [decodePacketMessage(data)];
  if (data.length < COMPOUND_HEADER) throw new MalformedMessageError('truncated compound header');
  const count = data[1]!;
  let o = COMPOUND_HEADER + COMPOUND_PER_MSG * count;
  if (count === 0 || data.length < o) throw new MalformedMessageError('truncated compound lengths');
  const out: PacketMessage[] = [];
  for (let i = 0; i < count; i++) {
    const len = (data[COMPOUND_HEADER + 2 * i]! << 8) | data[COMPOUND_HEADER + 2 * i + 1]!;
    if (o + len > data.length) throw new MalformedMessageError('truncated compound part');
    out.push(decodePacketMessage(data.subarray(o, o + len)));
    o += len;
  }
  return out;
}

function unpack(data: Uint8Array): Record<string, unknown> {
  let v: unknown;
  try {
    v = packr.unpack(data);
  } catch (e) {
    throw new MalformedMessageError(`undecodable msgpack: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new MalformedMessageError('message is not a map');
  return v as Record<string, unknown>;
}

const isStr = (v: unknown, max = 512): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const isNat = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function isTags(v: unknown): v is Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const x of Object.values(v)) if (typeof x !== 'string') return false;
  return true;
}

function bad(what: string): never {
  throw new MalformedMessageError(`invalid ${what} message`);
}

export function decodePacketMessage(data: Uint8Array): PacketMessage {
  const m = unpack(data);
  switch (m.t) {
    case MsgType.ping:
      if (!isNat(m.seq) || !isStr(m.node) || !isStr(m.from)) bad('ping');
      return m as unknown as PingMsg;
    case MsgType.pingReq:
      if (!isNat(m.seq) || !isStr(m.node) || !isStr(m.addr) || typeof m.nack !== 'boolean' || !isStr(m.from)) bad('ping-req');
      return m as unknown as PingReqMsg;
    case MsgType.ack:
    case MsgType.nack:
      if (!isNat(m.seq) || (m.p !== undefined && !(m.p instanceof Uint8Array))) bad('ack');
      return m as unknown as AckMsg;
    case MsgType.alive:
      if (!isStr(m.node) || !isStr(m.addr) || !isNat(m.inc) || !isTags(m.tags)) bad('alive');
      return m as unknown as AliveMsg;
    case MsgType.suspect:
    case MsgType.dead:
    case MsgType.check:
      if (!isStr(m.node) || !isNat(m.inc) || !isStr(m.from)) bad('suspect/dead/check');
      return m as unknown as SuspectMsg | DeadMsg | CheckMsg;
    case MsgType.leave:
      if (!isStr(m.node) || !isNat(m.inc)) bad('leave');
      return m as unknown as LeaveMsg;
    case MsgType.user:
      if (!isNat(m.lt) || !isStr(m.name) || !(m.payload instanceof Uint8Array)) bad('user event');
      return m as unknown as UserMsg;
    case MsgType.query:
      if (!isNat(m.id) || !isStr(m.from) || !isStr(m.addr) || !isStr(m.name) || !(m.payload instanceof Uint8Array)) bad('query');
      return m as unknown as QueryMsg;
    case MsgType.queryResponse:
      if (!isNat(m.id) || !isStr(m.from) || !isStr(m.node) || !(m.payload instanceof Uint8Array)) bad('query response');
      return m as unknown as QueryResponseMsg;
    default:
      throw new MalformedMessageError(`unknown packet message type ${String(m.t)}`);
  }
}

export function decodeStreamMessage(data: Uint8Array): StreamMessage {
  const m = unpack(data);
  if (m.t === MsgType.pushPull) {
    if (!isStr(m.from) || typeof m.join !== 'boolean' || !isNat(m.lt) || !Array.isArray(m.states)) bad('push/pull');
    for (const s of m.states as unknown[]) {
      const e = s as Record<string, unknown>;
      if (typeof e !== 'object' || e === null || !isStr(e.node) || !isStr(e.addr) || !isNat(e.inc) || !isTags(e.tags) || !isNat(e.s) || e.s < WireStatus.alive || e.s > WireStatus.suspect) {
        bad('push/pull state');
      }
    }
    if (m.ev !== undefined) {
      if (!Array.isArray(m.ev)) bad('push/pull events');
      for (const e of m.ev as Record<string, unknown>[]) {
        if (typeof e !== 'object' || e === null || !isNat(e.lt) || !isStr(e.name) || !(e.payload instanceof Uint8Array)) bad('push/pull event');
      }
    }
    return m as unknown as PushPullMsg;
  }
  if (m.t === MsgType.ping || m.t === MsgType.ack) return decodePacketMessage(data) as PingMsg | AckMsg;
  throw new MalformedMessageError(`unknown stream message type ${String(m.t)}`);
}
