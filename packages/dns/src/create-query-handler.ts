import { DnsQueryHandler } from './dns-query-handler.js';
import { resolveDnsOptions, type DnsServerOptions } from './options.js';
import type { DnsTransport } from './transport.js';

/** The socket-free core of the server: one query message in, one reply message (or nothing) out. */
export interface DnsQueryHandlerApi {
  /** A Buffer when answered from cache, a Promise otherwise; undefined means "drop the packet". */
  handle(message: Buffer, transport: DnsTransport): Buffer | undefined | Promise<Buffer | undefined>;
  close(): void;
}

/** Builds the query handler the server uses, without sockets (`host`/`port` are ignored). */
export function createDnsQueryHandler(options: DnsServerOptions): DnsQueryHandlerApi {
  return new DnsQueryHandler(resolveDnsOptions(options));
}
