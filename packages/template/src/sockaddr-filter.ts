// go-sockaddr's `include` / `exclude` selectors (IfByAddress, IfByName, IfByPort, IfByRFCs, IfByMaskSize,
// IfByType, IfByFlag, IfByNetwork) with their quirks kept: the multi-valued selectors ("ipv4|ipv6",
// "1918|6890", "10.0.0.0/8|fc00::/7") filter once per value and concatenate, so an address can appear twice.
import { GoRegexp, goQuote } from '@conclave/toolkit';
import { ipString, parseIp, type IpAddr } from './sockaddr-ip.js';
import { FORWARDING_BLACKLIST, ipContains, isRfc, rfcNetworks } from './sockaddr-rfc.js';

export interface FilterableIfAddr {
  name: string;
  ip: IpAddr;
  internal: boolean;
}

interface Split<T> {
  matched: T[];
  remainder: T[];
}

function split<T>(list: readonly T[], test: (a: T) => boolean): Split<T> {
  const out: Split<T> = { matched: [], remainder: [] };
  for (const a of list) (test(a) ? out.matched : out.remainder).push(a);
  return out;
}

function concat<T>(parts: Split<T>[]): Split<T> {
  return { matched: parts.flatMap((p) => p.matched), remainder: parts.flatMap((p) => p.remainder) };
}

// Go's %q, and %+q (ASCII only) where go-sockaddr formats with it.
const quote = (s: string): string => goQuote(s);
const quoteAscii = (s: string): string => goQuote(s, true);

function regexp(kind: string, source: string): GoRegexp {
  try {
    return GoRegexp.compile(source);
  } catch (e) {
    throw new Error(`Unable to compile ${kind} regexp ${quoteAscii(source)}: ${(e as Error).message}`);
  }
}

function parseUint64(s: string): bigint | undefined {
  return /^\d+$/.test(s) && BigInt(s) < 1n << 64n ? BigInt(s) : undefined;
}

// net.Flags bits. Node does not report interface flags: loopback interfaces are up|loopback, the others
// up|broadcast|multicast, which is what Linux reports for ordinary interfaces.
const UP = 1;
const BROADCAST = 2;
const LOOPBACK = 4;
const POINT_TO_POINT = 8;
const MULTICAST = 16;
const flagsOf = (a: FilterableIfAddr): number => (a.internal ? UP | LOOPBACK : UP | BROADCAST | MULTICAST);

/** net.Flags.String() of those flags: the `flags` attribute. */
export function flagsString(a: FilterableIfAddr): string {
  const f = flagsOf(a);
  return (['up', 'broadcast', 'loopback', 'pointtopoint', 'multicast'] as const).filter((_, i) => f & (1 << i)).join('|');
}

/** Go's net.IP classification methods on the address. */
function netIpIs(ip: IpAddr, what: string): boolean {
  const v = ip.value;
  if (ip.family === 'IPv4') {
    const b0 = Number((v >> 24n) & 0xffn);
    switch (what) {
      case 'loopback':
        return b0 === 127;
      case 'multicast':
        return (b0 & 0xf0) === 0xe0;
      case 'link-local unicast':
        return v >> 16n === 0xa9fen;
      case 'link-local multicast':
        return v >> 8n === 0xe00000n;
      case 'interface-local multicast':
        return false;
      case 'unspecified':
        return v === 0n;
      default:
        return !(v === 0xffffffffn || ['unspecified', 'loopback', 'multicast', 'link-local unicast'].some((w) => netIpIs(ip, w)));
    }
  }
  const top = Number((v >> 112n) & 0xffffn);
  switch (what) {
    case 'loopback':
      return v === 1n;
    case 'multicast':
      return top >> 8 === 0xff;
    case 'link-local unicast':
      return (top & 0xffc0) === 0xfe80;
    case 'link-local multicast':
      return top >> 8 === 0xff && (top & 0x0f) === 0x02;
    case 'interface-local multicast':
      return top >> 8 === 0xff && (top & 0x0f) === 0x01;
    case 'unspecified':
      return v === 0n;
    default:
      return !['unspecified', 'loopback', 'multicast', 'link-local unicast'].some((w) => netIpIs(ip, w));
  }
}

function byFlag<T extends FilterableIfAddr>(param: string, list: readonly T[]): Split<T> {
  let want = 0;
  let checkFlags = false;
  const attrs: string[] = [];
  for (const f of param.toLowerCase().split('|')) {
    switch (f) {
      case 'broadcast':
      case 'point-to-point':
      case 'up':
        checkFlags = true;
        want |= f === 'up' ? UP : f === 'broadcast' ? BROADCAST : POINT_TO_POINT;
        break;
      case 'down':
        // go-sockaddr clears "up" from the wanted set, so on its own "down" matches every interface.
        checkFlags = true;
        want &= ~UP;
        break;
      case 'loopback':
      case 'multicast':
        checkFlags = true;
        want |= f === 'loopback' ? LOOPBACK : MULTICAST;
        attrs.push(f);
        break;
      case 'forwardable':
      case 'global unicast':
      case 'interface-local multicast':
      case 'link-local multicast':
      case 'link-local unicast':
      case 'unspecified':
        attrs.push(f);
        break;
      default:
        throw new Error(`Unknown interface flag: ${quoteAscii(f)}`);
    }
  }
  return split(list, (a) => {
    if (checkFlags && (flagsOf(a) & want) === want) return true;
    return attrs.some((w) => (w === 'forwardable' ? !isRfc(FORWARDING_BLACKLIST, a.ip) : netIpIs(a.ip, w)));
  });
}

/** Splits `list` by an include/exclude selector; `verb` names the caller in go-sockaddr's error texts. */
export function filterIfAddrs<T extends FilterableIfAddr>(verb: 'include' | 'exclude', selector: string, param: string, list: readonly T[]): Split<T> {
  switch (selector.toLowerCase()) {
    case 'address': {
      const re = regexp('address', param);
      return split(list, (a) => re.test(ipString(a.ip)));
    }
    case 'name': {
      const re = regexp('name', param);
      return split(list, (a) => re.test(a.name));
    }
    case 'port': {
      // Interface addresses have port 0.
      const re = regexp('port', param);
      return split(list, () => re.test('0'));
    }
    case 'flag':
    case 'flags':
      return byFlag(param, list);
    case 'network':
      return concat(
        param.split('|').map((n) => {
          let net: IpAddr;
          try {
            net = parseIp(n);
          } catch {
            throw new Error(`unable to create an IP address from ${quoteAscii(n)}: invalid IPAddr ${n}`);
          }
          return split(list, (a) => ipContains(net, a.ip));
        }),
      );
    case 'rfc':
    case 'rfcs':
      return concat(
        param.split('|').map((r) => {
          const n = parseUint64(r);
          if (n === undefined) {
            throw new Error(`unable to lookup RFC number ${quote(r)}: unable to parse RFC number ${quote(r)}: strconv.ParseUint: parsing ${quote(r)}: invalid syntax`);
          }
          if (!rfcNetworks(Number(n))) throw new Error(`unable to lookup RFC number ${quote(r)}: unsupported RFC ${n}`);
          return split(list, (a) => isRfc(Number(n), a.ip));
        }),
      );
    case 'size': {
      const n = parseUint64(param);
      if (n === undefined) throw new Error(`invalid exclude size argument (${quote(param)}): strconv.ParseUint: parsing ${quote(param)}: invalid syntax`);
      for (const a of list) {
        if (n > (a.ip.family === 'IPv4' ? 32n : 128n)) throw new Error(`mask size out of bounds for ${a.ip.family} address: ${n}`);
      }
      return split(list, (a) => BigInt(a.ip.prefix) === n);
    }
    case 'type': {
      const types = param.toLowerCase().split('|');
      for (const t of types) {
        if (!['ip', 'ipv4', 'ipv6', 'unix'].includes(t)) throw new Error(`unsupported type ${quote(t)} ${quote(param)}`);
      }
      // Per address, once per listed type: "ipv4|ipv6" puts every address in `matched` once and `remainder` once.
      const out: Split<T> = { matched: [], remainder: [] };
      for (const a of list) {
        for (const t of types) (t === 'ip' || t === a.ip.family.toLowerCase() ? out.matched : out.remainder).push(a);
      }
      return out;
    }
    default:
      throw new Error(`invalid ${verb} selector ${quote(selector)}`);
  }
}
