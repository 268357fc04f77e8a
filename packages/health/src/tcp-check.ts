// Runs a TCP check: passing when a connection opens (optionally completing a TLS handshake), else critical.

import net from 'node:net';
import { type CheckDefinition, DEFAULT_NETWORK_TIMEOUT_NS } from './check-definition.js';
import { type CheckResult, type ProbeOptions, PROBE_ABORTED_OUTPUT } from './check-result.js';
import { lazyNode, splitHostPort, type HostPort } from '@conclave/toolkit';
import { dialErrorText } from './net-error-text.js';

export type TcpCheckSpec = Pick<CheckDefinition, 'tcp' | 'timeoutNs' | 'tcpUseTls' | 'tlsSkipVerify' | 'tlsServerName'>;

/** Where Go's net.Dial("tcp", address) would connect, or Go's error text when it would refuse the address. */
function dialTarget(address: string): { host: string; port: number } | { error: string } {
  let hp: HostPort;
  try {
    hp = splitHostPort(address);
  } catch (e) {
    return { error: `dial tcp: ${(e as Error).message}` };
  }
  if (!/^\d+$/.test(hp.port) || Number(hp.port) > 65535) return { error: `dial tcp: address ${hp.port}: invalid port` };
  // An empty host dials the local system, as in Go.
  return { host: hp.host || 'localhost', port: Number(hp.port) };
}

export function runTcpCheck(spec: TcpCheckSpec, opts: ProbeOptions = {}): Promise<CheckResult> {
  const target = spec.tcp ?? '';
  const addr = dialTarget(target);
  if ('error' in addr) return Promise.resolve({ status: 'critical', output: addr.error });
  if (opts.signal?.aborted) return Promise.resolve({ status: 'critical', output: PROBE_ABORTED_OUTPUT });
  const timeoutNs = spec.timeoutNs > 0 ? spec.timeoutNs : DEFAULT_NETWORK_TIMEOUT_NS;

  return new Promise((resolve) => {
    const socket = spec.tcpUseTls
      ? lazyNode.tls().connect({
          host: addr.host,
          port: addr.port,
          rejectUnauthorized: !spec.tlsSkipVerify,
          ...(spec.tlsServerName ? { servername: spec.tlsServerName } : {}),
        })
      : net.connect({ host: addr.host, port: addr.port });
    let settled = false;
    const finish = (result: CheckResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish({ status: 'critical', output: `dial tcp ${target}: i/o timeout` }),
      Math.max(1, Math.min(timeoutNs / 1e6, 2 ** 31 - 1)),
    );
    const onAbort = (): void => finish({ status: 'critical', output: PROBE_ABORTED_OUTPUT });
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once(spec.tcpUseTls ? 'secureConnect' : 'connect', () =>
      finish({ status: 'passing', output: `TCP connect ${target}: Success` }),
    );
    socket.on('error', (err) => finish({ status: 'critical', output: dialErrorText(err, target) }));
  });
}
