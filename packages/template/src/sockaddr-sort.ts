// go-sockaddr's `sort "key,key,..."` (SortIfBy): the comparison functions and the order Go's sort.Sort leaves
// the list in. Several comparisons "defer" across address families (an IPv4 and an IPv6 address compare equal
// by address), so the comparison is not a total order and the result depends on the algorithm: this runs Go's
// own (go-sort.ts).
import { goSort } from './go-sort.js';
import type { IpAddr } from './sockaddr-ip.js';
import { isRfc } from './sockaddr-rfc.js';
import { goQuote } from '@conclave/toolkit';

export interface SortableIfAddr {
  name: string;
  ip: IpAddr;
}

type Cmp = (a: SortableIfAddr, b: SortableIfAddr) => number;

const sign = (n: number | bigint): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

function ascPrivate(a: SortableIfAddr, b: SortableIfAddr): number {
  const inA = isRfc(6890, a.ip);
  // Across families only a private receiver decides (CmpRFC returns "defer" when it is public).
  if (a.ip.family !== b.ip.family) return inA ? -1 : 0;
  const inB = isRfc(6890, b.ip);
  return inA === inB ? 0 : inA ? -1 : 1;
}

function ascending(key: string, defaultIf: () => string | undefined): Cmp | undefined {
  switch (key) {
    case 'address':
      return (a, b) => (a.ip.family === b.ip.family ? sign(a.ip.value - b.ip.value) : 0);
    case 'default':
      return (a, b) => {
        const d = defaultIf();
        if (d === undefined) return 0;
        return sign(Number(b.name === d) - Number(a.name === d));
      };
    case 'name':
      return (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    case 'port':
      // Interface addresses carry no port: every pair ties.
      return () => 0;
    case 'private':
      return ascPrivate;
    case 'size':
      // Compares the netmasks' bytes; different families defer.
      return (a, b) => (a.ip.family === b.ip.family ? sign(a.ip.prefix - b.ip.prefix) : 0);
    case 'type':
      return (a, b) => (a.ip.family === b.ip.family ? 0 : a.ip.family === 'IPv4' ? -1 : 1);
    default:
      return undefined;
  }
}

/** SortIfBy: a sorted copy of `list`; an unknown clause is an error, as in go-sockaddr. */
export function sortIfAddrs<T extends SortableIfAddr>(selector: string, list: readonly T[], defaultIf: () => string | undefined): T[] {
  const cmps: Cmp[] = selector.split(',').map((clause) => {
    const c = clause.trim().toLowerCase();
    const desc = c.startsWith('-');
    const asc = ascending(desc || c.startsWith('+') ? c.slice(1) : c, defaultIf);
    if (!asc) throw new Error(`unknown sort type: ${goQuote(clause)}`);
    return desc ? (a, b) => -asc(a, b) : asc;
  });
  const less = (a: T, b: T): boolean => {
    for (const cmp of cmps) {
      const r = cmp(a, b);
      if (r !== 0) return r < 0;
    }
    return false;
  };
  return goSort(list, less);
}
