// What the HTTP layer knows of user events (`consul event`): the event as Consul answers it, a fire request's
// validation (Consul's messages), and the blocking index of /v1/event/list. The buffer and the gossip codec
// belong to the agent (packages/agent/src/user-events.ts), behind EventBackend.
import { GoRegexp, GoRegexpError, RefusedError } from '@conclave/toolkit';

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

/** A refused event (bad filter, too large, not deliverable): answered 500 with this text, as Consul's agent does. */
export class UserEventError extends RefusedError {
  override name = 'UserEventError';
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
      GoRegexp.compile(re);
    } catch (err) {
      if (!(err instanceof GoRegexpError)) throw err;
      throw new UserEventError(`Failed to parse ${what} filter: ${err.message}`);
    }
  }
  const size = Buffer.byteLength(p.Name) + (p.Payload?.byteLength ?? 0);
  if (size > USER_EVENT_SIZE_LIMIT)
    throw new UserEventError(`user event exceeds configured limit of ${USER_EVENT_SIZE_LIMIT} bytes before encoding`);
}

/** Consul's index for an event list: 1 when empty (no hot loop), else the last UUID's halves XORed. */
export function userEventIndex(events: readonly UserEvent[]): bigint {
  const last = events[events.length - 1];
  if (!last) return 1n;
  const hex = last.ID.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return 1n;
  return BigInt('0x' + hex.slice(0, 16)) ^ BigInt('0x' + hex.slice(16));
}
