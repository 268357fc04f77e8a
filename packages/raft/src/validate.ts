import { MessageType, type Message } from './types.js';

const MAX_TYPE = Math.max(...Object.values(MessageType));
const isNat = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const optNat = (v: unknown) => v === undefined || v === null || isNat(v);

/**
 * Checks the shape of a message from the network before it reaches the core, so a confused or hostile
 * peer cannot crash a node. Returns a reason, or undefined when the message is well formed.
 */
export function invalidMessage(m: unknown): string | undefined {
  if (!m || typeof m !== 'object') return 'not an object';
  const o = m as Record<string, unknown>;
  if (!isNat(o.type) || (o.type as number) > MAX_TYPE) return 'bad type';
  if (typeof o.from !== 'string' || !o.from || typeof o.to !== 'string' || !o.to) return 'bad from/to';
  if (!isNat(o.term)) return 'bad term';
  for (const k of ['logTerm', 'index', 'commit', 'rejectHint']) if (!optNat(o[k])) return `bad ${k}`;
  if (o.reject !== undefined && o.reject !== null && typeof o.reject !== 'boolean') return 'bad reject';
  if (o.context !== undefined && o.context !== null && typeof o.context !== 'string') return 'bad context';
  if (o.entries !== undefined && o.entries !== null) {
    if (!Array.isArray(o.entries)) return 'entries not an array';
    let prev = -1;
    for (const e of o.entries as Record<string, unknown>[]) {
      if (!e || !isNat(e.index) || !isNat(e.term) || (e.type !== 0 && e.type !== 1) || !(e.data instanceof Uint8Array)) return 'bad entry';
      if (prev >= 0 && e.index !== prev + 1) return 'entries not contiguous';
      prev = e.index as number;
    }
  }
  if (o.snapshot !== undefined && o.snapshot !== null) {
    const s = o.snapshot as Record<string, unknown>;
    const meta = s.meta as Record<string, unknown> | undefined;
    if (!meta || !isNat(meta.index) || !isNat(meta.term)) return 'bad snapshot meta';
    const c = meta.conf as Record<string, unknown> | undefined;
    if (!c || !Array.isArray(c.voters) || !Array.isArray(c.learners)) return 'bad snapshot conf';
    if (s.data !== undefined && !(s.data instanceof Uint8Array)) return 'bad snapshot data';
  }
  // Local-only message types never come from the network.
  if (o.type === MessageType.Hup || o.type === MessageType.Beat || o.type === MessageType.Unreachable || o.type === MessageType.SnapStatus || o.type === MessageType.CheckQuorum) {
    return 'local message type';
  }
  return undefined;
}
