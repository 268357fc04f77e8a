/** A member as this node sees it, and the states it goes through. */

/**
 * SWIM's states plus a graceful leave in two steps: `leaving` (the intent, still
 * answering) then `left`. `failed` is a member declared dead by the failure
 * detector. What an application shows for each is up to the application.
 */
export type MemberStatus = 'alive' | 'suspect' | 'leaving' | 'left' | 'failed';

export interface Member {
  name: string;
  /** Advertised "ip:port" (UDP and TCP share the port). */
  addr: string;
  host: string;
  port: number;
  tags: Record<string, string>;
  incarnation: number;
  status: MemberStatus;
  /** Clock reading (ms) when the status last changed. */
  statusSince: number;
}

/** Still part of the cluster: probed, gossiped to, counted in N. */
export const isLive = (s: MemberStatus): boolean => s === 'alive' || s === 'suspect' || s === 'leaving';
