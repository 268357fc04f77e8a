/**
 * De-duplication of user events by Lamport time (Serf's event buffer): one
 * slot per time modulo the buffer size, holding the events seen at that time.
 */
export interface UserEvent {
  /** Lamport time the sender gave it. */
  ltime: number;
  name: string;
  payload: Uint8Array;
}

export class UserEventDeduplicator {
  private slots: { ltime: number; seen: UserEvent[] }[] = [];

  constructor(private readonly size: number) {}

  /**
   * The events still held, oldest first, the newest up to PUSH_PULL_EVENT_BYTES: what a push/pull carries so
   * a member that missed an event's gossip gets it at the next exchange (Serf sends its event buffer too).
   */
  recent(): UserEvent[] {
    const all: UserEvent[] = [];
    for (const slot of this.slots) if (slot) all.push(...slot.seen);
    all.sort((a, b) => b.ltime - a.ltime);
    const out: UserEvent[] = [];
    let bytes = 0;
    for (const e of all) {
      bytes += e.name.length + e.payload.length + 16;
      if (bytes > PUSH_PULL_EVENT_BYTES) break;
      out.push(e);
    }
    return out.reverse();
  }

  /**
   * True when the event is new and should be delivered and re-gossiped;
   * false for duplicates and for events older than the buffer can judge.
   */
  admit(e: UserEvent, clockNow: number): boolean {
    if (clockNow > this.size && e.ltime < clockNow - this.size) return false;
    const idx = e.ltime % this.size;
    let slot = this.slots[idx];
    if (!slot || slot.ltime !== e.ltime) {
      slot = { ltime: e.ltime, seen: [] };
      this.slots[idx] = slot;
    }
    for (const s of slot.seen) {
      if (s.name === e.name && bytesEqual(s.payload, e.payload)) return false;
    }
    if (slot.seen.length >= 64) return false; // bound per Lamport time
    slot.seen.push(e);
    return true;
  }
}

/** Bytes of recent events a push/pull carries at most (newest first). */
export const PUSH_PULL_EVENT_BYTES = 64 * 1024;

export interface RecentEvents {
  /** The events the buffer holds, oldest first, the newest within PUSH_PULL_EVENT_BYTES. */
  recent(): UserEvent[];
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
