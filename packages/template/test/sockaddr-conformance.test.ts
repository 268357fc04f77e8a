// sockaddr's template language against hashicorp/go-sockaddr itself: tools/go-sockaddr evaluates each expression
// with go-sockaddr's template package over the same fixed interface table (injected as dot, as its
// template.Parse does with the host's), and Conclave's output must be identical; where Go fails, Conclave must
// fail too, with the message of the go-sockaddr function that failed.
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { buildGoTool } from '@conclave/test-support/go-tool';
import { defaultRouteInterface, makeIfAddr, sockaddr } from '../src/sockaddr.js';

const tool = buildGoTool('go-sockaddr', {
  debianPackages: [{ importPath: 'github.com/hashicorp/go-sockaddr', debian: 'golang-github-hashicorp-go-sockaddr-dev' }],
});
afterAll(() => tool.dispose());

// go-sockaddr's "default" sort asks `ip route` for the default interface on every comparison. Name one of the
// table's interfaces after this host's default so that the sort has something to decide, and when `ip` cannot
// answer (no iproute2), Go defers every comparison: so must Conclave for the comparison to mean anything.
const ipRoute = spawnSync('ip', ['route'], { encoding: 'utf8' });
const hostDefault = ipRoute.status === 0 ? defaultRouteInterface() : undefined;
const uplink = hostDefault ?? 'eth0';

// Up to 12 addresses Go's sort.Sort insertion-sorts; BIG_TABLE (below) takes the sorts through pdqsort.
const TABLE: { name: string; address: string; loopback?: boolean }[] = [
  { name: 'lo', address: '127.0.0.1/8', loopback: true },
  { name: 'lo', address: '::1/128', loopback: true },
  { name: uplink, address: '10.0.0.5/24' },
  { name: uplink, address: '2001:db8::5/64' },
  { name: uplink, address: 'fe80::1/64' },
  { name: 'eth1', address: '203.0.113.9/24' },
  { name: 'eth1', address: '192.168.1.10/16' },
  { name: 'docker0', address: '172.17.0.1/16' },
  { name: 'wlan0', address: '8.8.4.4/32' },
  { name: 'wlan0', address: '2a00:1450:4001::1/48' },
  { name: 'eth2', address: '10.0.0.5/24' },
  { name: 'eth2', address: '100.64.0.1/10' },
];

const J = ' | join "string" " "';
const HAND: string[] = [
  `.${J}`,
  ...['address', 'default', 'name', 'port', 'private', 'size', 'type'].flatMap((k) => [`sort "${k}" .${J}`, `sort "+${k}" .${J}`, `sort "-${k}" .${J}`]),
  `sort "type,address" .${J}`,
  `sort "-type,-size,+address" .${J}`,
  `sort "private,name,address" .${J}`,
  `sort "default,type,size" .${J}`,
  `sort " Name , -ADDRESS " .${J}`,
  `sort "name,-private,size,address" . | join "name" ","`,
  `sort "bogus" .${J}`,
  `sort "address,,name" .${J}`,
  `sort "+-address" .${J}`,
  `sort "address" . | unique "address"${J}`,
  `sort "address" . | unique "name"${J}`,
  `sort "name" . | unique "name" | join "name" " "`,
  `unique "ip" .${J}`,
  `. | math "address" "+1"${J}`,
  `. | math "address" "-1"${J}`,
  `. | math "address" "+256" | join "address" " "`,
  `. | math "address" "+4294967295"${J}`,
  `. | math "address" "-4294967296"${J}`,
  `. | math "address" "+4294967296"${J}`,
  `. | math "address" "+9223372036854775807"${J}`,
  `. | math "address" "-9223372036854775808"${J}`,
  `. | math "address" "+9223372036854775808"${J}`,
  `. | math "address" "1"${J}`,
  `. | math "address" " +1"${J}`,
  `. | math "address" "+0x10"${J}`,
  `. | math "network" "+0"${J}`,
  `. | math "network" "-0"${J}`,
  `. | math "network" "+1"${J}`,
  `. | math "network" "-1"${J}`,
  `. | math "network" "+2"${J}`,
  `. | math "network" "-2"${J}`,
  `. | math "network" "+300"${J}`,
  `. | math "network" "-300"${J}`,
  `. | math "network" "+4294967295"${J}`,
  `. | math "network" "-4294967296"${J}`,
  `. | math "network" "+9223372036854775807" | include "type" "ipv6"${J}`,
  `. | math "network" "-9223372036854775808" | include "type" "ipv6"${J}`,
  `. | math "NETWORK" "+5" | join "network" " "`,
  `. | math "mask" "16"${J}`,
  `. | math "mask" "0"${J}`,
  `. | math "mask" "33"${J}`,
  `. | include "type" "ipv6" | math "mask" "56"${J}`,
  `. | math "mask" "+8"${J}`,
  `. | math "multiply" "+2"${J}`,
  `. | math "address" "+1" | math "network" "-1" | sort "-address"${J}`,
  `. | math "network" "+0" | join "octets" ","`,
  `. | math "network" "-0" | join "hex" ","`,
  `. | offset 0${J}`,
  `. | offset 3${J}`,
  `. | offset -3${J}`,
  `. | offset 12${J}`,
  `. | offset -12${J}`,
  `. | offset 13${J}`,
  `. | offset -13${J}`,
  `. | limit 0${J}`,
  `. | limit 4${J}`,
  `. | limit 99${J}`,
  `. | limit -1${J}`,
  `sort "address" . | offset 2 | limit 3${J}`,
  `. | include "type" "IPv4" | sort "-size,address" | limit 1 | attr "address"`,
  `. | exclude "name" "^(lo|eth2)$" | sort "private,address"${J}`,
  `sort "address" . | attr "network"`,
  ...['address', 'name', 'type', 'string', 'host', 'network', 'mask_bits', 'netmask', 'first_usable', 'last_usable', 'size', 'flags', 'port', 'binary', 'hex', 'octets', 'bogus', 'ip', 'FLAGS'].map((a) => `. | join "${a}" ","`),
  `. | include "type" "ipv4" | join "broadcast" ","`,
  ...[
    ['address', '^10\\.'], ['address', '/64$'], ['address', '('], ['name', '^eth'], ['name', 'lo|wlan'], ['port', '^0$'], ['port', '1'],
    ['flag', 'loopback'], ['flag', 'up'], ['flag', 'down'], ['flag', 'broadcast'], ['flag', 'multicast'], ['flag', 'point-to-point'],
    ['flag', 'forwardable'], ['flag', 'global unicast'], ['flag', 'link-local unicast'], ['flag', 'unspecified'],
    ['flags', 'loopback|forwardable'], ['flag', 'up|loopback'], ['flag', 'sleepy'],
    ['network', '10.0.0.0/8'], ['network', '10.0.0.0/8|2001:db8::/32'], ['network', '0.0.0.0/0'], ['network', '::/0'], ['network', 'nope'],
    ['rfc', '1918'], ['rfc', '6890'], ['rfcs', '1918|4193'], ['rfc', '5737'], ['rfc', '3849'], ['rfc', '4291'], ['rfc', '1234'], ['rfc', 'x'],
    ['size', '24'], ['size', '64'], ['size', '8'], ['size', 'big'],
    ['type', 'ipv4'], ['type', 'IPv6'], ['type', 'ip'], ['type', 'ipv4|ipv6'], ['type', 'unix'], ['type', 'ipx'], ['bogus', 'x'],
  ].flatMap(([sel, v]) => ['include', 'exclude'].map((verb) => `. | ${verb} ${JSON.stringify(sel)} ${JSON.stringify(v)}${J}`)),
  `. | include "type" "ipv4" | join "uint32" ","`,
  `. | include "type" "ipv6" | join "uint128" ","`,
];

/** mulberry32: a fixed-seed generator, so the generated cases are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 2126;
function generated(n: number): string[] {
  const r = prng(SEED);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const keys = ['address', 'default', 'name', 'port', 'private', 'size', 'type'];
  const signs = ['', '+', '-'];
  const offsets = ['+0', '-0', '+1', '-1', '+7', '-7', '+255', '-256', '+65535', '-65536', '+4294967295', '-4294967296', '+1099511627776', '-1099511627776'];
  const step = (): string => {
    switch (pick(['sort', 'sort', 'sort', 'unique', 'math', 'math', 'offset', 'limit', 'include'] as const)) {
      case 'sort':
        return `sort "${Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(signs) + pick(keys)).join(',')}"`;
      case 'unique':
        return `unique "${pick(['address', 'name'])}"`;
      case 'math':
        return r() < 0.2 ? `math "mask" "${Math.floor(r() * 130)}"` : `math "${pick(['address', 'network'])}" "${pick(offsets)}"`;
      case 'offset':
        return `offset ${Math.floor(r() * 9) - 4}`;
      case 'limit':
        return `limit ${Math.floor(r() * 8)}`;
      case 'include':
        return `${pick(['include', 'exclude'])} ${pick(['"type" "ipv4"', '"type" "ipv6"', '"rfc" "6890"', '"rfc" "1918"', '"flag" "forwardable"', '"size" "24"', '"network" "10.0.0.0/8"', '"name" "^eth"'])}`;
    }
  };
  return Array.from({ length: n }, () => {
    const steps = Array.from({ length: 1 + Math.floor(r() * 4) }, step);
    return `. | ${steps.join(' | ')} | join "${pick(['string', 'address', 'name', 'network', 'size', 'hex', 'last_usable'])}" " "`;
  });
}

const CASES = [...HAND, ...generated(400)];

// Past 12 elements Go's pdqsort partitions, and past 50 it takes ninthers and shifts: 80 addresses of mixed
// families and prefixes, with repeats so that ties are common.
function bigTable(): typeof TABLE {
  const r = prng(SEED + 1);
  const names = [uplink, 'eth1', 'docker0', 'veth1', 'lo'];
  return Array.from({ length: 80 }, (_, i) => {
    const v4 = r() < 0.6;
    const pool = v4 ? ['10.1.2.3', '192.168.5.9', '8.8.8.8', '172.16.4.4', '100.64.1.1', '203.0.113.7', '127.0.0.1', '169.254.3.3'] : ['fd00::7', '2001:db8::1', '2a00:1450::9', 'fe80::3', '::1', '2600::1'];
    const base = pool[Math.floor(r() * pool.length)]!;
    const prefix = v4 ? [8, 16, 24, 32][Math.floor(r() * 4)] : [48, 64, 128][Math.floor(r() * 3)];
    // Vary the last part now and then, keep it most of the time so that addresses repeat.
    const addr = r() < 0.5 ? base : v4 ? base.replace(/\d+$/, String(i)) : base.replace(/[0-9a-f]+$/, (i + 1).toString(16));
    return { name: names[Math.floor(r() * names.length)]!, address: `${addr}/${prefix}` };
  });
}
const BIG_TABLE = bigTable();
const BIG_CASES = [
  ...['address', 'default', 'name', 'port', 'private', 'size', 'type'].flatMap((k) => [`sort "${k}" .${J}`, `sort "-${k}" .${J}`]),
  ...Array.from({ length: 120 }, (_, i) => {
    const r = prng(SEED + 2 + i);
    const keys = ['address', 'default', 'name', 'port', 'private', 'size', 'type'];
    const clauses = Array.from({ length: 1 + Math.floor(r() * 3) }, () => ['', '+', '-'][Math.floor(r() * 3)]! + keys[Math.floor(r() * keys.length)]!);
    return `sort "${clauses.join(',')}" . | ${r() < 0.5 ? 'unique "name" | ' : ''}join "string" " "`;
  }),
];
const go = tool.runJson({ ifAddrs: TABLE, cases: CASES }) as { output?: string; error?: string }[];
const ctx = {
  interfaces: () => TABLE.map((t) => makeIfAddr(t.name, t.address, t.loopback)),
  defaultInterface: () => hostDefault,
};

describe('sockaddr conformance with hashicorp/go-sockaddr', () => {
  it('the oracle answered every case, and not only with errors', () => {
    expect(go).toHaveLength(CASES.length);
    expect(go.filter((g) => g.output !== undefined).length).toBeGreaterThan(CASES.length / 2);
  });

  it.each(CASES.map((c, i) => [i, c] as const))('%i: %s', (i, expr) => {
    const want = go[i]!;
    let ours: { output?: string; error?: string };
    try {
      ours = { output: sockaddr([expr], ctx) };
    } catch (e) {
      ours = { error: (e as Error).message };
    }
    if (want.error === undefined) {
      expect(ours).toEqual(want);
    } else {
      expect(ours.error, `Go failed with ${want.error}`).toBeDefined();
      // Go's text/template wraps the function's error; compare the function's own message.
      // Its IfAddr printing includes the net.Interface struct (index, MTU, MAC, flags), which Conclave's interface
      // table does not model; that part of the message is left out of the comparison.
      const own = /error calling \w+: (.*)$/s.exec(want.error)?.[1]?.replace(/ \{\d+ \d+ [^}]*\}/g, '');
      if (own !== undefined) expect(ours.error).toContain(own);
    }
  });
});

// The host-reading sources (GetPrivateIP, GetInterfaceIPs, ...) cannot run in the oracle over a fixed table, but
// go-sockaddr builds each from its own filters and sorts (ifaddrs.go, ifaddr.go): Conclave's source over the
// table must equal that composition evaluated by Go over the same table.
const usable = '. | include "flag" "forwardable" | include "flag" "up" | sort "default,type,size"';
const SOURCES: [string, string][] = [
  [`GetAllInterfaces${J}`, `.${J}`],
  [`GetPrivateInterfaces${J}`, `${usable} | include "rfc" "6890"${J}`],
  [`GetPublicInterfaces${J}`, `${usable} | exclude "rfc" "6890"${J}`],
  ['GetPrivateIP', `${usable} | include "rfc" "6890" | attr "address"`],
  ['GetPublicIP', `${usable} | exclude "rfc" "6890" | attr "address"`],
  ['GetPrivateIPs', '. | sort "type,size" | include "rfc" "6890" | exclude "rfc" "4294967295" | join "address" " "'],
  ['GetPublicIPs', '. | sort "type,size" | exclude "rfc" "6890" | join "address" " "'],
  ['GetInterfaceIP "eth1"', '. | include "name" "eth1" | include "flag" "forwardable" | sort "+type,+size" | attr "address"'],
  ['GetInterfaceIP "^(wlan|eth2)"', '. | include "name" "^(wlan|eth2)" | include "flag" "forwardable" | sort "+type,+size" | attr "address"'],
  ['GetInterfaceIP "eth9"', '. | include "name" "eth9" | include "flag" "forwardable" | sort "+type,+size" | attr "address"'],
  ['GetInterfaceIPs "^(eth|lo)"', '. | include "name" "^(eth|lo)" | sort "+type,+size" | join "address" " "'],
  ...(hostDefault ? [[`GetDefaultInterfaces${J}`, `. | include "name" "^${hostDefault}$"${J}`] as [string, string]] : []),
];

describe('sockaddr sources as go-sockaddr composes them', () => {
  const want = tool.runJson({ ifAddrs: TABLE, cases: SOURCES.map(([, g]) => g) }) as { output?: string; error?: string }[];
  it.each(SOURCES.map(([ours, _g], i) => [i, ours] as const))('%i: %s', (i, ours) => {
    expect(want[i]!.error).toBeUndefined();
    expect(sockaddr([ours], ctx)).toBe(want[i]!.output);
  });
  it('the table has private and public addresses to choose from', () => {
    expect(sockaddr(['GetPrivateIP'], ctx)).not.toBe('');
    expect(sockaddr(['GetPublicIPs'], ctx).split(' ').length).toBeGreaterThan(1);
  });
});

describe('sockaddr sort over more than 12 addresses (Go\'s pdqsort)', () => {
  const want = tool.runJson({ ifAddrs: BIG_TABLE, cases: BIG_CASES }) as { output?: string; error?: string }[];
  const big = { interfaces: () => BIG_TABLE.map((t) => makeIfAddr(t.name, t.address)), defaultInterface: () => hostDefault };
  it.each(BIG_CASES.map((c, i) => [i, c] as const))('%i: %s', (i, expr) => {
    expect(want[i]!.error).toBeUndefined();
    expect(sockaddr([expr], big)).toBe(want[i]!.output);
  });
});
