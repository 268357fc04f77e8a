// consul-template's `sockaddr` runs its arguments as a go-sockaddr template ("{{ ARGS }}"). This is that
// template language for the address lookups people put in configurations: GetPrivateIP(s), GetPublicIP(s),
// GetInterfaceIP(s) "name", GetAllInterfaces / GetPrivateInterfaces / GetPublicInterfaces / GetDefaultInterfaces
// piped into `attr "address"`, `join "address" " "`, `limit N`. Interfaces come from the OS; the interface with
// the default route (/proc/net/route) sorts first, IPv4 before IPv6, as go-sockaddr's default sort does.
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { fn } from './func-spec.js';
import { parseTemplate } from './template.js';

export interface IfAddr {
  name: string;
  address: string;
  family: 'IPv4' | 'IPv6';
  cidr: string;
  internal: boolean;
}

function defaultRouteInterface(): string | undefined {
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

function ipv4Num(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function inCidr(a: string, base: string, bits: number): boolean {
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((ipv4Num(a) & mask) >>> 0) === ((ipv4Num(base) & mask) >>> 0);
}

/** RFC 6890's private-use blocks as go-sockaddr's "private" test uses them for IPv4, and ULA for IPv6. */
export function isPrivate(a: IfAddr): boolean {
  if (a.family === 'IPv4') return [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10], ['192.0.0.0', 24]].some(([b, n]) => inCidr(a.address, b as string, n as number));
  return /^f[cd]/i.test(a.address);
}

/** Forwardable, non-loopback, non-link-local. */
function forwardable(a: IfAddr): boolean {
  if (a.internal) return false;
  if (a.family === 'IPv4') return !inCidr(a.address, '169.254.0.0', 16) && !inCidr(a.address, '127.0.0.0', 8);
  return !/^fe80:/i.test(a.address) && a.address !== '::1';
}

export function allInterfaces(source: () => ReturnType<typeof networkInterfaces> = networkInterfaces): IfAddr[] {
  const out: IfAddr[] = [];
  for (const [name, addrs] of Object.entries(source())) {
    for (const a of addrs ?? []) out.push({ name, address: a.address, family: a.family === 'IPv6' ? 'IPv6' : 'IPv4', cidr: a.cidr ?? a.address, internal: a.internal });
  }
  const def = defaultRouteInterface();
  return out.sort((x, y) => Number(y.name === def) - Number(x.name === def) || (x.family === y.family ? 0 : x.family === 'IPv4' ? -1 : 1));
}

const attr = (a: IfAddr, name: string): string => {
  switch (name) {
    case 'address':
    case 'ip':
      return a.address;
    case 'name':
      return a.name;
    case 'type':
      return a.family === 'IPv4' ? 'IPv4' : 'IPv6';
    case 'string':
      return a.cidr;
    default:
      throw new Error(`unsupported attribute name "${name}"`);
  }
};

/** Evaluates a go-sockaddr template expression (the joined arguments of `sockaddr`). */
export function sockaddr(args: string[], source?: () => ReturnType<typeof networkInterfaces>): string {
  const ifs = () => allInterfaces(source);
  const priv = () => ifs().filter((a) => forwardable(a) && isPrivate(a));
  const pub = () => ifs().filter((a) => forwardable(a) && !isPrivate(a));
  const byName = (n: string) => ifs().filter((a) => a.name === n && forwardable(a));
  const first = (l: IfAddr[]) => l[0]?.address ?? '';
  const all = (l: IfAddr[]) => l.map((a) => a.address).join(' ');
  const funcs = {
    GetAllInterfaces: fn([], () => ifs()),
    GetDefaultInterfaces: fn([], () => {
      const def = defaultRouteInterface();
      return ifs().filter((a) => a.name === def);
    }),
    GetPrivateInterfaces: fn([], priv),
    GetPublicInterfaces: fn([], pub),
    GetPrivateIP: fn([], () => first(priv())),
    GetPrivateIPs: fn([], () => all(priv())),
    GetPublicIP: fn([], () => first(pub())),
    GetPublicIPs: fn([], () => all(pub())),
    GetInterfaceIP: fn(['string'], (n: string) => {
      const l = byName(n);
      if (l.length === 0) throw new Error(`No addresses found on interface ${n}`);
      return first(l);
    }),
    GetInterfaceIPs: fn(['string'], (n: string) => all(byName(n))),
    attr: fn(['string', 'any'], (name: string, l: IfAddr[] | IfAddr) => {
      const a = Array.isArray(l) ? l[0] : l;
      return a ? attr(a, name) : '';
    }),
    join: fn(['string', 'string', 'any'], (name: string, sep: string, l: IfAddr[]) => l.map((a) => attr(a, name)).join(sep)),
    limit: fn(['int', 'any'], (n: number, l: IfAddr[]) => l.slice(0, n)),
    include: fn(['string', 'string', 'any'], (name: string, v: string, l: IfAddr[]) => l.filter((a) => matches(a, name, v))),
    exclude: fn(['string', 'string', 'any'], (name: string, v: string, l: IfAddr[]) => l.filter((a) => !matches(a, name, v))),
  };
  const t = parseTemplate('sockaddr', `{{ ${args.join(' ')} }}`, { funcs });
  return t.execute(undefined);
}

function matches(a: IfAddr, name: string, v: string): boolean {
  switch (name) {
    case 'name':
      return a.name === v;
    case 'type':
      return a.family.toLowerCase() === v.toLowerCase();
    case 'rfc':
    case 'RFC':
      return v === '6890' || v === '1918' ? isPrivate(a) : false;
    case 'flag':
    case 'flags':
      return v === 'forwardable' ? forwardable(a) : v === 'loopback' ? a.internal : v === 'up' ? true : false;
    default:
      throw new Error(`unsupported include/exclude selector "${name}"`);
  }
}
