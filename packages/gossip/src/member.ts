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
  let host = addr;
  let portStr: string | undefined;
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']');
    if (close < 0) return null;
    host = addr.slice(1, close);
    const rest = addr.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return null;
      portStr = rest.slice(1);
    }
  } else {
    const i = addr.lastIndexOf(':');
    // More than one colon without brackets: a bare IPv6 address.
    if (i >= 0 && addr.indexOf(':') === i) {
      host = addr.slice(0, i);
      portStr = addr.slice(i + 1);
    }
  }
  if (!host) return null;
  let port = defaultPort;
  if (portStr !== undefined) {
    if (portStr.length === 0 || portStr.length > 5) return null;
    port = 0;
    for (let i = 0; i < portStr.length; i++) {
      const d = portStr.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return null;
      port = port * 10 + d;
    }
  }
  if (port === undefined || port > 65535) return null;
  return { host, port };
}

export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
