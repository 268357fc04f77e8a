// Random (version 4) UUIDs for the agent's IDs (node ID, sessions, tokens, events, prepared queries) from the
// kernel's CSPRNG, read from /dev/urandom into a small pool, so that an agent that only needs IDs never loads
// node:crypto: on Node 24 loading it costs 4.8 MB of RSS (1.4 on 22), a twelfth of a client agent's budget
// (docs/benchmarks.md). Where there is no /dev/urandom, crypto.randomUUID is the source.
import * as fs from 'node:fs';
import { lazyNode } from './lazy-node.js';

const POOL_BYTES = 16 * 32;
let pool: Buffer | undefined;
let used = POOL_BYTES;
let fd: number | undefined;
let noDevice = false;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function refill(): boolean {
  if (noDevice) return false;
  try {
    fd ??= fs.openSync('/dev/urandom', 'r');
    pool ??= Buffer.allocUnsafe(POOL_BYTES);
    let n = 0;
    while (n < POOL_BYTES) n += fs.readSync(fd, pool, n, POOL_BYTES - n, null);
    used = 0;
    return true;
  } catch {
    noDevice = true;
    return false;
  }
}

/** A random RFC 4122 version-4 UUID, lower-case, as crypto.randomUUID() gives. */
export function randomUuid(): string {
  if (used === POOL_BYTES && !refill()) return lazyNode.crypto().randomUUID();
  const b = pool!;
  const o = used;
  used += 16;
  b[o + 6] = (b[o + 6]! & 0x0f) | 0x40;
  b[o + 8] = (b[o + 8]! & 0x3f) | 0x80;
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[b[o + i]!];
  }
  // Used bytes are not left behind for anything that can read the pool's memory.
  b.fill(0, o, o + 16);
  return s;
}
