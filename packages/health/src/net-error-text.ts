// Failed network checks report Go's error text in Consul (`dial tcp 127.0.0.1:1: connect: connection refused`);
// operators and dashboards know those words, so Node's errors are translated into them where the cause is clear.
import { joinHostPort } from '@conclave/toolkit';


/** The text after `dial tcp ` for a failed connect to `target` (the address as configured). */
export function dialErrorText(err: NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string }, target: string): string {
  const where = err.address !== undefined && err.port !== undefined ? joinHostPort(err.address, err.port) : target;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${where}: connect: connection refused`;
    case 'ENETUNREACH':
      return `dial tcp ${where}: connect: network is unreachable`;
    case 'EHOSTUNREACH':
      return `dial tcp ${where}: connect: no route to host`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${err.hostname ?? target}: no such host`;
    case 'ECONNRESET':
      return `read tcp ${where}: connection reset by peer`;
    default:
      return `dial tcp ${where}: ${err.message}`;
  }
}
