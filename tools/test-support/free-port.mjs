// Ports for the processes a test starts. A port the kernel hands out for listen(0) lies in the ephemeral range
// (32768-60999 on Linux), the same range it picks outgoing connections' local ports from, so between the test
// choosing it and the child binding it, any connect() on the machine can take it ("address already in use").
// Ports below the ephemeral range are never chosen for outgoing connections. Each vitest worker (and each
// other process) takes its own block of them, and every port is checked free for TCP and UDP before use.
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';

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
// Vitest numbers its workers from 1; other processes fall back on their pid.
const slot = (Number(process.env.VITEST_POOL_ID) || process.pid) % blocks;
const base = FIRST + slot * BLOCK;
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
