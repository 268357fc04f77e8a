// IP addresses as go-sockaddr models them (IPv4Addr / IPv6Addr: an integer address and a prefix length), with
// the printing and `math` operations its template functions use. Integers are bigints so that IPv6 arithmetic
// wraps exactly where go-sockaddr's big.Int arithmetic does.
import { goQuote } from '@conclave/toolkit';

export type IpFamily = 'IPv4' | 'IPv6';

export interface IpAddr {
  family: IpFamily;
  /** The address as an unsigned integer; an IPv6 `network` result may exceed 128 bits, as in go-sockaddr. */
  value: bigint;
  /** Prefix length (go-sockaddr's Maskbits). */
  prefix: number;
}

export const familyBits = (f: IpFamily): number => (f === 'IPv4' ? 32 : 128);
const allOnes = (bits: number): bigint => (1n << BigInt(bits)) - 1n;

export function maskOf(ip: IpAddr): bigint {
  const bits = familyBits(ip.family);
  return allOnes(bits) ^ allOnes(bits - ip.prefix);
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

function parseV6(s: string): bigint | undefined {
  const text = s.replace(/%.*$/, '');
  let tail4: bigint | undefined;
  let body = text;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.') && lastColon >= 0) {
    tail4 = parseV4(text.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    body = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const fill = 8 - head.length - rest.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  let v = 0n;
  for (const g of [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...rest]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return tail4 === undefined ? v : (v & ~0xffffffffn) | tail4;
}

/** Parses "a.b.c.d[/n]" or an IPv6 address with an optional "/n", as sockaddr.NewIPAddr does. */
export function parseIp(text: string): IpAddr {
  const [addr, bits, extra] = text.split('/');
  if (extra !== undefined || addr === undefined) throw new Error(`invalid IPAddr ${text}`);
  const v4 = parseV4(addr);
  const family: IpFamily = v4 !== undefined ? 'IPv4' : 'IPv6';
  const value = v4 ?? parseV6(addr);
  const max = familyBits(family);
  const prefix = bits === undefined ? max : /^\d+$/.test(bits) ? Number(bits) : NaN;
  if (value === undefined || !(prefix >= 0 && prefix <= max)) throw new Error(`invalid IPAddr ${text}`);
  return { family, value, prefix };
}

/** The 16 bytes Go's bigIntToNetIPv6 makes of a big.Int: left-padded, or the leading 16 of a longer number. */
export function v6Bytes(value: bigint): number[] {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 2) bytes.push(parseInt(hex.slice(i, i + 2), 16));
  while (bytes.length < 16) bytes.unshift(0);
  return bytes.slice(0, 16);
}

const dotted = (b: number[]): string => b.join('.');

/** Go's net.IP.String(): dotted IPv4 (also for IPv4-mapped IPv6), else RFC 5952 with the first longest zero run. */
export function formatAddress(family: IpFamily, value: bigint): string {
  if (family === 'IPv4') return dotted([24n, 16n, 8n, 0n].map((s) => Number((value >> s) & 0xffn)));
  const b = v6Bytes(value);
  if (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return dotted(b.slice(12));
  const g = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  let e0 = -1;
  let e1 = -1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i >= 2 && j - i > e1 - e0) [e0, e1] = [i, j];
    i = j === i ? i + 1 : j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  return e0 < 0 ? hex(g) : `${hex(g.slice(0, e0))}::${hex(g.slice(e1))}`;
}

/** go-sockaddr's String(): the address, with "/n" unless it is a host address. */
export function ipString(ip: IpAddr): string {
  const a = formatAddress(ip.family, ip.value);
  return ip.prefix === familyBits(ip.family) ? a : `${a}/${ip.prefix}`;
}

export const networkOf = (ip: IpAddr): bigint => ip.value & maskOf(ip);
export const lastOf = (ip: IpAddr): bigint => networkOf(ip) | (allOnes(familyBits(ip.family)) ^ maskOf(ip));

/** strconv.ParseInt(value, 10, bitSize) as go-sockaddr calls it. */
function parseGoInt(value: string, bitSize: number, operation: string): bigint {
  const limit = 1n << BigInt(bitSize - 1);
  const n = /^[+-]?\d+$/.test(value) ? BigInt(value) : undefined;
  if (n === undefined || n < -limit || n >= limit) {
    const why = n === undefined ? 'invalid syntax' : 'value out of range';
    throw new Error(`unable to convert ${goQuote(value)} to int for operation ${goQuote(operation)}: strconv.ParseInt: parsing ${goQuote(value)}: ${why}`);
  }
  return n;
}

function parseGoUint(value: string, operation: string): number {
  const ok = /^\d+$/.test(value) && BigInt(value) < 1n << 32n;
  if (!ok) {
    const why = /^\d+$/.test(value) ? 'value out of range' : 'invalid syntax';
    throw new Error(`unable to convert ${goQuote(value)} to int for operation ${goQuote(operation)}: strconv.ParseUint: parsing ${goQuote(value)}: ${why}`);
  }
  return Number(value);
}

/** sockaddr.IfAddrMath on the address part: "address" and "network" offsets (signed), "mask" (prefix length). */
export function ipMath(operation: string, value: string, ip: IpAddr): IpAddr {
  const op = operation.toLowerCase();
  const v4 = ip.family === 'IPv4';
  switch (op) {
    case 'address': {
      if (!/^\s*[+-]/.test(value)) throw new Error(`sign (+/-) is required for operation ${goQuote(operation)}`);
      const i = parseGoInt(value, v4 ? 33 : 64, operation);
      // Both wrap along the address type: uint32 addition, and big.Int addition masked to 128 bits.
      return { ...ip, value: BigInt.asUintN(v4 ? 32 : 128, ip.value + i) };
    }
    case 'network': {
      if (!/^\s*[+-]/.test(value)) throw new Error(`sign (+/-) is required for operation ${goQuote(operation)}`);
      const i = parseGoInt(value, v4 ? 33 : 64, operation);
      const mask = maskOf(ip);
      if (v4) {
        const hostMask = 0xffffffffn ^ mask;
        const wrapped = i >= 0n ? i : 1n + i + hostMask;
        return { ...ip, value: BigInt.asUintN(32, networkOf(ip) + (BigInt.asUintN(32, wrapped) & hostMask)) };
      }
      if (i > 0n) return { ...ip, value: networkOf(ip) + (i & ~mask) };
      // Go takes "+0" down this branch too: (-1 &^ mask) is negative in big.Int's two's complement, so the
      // result is the network address plus 2^128, which its printer then truncates to the leading 16 bytes.
      return { ...ip, value: lastOf(ip) - ((-i - 1n) & ~mask) };
    }
    case 'mask': {
      const n = parseGoUint(value, operation);
      const max = familyBits(ip.family);
      if (n > max) {
        throw new Error(`parameter for operation ${goQuote(operation)} on ${v4 ? 'ipv4' : 'ipv6'} addresses must be between 0 and ${v4 ? 32 : 64}`);
      }
      const masked = ip.value & maskOf({ ...ip, prefix: n });
      return { ...ip, value: masked, prefix: Math.min(ip.prefix, n) };
    }
    default:
      throw new Error(`unsupported math operation: ${goQuote(operation)}`);
  }
}
