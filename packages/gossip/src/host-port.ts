/** "host:port" addresses, IPv6 in brackets as on the wire and in join seeds. */

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
