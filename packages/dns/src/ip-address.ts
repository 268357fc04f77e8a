import { isIP } from 'node:net';

/** The 16 bytes of an IPv6 address (text already checked with isIP), embedded IPv4 tails included. */
function ipv6Bytes(ip: string): Buffer {
  let text = ip.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const o = last.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const hex = (part: string): number[] => part.split(':').filter((g) => g !== '').map((g) => parseInt(g, 16));
  const dbl = text.indexOf('::');
  let groups: number[];
  if (dbl >= 0) {
    const left = hex(text.slice(0, dbl));
    const right = hex(text.slice(dbl + 2));
    groups = left.concat(new Array<number>(Math.max(0, 8 - left.length - right.length)).fill(0), right);
  } else {
    groups = hex(text);
  }
  const buf = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) buf.writeUInt16BE(groups[i] ?? 0, i * 2);
  return buf;
}

/** RFC 5952 text for 16 bytes: lower-case, no leading zeros, the longest run of ≥2 zero groups as `::`. */
function ipv6Text(bytes: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(bytes.readUInt16BE(i * 2));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text of an IP address (IPv6 per RFC 5952), or undefined when `ip` is not an IP. */
export function normaliseIp(ip: string): string | undefined {
  const family = isIP(ip);
  if (family === 4) return ip.split('.').map(Number).join('.');
  if (family === 6) return ipv6Text(ipv6Bytes(ip));
  return undefined;
}

/** `192.168.33.31` → `c0a8211f`; IPv6 → 32 hex digits; Consul's `<hex>.addr` label. */
export function ipToHex(ip: string): string | undefined {
  const family = isIP(ip);
  if (family === 4) return ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join('');
  if (family === 6) return ipv6Bytes(ip).toString('hex');
  return undefined;
}

/** The reverse of ipToHex: 8 hex digits → IPv4, 32 → IPv6, else undefined. */
export function hexToIp(hex: string): { ip: string; family: 4 | 6 } | undefined {
  if (!/^[0-9a-f]+$/i.test(hex)) return undefined;
  const bytes = Buffer.from(hex, 'hex');
  if (hex.length === 8) return { ip: Array.from(bytes).join('.'), family: 4 };
  if (hex.length === 32) return { ip: ipv6Text(bytes), family: 6 };
  return undefined;
}

/** `31.33.168.192.in-addr.arpa` → `192.168.33.31`; full 32-nibble ip6.arpa names → IPv6; else undefined. */
export function reverseNameToIp(nameLower: string): string | undefined {
  if (nameLower.endsWith('.in-addr.arpa')) {
    const labels = nameLower.slice(0, -'.in-addr.arpa'.length).split('.');
    if (labels.length !== 4 || !labels.every((l) => /^\d{1,3}$/.test(l) && Number(l) <= 255)) return undefined;
    return labels.reverse().map(Number).join('.');
  }
  if (nameLower.endsWith('.ip6.arpa')) {
    const labels = nameLower.slice(0, -'.ip6.arpa'.length).split('.');
    if (labels.length !== 32 || !labels.every((l) => /^[0-9a-f]$/.test(l))) return undefined;
    return hexToIp(labels.reverse().join(''))?.ip;
  }
  return undefined;
}
