// Ports for the processes a test starts. A port the kernel hands out for listen(0) lies in the ephemeral range
// (32768-60999 on Linux), the same range it picks outgoing connections' local ports from, so between the test
// choosing it and the child binding it, any connect() on the machine can take it ("address already in use").
// Ports below the ephemeral range are never chosen for outgoing connections. Each vitest worker (and each
// other process) claims its own block of them (a lock file per block, see claimBlock), and every port is checked
// free for TCP and UDP before use.
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BLOCK = 400;
const FIRST = 10000;

function ephemeralStart() {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

const blocks = Math.max(1, Math.floor((ephemeralStart() - FIRST) / BLOCK));
const LOCKS = join(tmpdir(), 'conclave-port-blocks');

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/**
 * Claims a block for this process: a lock file per block (O_EXCL) naming the owner's pid, so vitest runs in two
 * checkouts at once (or a test next to a running benchmark) never share ports; a dead owner's lock is taken
 * over. Vitest numbers its workers from 1: the search starts at the worker's own block.
 */
function claimBlock() {
  mkdirSync(LOCKS, { recursive: true });
  const first = (Number(process.env.VITEST_POOL_ID) || process.pid) % blocks;
  for (let i = 0; i < blocks; i++) {
    const slot = (first + i) % blocks;
    const lock = join(LOCKS, String(slot));
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
    } catch {
      const owner = Number(readFileSync(lock, 'utf8')) || 0;
      if (owner === process.pid) return slot;
      if (owner > 0 && alive(owner)) continue;
      try {
        unlinkSync(lock);
        writeFileSync(lock, String(process.pid), { flag: 'wx' });
      } catch {
        continue; // another process took it over first
      }
    }
    process.once('exit', () => {
      try {
        if (Number(readFileSync(lock, 'utf8')) === process.pid) unlinkSync(lock);
      } catch {
        // already gone
      }
    });
    return slot;
  }
  return first; // every block is held by a live process: share, as before
}

const base = FIRST + claimBlock() * BLOCK;
let next = 0;

function tcpFree(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function udpFree(port) {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    sock.once('error', () => resolve(false));
    sock.bind(port, '127.0.0.1', () => sock.close(() => resolve(true)));
  });
}

/** A port on 127.0.0.1 free for TCP and UDP, from this process's block below the ephemeral range. */
export async function freePort() {
  for (let tries = 0; tries < BLOCK; tries++) {
    const port = base + (next++ % BLOCK);
    if ((await tcpFree(port)) && (await udpFree(port))) return port;
  }
  throw new Error(`no free port in ${base}-${base + BLOCK - 1}`);
}
