// Addresses are `host:port` strings everywhere in Consul (check targets, join addresses, recursors), and IPv6
// hosts make naive splitting on ':' wrong: `fe80::1` is a host, not host `fe80:` with port 1. These are Go's
// net.SplitHostPort and net.JoinHostPort, with Go's error texts, plus the optional-port form Consul's join and
// recursor addresses use.

/** Go's *net.AddrError: `address <addr>: <why>`. */
export class AddrError extends Error {
  override name = 'AddrError';
  constructor(
    readonly addr: string,
    readonly why: string,
  ) {
    super(addr === '' ? why : `address ${addr}: ${why}`);
  }
}

export interface HostPort {
  host: string;
  port: string;
}

/** Go's net.SplitHostPort: `host:port`, `[v6]:port` or `[v6%zone]:port`; the port is not checked. Throws AddrError. */
export function splitHostPort(hostport: string): HostPort {
  const fail = (why: string): never => {
    throw new AddrError(hostport, why);
  };
  let j = 0;
  let k = 0;
  const i = hostport.lastIndexOf(':');
  if (i < 0) fail('missing port in address');
  let host: string;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) fail("missing ']' in address");
    if (end + 1 === hostport.length) fail('missing port in address');
    if (end + 1 !== i) fail(hostport[end + 1] === ':' ? 'too many colons in address' : 'missing port in address');
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) fail('too many colons in address');
  }
  if (hostport.slice(j).includes('[')) fail("unexpected '[' in address");
  if (hostport.slice(k).includes(']')) fail("unexpected ']' in address");
  return { host, port: hostport.slice(i + 1) };
}

/** Go's net.JoinHostPort: IPv6 hosts (any host with a colon) in brackets. */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address (two or more colons, no brackets, so no port:
 * `fe80::1` is a host), as Consul reads join and recursor addresses. Throws AddrError for malformed brackets. */
export function splitHostOptionalPort(address: string): { host: string; port?: string } {
  if (address.startsWith('[') && address.endsWith(']') && address.indexOf(']') === address.length - 1) {
    return { host: address.slice(1, -1) };
  }
  const colons = address.split(':').length - 1;
  if (colons === 0 || (colons > 1 && !address.startsWith('['))) {
    if (/[[\]]/.test(address)) throw new AddrError(address, address.includes('[') ? "unexpected '[' in address" : "unexpected ']' in address");
    return { host: address };
  }
  return splitHostPort(address);
}

/** `address` as `host:port`, adding `defaultPort` when it names none (`fe80::1` → `[fe80::1]:8301`). */
export function withDefaultPort(address: string, defaultPort: string | number): string {
  const { host, port } = splitHostOptionalPort(address);
  return joinHostPort(host, port ?? defaultPort);
}
