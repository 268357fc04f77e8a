// Session FSM commands and the decoding of PUT /v1/session/create bodies. The proposer picks the session ID
// and stamps `Now` (ms since the epoch) so apply stays deterministic: lock-delay needs a clock, and every
// replica must read the same one from the log entry.

import {
  decodeDuration,
  DecodeError,
  expectString,
  expectStringArray,
  formatGoDuration,
  getField,
  isPlainObject,
  typeName,
} from '@conclave/toolkit';

export type SessionBehavior = 'release' | 'delete';

export interface ServiceCheckRef {
  ID: string;
  Namespace: string;
}

/** Consul's Session as stored and as /v1/session/info answers it. */
export interface Session {
  ID: string;
  Name: string;
  Node: string;
  /** Nanoseconds. */
  LockDelay: number;
  Behavior: SessionBehavior;
  /** The TTL string as it was sent ('' for none). */
  TTL: string;
  NodeChecks: string[] | null;
  ServiceChecks: ServiceCheckRef[] | null;
  CreateIndex: number;
  ModifyIndex: number;
}

export type SessionInput = Omit<Session, 'CreateIndex' | 'ModifyIndex'>;

export interface SessionCreateCommand {
  type: 'session.create';
  Session: SessionInput;
  /** Proposer's clock, ms since the epoch. */
  Now: number;
}

/** Destroys (invalidates) a session: explicit destroy, or TTL expiry proposed by the leader's timer. */
export interface SessionDestroyCommand {
  type: 'session.destroy';
  ID: string;
  Now: number;
}

export type SessionCommand = SessionCreateCommand | SessionDestroyCommand;

export const DEFAULT_LOCK_DELAY_NS = 15e9;
export const MAX_LOCK_DELAY_NS = 60e9;
export const DEFAULT_SESSION_TTL_MIN_NS = 10e9;
export const MAX_SESSION_TTL_NS = 24 * 3600e9;
export const SERF_CHECK_ID = 'serfHealth';

export interface SessionRequestDefaults {
  /** The agent's node name (default Node). */
  node: string;
  /** session_ttl_min in ns (default 10s). */
  ttlMinNs?: number;
}

/** The 500 Consul answers for a TTL out of range; `ns` is what was asked, printed like Go's time.Duration. */
export class SessionRequestError extends Error {
  override name = 'SessionRequestError';
}

/**
 * Decodes a /v1/session/create body (undefined = no body) into the session to create, without its ID.
 * Keys match case-insensitively. Throws DecodeError (400) for malformed input and SessionRequestError
 * (500, Consul's text) for a bad TTL or Behavior.
 */
export function decodeSessionRequest(body: unknown, defaults: SessionRequestDefaults): Omit<SessionInput, 'ID'> {
  const out: Omit<SessionInput, 'ID'> = {
    Name: '',
    Node: defaults.node,
    LockDelay: DEFAULT_LOCK_DELAY_NS,
    Behavior: 'release',
    TTL: '',
    NodeChecks: [SERF_CHECK_ID],
    ServiceChecks: null,
  };
  if (body === undefined || body === null) return out;
  if (!isPlainObject(body)) throw new DecodeError(`Request decode failed: expected an object, got ${typeName(body)}`);
  out.Name = expectString(getField(body, 'Name'), 'Name') ?? '';
  const node = expectString(getField(body, 'Node'), 'Node');
  if (node) out.Node = node;

  const lockDelay = getField(body, 'LockDelay', 'lock_delay');
  if (lockDelay !== undefined && lockDelay !== null && lockDelay !== '') {
    let ns = decodeDuration(lockDelay, 'LockDelay');
    // Consul: a number below 1000 ns can only have meant seconds.
    if (ns < 1000) ns = ns * 1e9;
    if (ns > MAX_LOCK_DELAY_NS) ns = MAX_LOCK_DELAY_NS;
    out.LockDelay = ns;
  }

  const behavior = expectString(getField(body, 'Behavior'), 'Behavior');
  if (behavior) {
    if (behavior !== 'release' && behavior !== 'delete') throw new SessionRequestError(`Invalid Behavior setting '${behavior}'`);
    out.Behavior = behavior;
  }

  const ttl = getField(body, 'TTL');
  if (ttl !== undefined && ttl !== null && ttl !== '') {
    const text = typeof ttl === 'string' ? ttl : String(ttl);
    const ns = decodeDuration(ttl, 'TTL');
    const min = defaults.ttlMinNs ?? DEFAULT_SESSION_TTL_MIN_NS;
    if (ns !== 0 && (ns < min || ns > MAX_SESSION_TTL_NS))
      throw new SessionRequestError(`Invalid Session TTL '${ns}', must be between [${formatGoDuration(min)}=${formatGoDuration(MAX_SESSION_TTL_NS)}]`);
    if (ns !== 0) out.TTL = text;
  }

  // Any checks key, even an empty list, drops the serfHealth default.
  const checks = getField(body, 'Checks');
  const nodeChecks = getField(body, 'NodeChecks', 'node_checks');
  const serviceChecks = getField(body, 'ServiceChecks', 'service_checks');
  if (checks !== undefined || nodeChecks !== undefined || serviceChecks !== undefined) {
    const legacy = expectStringArray(checks, 'Checks');
    const nodes = expectStringArray(nodeChecks, 'NodeChecks');
    out.NodeChecks = legacy || nodes ? dedupe([...(nodes ?? []), ...(legacy ?? [])]) : null;
    out.ServiceChecks = null;
    if (serviceChecks !== undefined && serviceChecks !== null) {
      if (!Array.isArray(serviceChecks)) throw new DecodeError(`ServiceChecks: expected an array, got ${typeName(serviceChecks)}`);
      out.ServiceChecks = serviceChecks.map((c, i) => {
        if (!isPlainObject(c)) throw new DecodeError(`ServiceChecks[${i}]: expected an object, got ${typeName(c)}`);
        return {
          ID: expectString(getField(c, 'ID'), `ServiceChecks[${i}].ID`) ?? '',
          Namespace: expectString(getField(c, 'Namespace'), `ServiceChecks[${i}].Namespace`) ?? '',
        };
      });
    }
  }
  return out;
}

function dedupe(ids: string[]): string[] {
  return [...new Set(ids)];
}
