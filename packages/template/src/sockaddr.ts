// consul-template's `sockaddr` runs its arguments as a go-sockaddr template ("{{ ARGS }}") with every interface
// address of the host as dot. This is that template language: the sources (GetAllInterfaces,
// GetPrivateIP(s), GetPublicIP(s), GetInterfaceIP(s) "name", GetDefault/Private/PublicInterfaces) and the list
// functions (sort, include, exclude, unique, math, offset, limit, attr, join) as go-sockaddr defines them.
// The host's interfaces are not modelled beyond name, address, prefix and loopback (see sockaddr-filter.ts).
// Interfaces come from the OS; the default-route interface is /proc/net/route's (go-sockaddr asks `ip route`).
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { fn } from './func-spec.js';
import { parseTemplate } from './template.js';
import { familyBits, formatAddress, v6Bytes, ipMath, ipString, lastOf, maskOf, networkOf, parseIp, type IpAddr } from './sockaddr-ip.js';
import { filterIfAddrs, flagsString } from './sockaddr-filter.js';
import { FORWARDING_BLACKLIST } from './sockaddr-rfc.js';
import { sortIfAddrs } from './sockaddr-sort.js';
import { goQuote } from '@conclave/toolkit';

export interface IfAddr {
  name: string;
  address: string;
  family: 'IPv4' | 'IPv6';
  /** Address and prefix length, as go-sockaddr's IPv4Addr/IPv6Addr hold them; `math` changes this. */
  ip: IpAddr;
  internal: boolean;
}

export function defaultRouteInterface(): string | undefined {
  try {
    for (const line of readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
      const [iface, dest] = line.trim().split(/\s+/);
      if (dest === '00000000') return iface;
    }
  } catch {
    // Not Linux: no default-route preference.
  }
  return undefined;
}

/** An IfAddr from an interface name and "address/prefix" (or a bare address: a host address). */
export function makeIfAddr(name: string, cidr: string, internal = false): IfAddr {
  return withIp({ name, internal } as IfAddr, parseIp(cidr));
}

function withIp(a: IfAddr, ip: IpAddr): IfAddr {
  return { ...a, ip, family: ip.family, address: formatAddress(ip.family, ip.value) };
}

export function allInterfaces(source: () => ReturnType<typeof networkInterfaces> = networkInterfaces): IfAddr[] {
  const out: IfAddr[] = [];
  for (const [name, addrs] of Object.entries(source())) {
    for (const a of addrs ?? []) {
      const cidr = a.cidr ?? `${a.address}/${a.family === 'IPv6' ? 128 : 32}`;
      out.push(makeIfAddr(name, cidr.replace(/%[^/]*/, ''), a.internal));
    }
  }
  // In the OS's order, as go-sockaddr's GetAllInterfaces: the functions that prefer an address sort themselves.
  return out;
}

/** go-sockaddr's attribute names (IfAddr, IPAddr, IPv4Addr/IPv6Addr and SockAddr attributes). */
function attr(a: IfAddr, selector: string): string {
  const ip = a.ip;
  const host = (value: bigint) => ipString({ ...ip, value, prefix: familyBits(ip.family) });
  switch (selector.toLowerCase()) {
    case 'address':
      return formatAddress(ip.family, ip.value);
    case 'name':
      return a.name;
    case 'flags':
      return flagsString(a);
    case 'port':
      return '0';
    case 'binary':
      return ip.value.toString(2).padStart(familyBits(ip.family), '0');
    case 'hex':
      return ip.value.toString(16).padStart(familyBits(ip.family) / 4, '0');
    case 'octets':
      return octets(ip).join(' ');
    case 'type':
      return ip.family;
    case 'string':
      return ipString(ip);
    case 'host':
      return host(ip.value);
    case 'network':
      return formatAddress(ip.family, networkOf(ip));
    case 'mask_bits':
      return String(ip.prefix);
    case 'netmask':
      return host(maskOf(ip));
    // IPv4 networks wider than a /31 keep their network and broadcast addresses out of the usable range.
    case 'first_usable':
      return host(networkOf(ip) + (ip.family === 'IPv4' && ip.prefix < 31 ? 1n : 0n));
    case 'last_usable':
      return host(lastOf(ip) - (ip.family === 'IPv4' && ip.prefix < 31 ? 1n : 0n));
    case 'broadcast':
      if (ip.family === 'IPv4') return host(lastOf(ip));
      break;
    case 'size':
      return String(1n << BigInt(familyBits(ip.family) - ip.prefix));
    case 'uint32':
      if (ip.family === 'IPv4') return String(ip.value);
      break;
    case 'uint128':
      if (ip.family === 'IPv6') return String(ip.value);
      break;
  }
  throw new Error(`unsupported attribute name ${goQuote(selector.toLowerCase())}`);
}

function octets(ip: IpAddr): number[] {
  if (ip.family === 'IPv4') return [24n, 16n, 8n, 0n].map((s) => Number((ip.value >> s) & 0xffn));
  return v6Bytes(ip.value);
}

function ifAddrs(l: unknown, what: string): IfAddr[] {
  if (!Array.isArray(l)) throw new Error(`${what}: expected a list of interface addresses, got ${typeof l}`);
  return l as IfAddr[];
}

/** Where `sockaddr` gets its addresses: the host's, or a fixed list (tests, and the go-sockaddr oracle). */
export interface SockaddrContext {
  interfaces: () => IfAddr[];
  defaultInterface: () => string | undefined;
}

/** Evaluates a go-sockaddr template expression (the joined arguments of `sockaddr`). */
export function sockaddr(args: string[], source?: (() => ReturnType<typeof networkInterfaces>) | SockaddrContext): string {
  const ctx: SockaddrContext =
    typeof source === 'object' ? source : { interfaces: () => allInterfaces(source), defaultInterface: defaultRouteInterface };
  const ifs = ctx.interfaces;
  // The sources as go-sockaddr composes them from its own filters and sorts (ifaddrs.go, ifaddr.go).
  const filter = (sel: string, param: string, l: IfAddr[]) => filterIfAddrs('include', sel, param, l).matched;
  const sort = (sel: string, l: IfAddr[]) => sortIfAddrs(sel, l, ctx.defaultInterface);
  const usable = () => sort('default,type,size', filter('flag', 'up', filter('flag', 'forwardable', ifs())));
  const priv = () => filterIfAddrs('include', 'rfc', '6890', usable()).matched;
  const pub = () => filterIfAddrs('include', 'rfc', '6890', usable()).remainder;
  const byName = (re: string) => filter('name', re, ifs());
  const first = (l: IfAddr[]) => l[0]?.address ?? '';
  const all = (l: IfAddr[]) => l.map((a) => a.address).join(' ');
  const bySize = () => sort('type,size', ifs());
  const funcs = {
    GetAllInterfaces: fn([], () => ifs()),
    GetDefaultInterfaces: fn([], () => {
      const def = ctx.defaultInterface();
      // go-sockaddr fails when the routing table names no default interface (its "default" sort just defers).
      if (def === undefined) throw new Error('No default interface found');
      return ifs().filter((a) => a.name === def);
    }),
    GetPrivateInterfaces: fn([], priv),
    GetPublicInterfaces: fn([], pub),
    GetPrivateIP: fn([], () => first(priv())),
    GetPrivateIPs: fn([], () => all(filterIfAddrs('include', 'rfc', String(FORWARDING_BLACKLIST), filter('rfc', '6890', bySize())).remainder)),
    GetPublicIP: fn([], () => first(pub())),
    GetPublicIPs: fn([], () => all(filterIfAddrs('include', 'rfc', '6890', bySize()).remainder)),
    GetInterfaceIP: fn(['string'], (n: string) => {
      // No such interface (or no forwardable address on it) is "", not an error, in go-sockaddr.
      return first(sort('+type,+size', filter('flag', 'forwardable', byName(n))));
    }),
    GetInterfaceIPs: fn(['string'], (n: string) => all(sort('+type,+size', byName(n)))),
    attr: fn(['string', 'any'], (name: string, l: IfAddr[] | IfAddr) => {
      const a = Array.isArray(l) ? l[0] : l;
      return a ? attr(a, name) : '';
    }),
    join: fn(['string', 'string', 'any'], (name: string, sep: string, l: unknown) => ifAddrs(l, 'join').map((a) => attr(a, name)).join(sep)),
    // LimitIfAddrs takes a uint: a negative count is a call error.
    limit: fn(['int', 'any'], (n: number, l: unknown) => {
      if (n < 0) throw new Error(`wrong type for value; expected uint; got int`);
      return ifAddrs(l, 'limit').slice(0, n);
    }),
    offset: fn(['int', 'any'], (n: number, raw: unknown) => {
      const l = ifAddrs(raw, 'offset');
      if (Math.abs(n) > l.length) {
        throw new Error(`unable to seek past the end of the interface array: offset (${Math.abs(n)}) exceeds the number of interfaces (${l.length})`);
      }
      return n < 0 ? l.slice(l.length + n) : l.slice(n);
    }),
    sort: fn(['string', 'any'], (sel: string, l: unknown) => sortIfAddrs(sel, ifAddrs(l, 'sort'), ctx.defaultInterface)),
    unique: fn(['string', 'any'], (sel: string, l: unknown) => unique(sel, ifAddrs(l, 'unique'))),
    math: fn(['string', 'string', 'any'], (op: string, value: string, l: unknown) =>
      ifAddrs(l, 'math').map((a) => {
        try {
          return withIp(a, ipMath(op, value, a.ip));
        } catch (e) {
          throw new Error(`unable to perform an IPMath operation on ${ipString(a.ip)}: ${(e as Error).message}`);
        }
      }),
    ),
    include: fn(['string', 'string', 'any'], (name: string, v: string, l: unknown) => filterIfAddrs('include', name, v, ifAddrs(l, 'include')).matched),
    exclude: fn(['string', 'string', 'any'], (name: string, v: string, l: unknown) => filterIfAddrs('exclude', name, v, ifAddrs(l, 'exclude')).remainder),
  };
  const t = parseTemplate('sockaddr', `{{ ${args.join(' ')} }}`, { funcs });
  return t.execute(ifs());
}

/** UniqueIfAddrsBy: drops an address whose key equals the one before it (the input is expected sorted). */
function unique(selector: string, list: IfAddr[]): IfAddr[] {
  const key = selector.toLowerCase();
  if (key !== 'address' && key !== 'name') throw new Error(`unsupported unique constraint ${goQuote(selector, true)}`);
  const out: IfAddr[] = [];
  let last = '';
  for (const a of list) {
    const k = key === 'address' ? ipString(a.ip) : a.name;
    // go-sockaddr keeps an entry whenever the previous key is empty, so repeated empty keys all stay.
    if (last === '' || last !== k) {
      last = k;
      out.push(a);
    }
  }
  return out;
}
