// User events (`consul event`): not in the log. Each agent keeps the last 256 it received in a ring buffer;
// /v1/event/list blocks on an index made from the last event's UUID (its two 64-bit halves XORed), which is
// not monotonic, so a blocked query waits until the index differs. In -dev the agent delivers its own events
// locally; in a cluster they travel as gossip user events and land in the same buffer.

import { randomUUID } from 'node:crypto';
import { pack, unpack } from 'msgpackr';

export const USER_EVENT_BUFFER_SIZE = 256;
/** Consul's limit on name + payload (serf's user event size limit). */
export const USER_EVENT_SIZE_LIMIT = 512;

/** Consul's UserEvent: exactly these eight fields on the wire. */
export interface UserEvent {
  ID: string;
  Name: string;
  Payload: Uint8Array | null;
  NodeFilter: string;
  ServiceFilter: string;
  TagFilter: string;
  Version: number;
  LTime: number;
}

export interface FireEventParams {
  Name: string;
  Payload: Uint8Array | null;
  NodeFilter: string;
  ServiceFilter: string;
  TagFilter: string;
}

/** A refused event (bad filter, too large): answered 500 with this text, as Consul's agent does. */
export class UserEventError extends Error {
  override name = 'UserEventError';
}

/** The local services a filter is matched against. */
export interface EventTargetService {
  ID: string;
  Service: string;
  Tags: readonly string[];
}

/** Consul's index for an event list: 1 when empty (no hot loop), else the last UUID's halves XORed. */
export function userEventIndex(events: readonly UserEvent[]): bigint {
  const last = events[events.length - 1];
  if (!last) return 1n;
  const hex = last.ID.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return 1n;
  return BigInt('0x' + hex.slice(0, 16)) ^ BigInt('0x' + hex.slice(16));
}

/** Checks the filters compile and the event fits; throws UserEventError. */
export function validateFireParams(p: FireEventParams): void {
  if (p.TagFilter && !p.ServiceFilter) throw new UserEventError('cannot provide tag filter without service filter');
  for (const [what, re] of [
    ['node', p.NodeFilter],
    ['service', p.ServiceFilter],
    ['tag', p.TagFilter],
  ] as const) {
    if (!re) continue;
    try {
      new RegExp(re);
    } catch (err) {
      throw new UserEventError(`Failed to parse ${what} filter: ${(err as Error).message}`);
    }
  }
  const size = Buffer.byteLength(p.Name) + (p.Payload?.byteLength ?? 0);
  if (size > USER_EVENT_SIZE_LIMIT)
    throw new UserEventError(`user event exceeds configured limit of ${USER_EVENT_SIZE_LIMIT} bytes before encoding`);
}

/** Whether this agent should keep an event: Consul's node, then service (and tag) regex filters, unanchored. */
export function eventTargetsAgent(ev: FireEventParams, node: string, services: readonly EventTargetService[]): boolean {
  if (ev.NodeFilter && !new RegExp(ev.NodeFilter).test(node)) return false;
  if (!ev.ServiceFilter) return true;
  const svcRe = new RegExp(ev.ServiceFilter);
  const tagRe = ev.TagFilter ? new RegExp(ev.TagFilter) : undefined;
  return services.some((s) => (svcRe.test(s.ID) || svcRe.test(s.Service)) && (!tagRe || s.Tags.some((t) => tagRe.test(t))));
}

/** The agent's last 256 events, oldest first, with one-shot change notification for blocked list queries. */
export class UserEventBuffer {
  private readonly events: UserEvent[] = [];
  private waiters = new Set<() => void>();

  constructor(readonly capacity = USER_EVENT_BUFFER_SIZE) {}

  /** Adds a received event (duplicates by ID are ignored: gossip may deliver twice). */
  add(ev: UserEvent): void {
    if (this.events.some((e) => e.ID === ev.ID)) return;
    this.events.push(ev);
    if (this.events.length > this.capacity) this.events.splice(0, this.events.length - this.capacity);
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const w of waiters) {
      try {
        w();
      } catch {
        // One broken waiter must not stop the others.
      }
    }
  }

  /** Events oldest first, optionally only those named `name`. */
  list(name?: string): UserEvent[] {
    return name ? this.events.filter((e) => e.Name === name) : [...this.events];
  }

  /** Calls `fire` once at the next event; returns a cancel function. */
  subscribe(fire: () => void): () => void {
    this.waiters.add(fire);
    return () => void this.waiters.delete(fire);
  }
}

/** Gossip user events named with this prefix carry a Consul event (Consul's `consul:event:` namespace). */
export const USER_EVENT_GOSSIP_PREFIX = 'consul:event:';

/** The event as it travels in a gossip user event's payload (msgpack, a version byte first). */
export function encodeUserEvent(ev: UserEvent): Uint8Array {
  const body = pack({
    ID: ev.ID,
    Name: ev.Name,
    Payload: ev.Payload,
    NodeFilter: ev.NodeFilter,
    ServiceFilter: ev.ServiceFilter,
    TagFilter: ev.TagFilter,
    Version: ev.Version,
  });
  const out = new Uint8Array(body.length + 1);
  out[0] = 1;
  out.set(body, 1);
  return out;
}

/** Decodes a gossip payload; undefined for anything that is not one of ours (never throws). */
export function decodeUserEvent(bytes: Uint8Array, ltime: number): UserEvent | undefined {
  if (bytes.length < 2 || bytes[0] !== 1) return undefined;
  let v: unknown;
  try {
    v = unpack(bytes.subarray(1));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : '');
  if (!str('ID') || !str('Name')) return undefined;
  const payload = o.Payload instanceof Uint8Array && o.Payload.length > 0 ? new Uint8Array(o.Payload) : null;
  return {
    ID: str('ID'),
    Name: str('Name'),
    Payload: payload,
    NodeFilter: str('NodeFilter'),
    ServiceFilter: str('ServiceFilter'),
    TagFilter: str('TagFilter'),
    Version: typeof o.Version === 'number' ? o.Version : 1,
    LTime: ltime,
  };
}

export interface LocalUserEventsOptions {
  node: string;
  services: () => readonly EventTargetService[];
  buffer?: UserEventBuffer;
  /**
   * Cluster delivery: sends a gossip user event (name, payload) to every member, this one included, which
   * then hands it to deliver(). Without it, events are delivered locally at once (-dev).
   */
  broadcast?: (name: string, payload: Uint8Array) => void;
}

/** The agent's user events: fired here (ID assigned by the sender), delivered locally or through gossip. */
export class LocalUserEvents {
  readonly buffer: UserEventBuffer;
  private ltime = 0;

  constructor(private readonly opts: LocalUserEventsOptions) {
    this.buffer = opts.buffer ?? new UserEventBuffer();
  }

  /** Fires an event; answers it as Consul's fire endpoint does (LTime 0: assigned on delivery). */
  async fire(p: FireEventParams): Promise<UserEvent> {
    validateFireParams(p);
    const ev: UserEvent = { ID: randomUUID(), ...p, Version: 1, LTime: 0 };
    if (this.opts.broadcast) {
      try {
        this.opts.broadcast(USER_EVENT_GOSSIP_PREFIX + p.Name, encodeUserEvent(ev));
      } catch (err) {
        throw new UserEventError((err as Error).message);
      }
      return ev;
    }
    if (eventTargetsAgent(p, this.opts.node, this.opts.services())) this.buffer.add({ ...ev, LTime: ++this.ltime });
    return ev;
  }

  /** A gossip user event arrived (from anyone, this agent included); keeps it if it is ours and targets us. */
  deliver(name: string, payload: Uint8Array, ltime: number): void {
    if (!name.startsWith(USER_EVENT_GOSSIP_PREFIX)) return;
    const ev = decodeUserEvent(payload, ltime);
    if (!ev) return;
    let targets: boolean;
    try {
      targets = eventTargetsAgent(ev, this.opts.node, this.opts.services());
    } catch {
      return; // a filter this runtime cannot compile: not for us
    }
    if (targets) this.buffer.add(ev);
  }

  list(name?: string): UserEvent[] {
    return this.buffer.list(name);
  }

  subscribe(fire: () => void): () => void {
    return this.buffer.subscribe(fire);
  }
}
