import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { runTcpCheck } from '@conclave/health';

let listener: net.Server;
let port: number;
let closedPort: number;
let accepted = 0;

beforeAll(async () => {
  listener = net.createServer((socket) => {
    accepted++;
    socket.on('error', () => {});
    socket.resume();
    socket.end();
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  port = (listener.address() as AddressInfo).port;
  const other = net.createServer();
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  closedPort = (other.address() as AddressInfo).port;
  await new Promise((r) => other.close(r));
});

afterAll(async () => {
  await new Promise((r) => listener.close(r));
});

const base = { timeoutNs: 0, tcpUseTls: false, tlsSkipVerify: false };

describe('runTcpCheck', () => {
  it('a listening port is passing', async () => {
    const before = accepted;
    const r = await runTcpCheck({ ...base, tcp: `127.0.0.1:${port}` });
    expect(r).toEqual({ status: 'passing', output: `TCP connect 127.0.0.1:${port}: Success` });
    // The listener really saw the connection.
    await waitFor('the listener to accept', () => accepted > before, { timeoutMs: 10_000 });
    expect(accepted).toBe(before + 1);
  });

  it('a closed port is critical with Go\'s words', async () => {
    expect(await runTcpCheck({ ...base, tcp: `127.0.0.1:${closedPort}` })).toEqual({
      status: 'critical',
      output: `dial tcp 127.0.0.1:${closedPort}: connect: connection refused`,
    });
  });

  it('an address without a port is critical, not thrown', async () => {
    expect(await runTcpCheck({ ...base, tcp: 'localhost' })).toEqual({
      status: 'critical',
      output: 'dial tcp: address localhost: missing port in address',
    });
  });

  it('a TLS handshake against a plain TCP listener fails', async () => {
    const r = await runTcpCheck({ ...base, tcp: `127.0.0.1:${port}`, tcpUseTls: true, tlsSkipVerify: true });
    expect(r.status).toBe('critical');
  });
});

describe('addresses', () => {
  it("refuses what Go's net.Dial refuses, with Go's words", async () => {
    const out = async (tcp: string) => (await runTcpCheck({ ...base, tcp })).output;
    expect(await out('::1:80')).toBe('dial tcp: address ::1:80: too many colons in address');
    expect(await out('host:99999')).toBe('dial tcp: address 99999: invalid port');
    expect(await out('[::1]80')).toBe('dial tcp: address [::1]80: missing port in address');
  });
  it('dials [v6]:port and, for an empty host, the local system', async () => {
    expect((await runTcpCheck({ ...base, tcp: `:${port}` })).status).toBe('passing');
    expect((await runTcpCheck({ ...base, tcp: `[::1]:${closedPort}` })).status).toBe('critical');
  });
});
