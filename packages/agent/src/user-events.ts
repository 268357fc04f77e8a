// User events (`consul event`): not in the log. Each agent keeps the last 256 it received in a buffer, and
// implements http-api's EventBackend over it. In -dev the agent delivers its own events locally; in a cluster
// they travel as gossip user events (encoded here) and land in the same buffer on every member. The HTTP layer
// validates a fire request (http-api's user-event-params.ts) before it gets here.

import { pack, unpack } from 'msgpackr';
import { GoRegexp, randomUuid } from '@conclave/toolkit';
import { UserEventError, type FireEventParams, type UserEvent } from '@conclave/http-api';

export type { FireEventParams, UserEvent } from '@conclave/http-api';

export const USER_EVENT_BUFFER_SIZE = 256;

/** The local services a filter is matched against. */
export interface EventTargetService {
  ID: string;
  Service: string;
  Tags: readonly string[];
}

/** Whether this agent should keep an event: Consul's node, then service (and tag) regex filters, unanchored,
 * in Go's syntax and linear time (every agent runs them on every event). */
export function eventTargetsAgent(ev: FireEventParams, node: string, services: readonly EventTargetService[]): boolean {
  if (ev.NodeFilter && !GoRegexp.compile(ev.NodeFilter).test(node)) return false;
  if (!ev.ServiceFilter) return true;
  const svcRe = GoRegexp.compile(ev.ServiceFilter);
  const tagRe = ev.TagFilter ? GoRegexp.compile(ev.TagFilter) : undefined;
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
  /** `_rexec` events that target this agent go here instead of the buffer (remote-exec.ts), as in Consul. */
  onRemoteExec?: (ev: UserEvent) => void;
}

/** The agent's user events: fired here (ID assigned by the sender), delivered locally or through gossip. */
export class LocalUserEvents {
  readonly buffer: UserEventBuffer;
  private ltime = 0;
  private readonly rexecSeen = new Set<string>();

  constructor(private readonly opts: LocalUserEventsOptions) {
    this.buffer = opts.buffer ?? new UserEventBuffer();
  }

  /** Fires an event (validated by the HTTP layer); answers it as Consul's fire endpoint does (LTime 0:
   * assigned on delivery). */
  async fire(p: FireEventParams): Promise<UserEvent> {
    const ev: UserEvent = { ID: randomUuid(), ...p, Version: 1, LTime: 0 };
    if (this.opts.broadcast) {
      try {
        this.opts.broadcast(USER_EVENT_GOSSIP_PREFIX + p.Name, encodeUserEvent(ev));
      } catch (err) {
        throw new UserEventError((err as Error).message);
      }
      return ev;
    }
    if (eventTargetsAgent(p, this.opts.node, this.opts.services())) this.keep({ ...ev, LTime: ++this.ltime });
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
    if (targets) this.keep(ev);
  }

  private keep(ev: UserEvent): void {
    if (ev.Name === '_rexec' && this.opts.onRemoteExec) {
      // Consul hands remote exec to its handler and does not buffer it; a duplicate gossip delivery is dropped.
      if (this.rexecSeen.has(ev.ID)) return;
      this.rexecSeen.add(ev.ID);
      if (this.rexecSeen.size > 256) this.rexecSeen.delete(this.rexecSeen.values().next().value!);
      this.opts.onRemoteExec(ev);
      return;
    }
    this.buffer.add(ev);
  }

  list(name?: string): UserEvent[] {
    return this.buffer.list(name);
  }

  subscribe(fire: () => void): () => void {
    return this.buffer.subscribe(fire);
  }
}

/** Cluster delivery through gossip; refuses when gossip is off (ports.serf_lan = -1). */
export function gossipBroadcast(gossip: () => { sendUserEvent(name: string, payload: Uint8Array): void } | undefined): (name: string, payload: Uint8Array) => void {
  return (name, payload) => {
    const node = gossip();
    if (!node) throw new Error('User events need gossip (ports.serf_lan is disabled)');
    node.sendUserEvent(name, payload);
  };
}
