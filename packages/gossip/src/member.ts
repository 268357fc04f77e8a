/** Member states and their Consul numbers. */

/** `suspect` is SWIM's; Consul shows a suspect member as `alive`. */
export type MemberStatus = 'alive' | 'suspect' | 'leaving' | 'left' | 'failed';

/** Consul's numeric status (`/v1/agent/members` Status): none 0, alive 1, leaving 2, left 3, failed 4. */
export const ConsulStatus = { none: 0, alive: 1, leaving: 2, left: 3, failed: 4 } as const;
export type ConsulStatusName = keyof typeof ConsulStatus;

export interface Member {
  name: string;
  /** Advertised "ip:port" (UDP and TCP share the port). */
  addr: string;
  host: string;
  port: number;
  tags: Record<string, string>;
  incarnation: number;
  status: MemberStatus;
  /** Consul's status word: a suspect member is still `alive`. */
  consulStatus: ConsulStatusName;
  /** Consul's status number (0–4). */
  statusCode: number;
  /** Clock reading (ms) when the status last changed. */
  statusSince: number;
}

/** Wire code of a status in push/pull (Consul's numbers, 5 for suspect). */
export function statusToCode(s: MemberStatus): number {
  switch (s) {
    case 'alive':
      return 1;
    case 'leaving':
      return 2;
    case 'left':
      return 3;
    case 'failed':
      return 4;
    case 'suspect':
      return 5;
  }
}

export function consulStatusOf(s: MemberStatus): ConsulStatusName {
  return s === 'suspect' ? 'alive' : s;
}

/** Splits "host:port" / "[v6]:port"; port defaults to `defaultPort`. Returns null when it does not parse. */
export function splitHostPort(addr: string, defaultPort?: number): { host: string; port: number } | null {
  let host: string;
  let portStr: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(addr);
  if (v6) {
    host = v6[1]!;
    portStr = v6[2];
  } else {
    const i = addr.lastIndexOf(':');
    if (i >= 0 && addr.indexOf(':') === i) {
      host = addr.slice(0, i);
      portStr = addr.slice(i + 1);
    } else if (i >= 0) {
      host = addr; // bare IPv6 without port
    } else {
      host = addr;
    }
  }
  if (!host) return null;
  let port = defaultPort;
  if (portStr !== undefined) {
    if (!/^\d{1,5}$/.test(portStr)) return null;
    port = Number(portStr);
  }
  if (port === undefined || port < 0 || port > 65535) return null;
  return { host, port };
}

export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
