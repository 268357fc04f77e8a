// go-sockaddr's KnownRFCs(): the networks each RFC number names, for `include "rfc"`, the "private" sort and
// the "forwardable" flag (its pseudo-RFC 4294967295, the non-forwardable blocks). Same blocks, same order.
import { lastOf, networkOf, parseIp, type IpAddr } from './sockaddr-ip.js';

export const FORWARDING_BLACKLIST = 4294967295;

const TABLE: Record<number, string[]> = {
  919: ['255.255.255.255/32'],
  1112: ['224.0.0.0/4'],
  1122: ['0.0.0.0/8', '127.0.0.0/8'],
  1918: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
  2544: ['198.18.0.0/15'],
  2765: ['0:0:0:0:0:ffff:0:0/96'],
  2928: ['2001::/16'],
  3056: ['2002::/16'],
  3068: ['192.88.99.0/24', '2002:c058:6301::/120'],
  3171: ['224.0.0.0/4'],
  3330: [
    '0.0.0.0/8', '10.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.2.0/24', '192.88.99.0/24',
    '192.168.0.0/16', '198.18.0.0/15', '224.0.0.0/4', '240.0.0.0/4',
  ],
  3849: ['2001:db8::/32'],
  3927: ['169.254.0.0/16'],
  4038: ['0:0:0:0:0:ffff::/96'],
  4193: ['fc00::/7'],
  4291: ['::/128', '::1/128', '::/96', '::ffff:0:0/96', 'fe80::/10', 'fec0::/10', 'ff00::/8'],
  4380: ['2001:0000::/32'],
  4773: ['2001:0000::/23'],
  4843: ['2001:10::/28'],
  5180: ['2001:0200::/48'],
  5735: ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '198.18.0.0/15'],
  5737: ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'],
  6052: ['64:ff9b::/96'],
  6333: ['192.0.0.0/29'],
  6598: ['100.64.0.0/10'],
  6666: ['0100::/64'],
  6890: [
    '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
    '192.0.0.0/29', '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24',
    '203.0.113.0/24', '240.0.0.0/4', '255.255.255.255/32', '::1/128', '::/128', '64:ff9b::/96', '::ffff:0:0/96',
    '100::/64', '2001::/16', '2002::/16', 'fc00::/7', 'fe80::/10',
  ],
  7335: ['192.0.0.0/29'],
  [FORWARDING_BLACKLIST]: [
    '0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '192.0.0.0/24', '192.0.2.0/24', '198.51.100.0/24',
    '203.0.113.0/24', '240.0.0.0/4', '255.255.255.255/32', '::1/128', '::/128', '::ffff:0:0/96', '2001:db8::/32',
    '2001:10::/28', 'fe80::/10',
  ],
};

const parsed = new Map<number, IpAddr[]>(Object.entries(TABLE).map(([k, v]) => [Number(k), v.map(parseIp)]));

/** The networks of RFC `n`, or undefined when go-sockaddr does not know it. */
export function rfcNetworks(n: number): IpAddr[] | undefined {
  return parsed.get(n);
}

/** go-sockaddr's Contains: same family, and the whole network of `ip` inside `net`. */
export function ipContains(net: IpAddr, ip: IpAddr): boolean {
  return net.family === ip.family && networkOf(net) <= networkOf(ip) && lastOf(net) >= lastOf(ip);
}

/** sockaddr.IsRFC(n, ip). */
export function isRfc(n: number, ip: IpAddr): boolean {
  return (parsed.get(n) ?? []).some((net) => ipContains(net, ip));
}
