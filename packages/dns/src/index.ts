export type { DnsDataSource, DnsServiceInstance, DnsNode, DnsHealth, MaybePromise, DnsPreparedQueryAnswer } from './data-source.js';
export type { DnsServerOptions, DnsSoaOptions, RecursorStrategy, RecursorAddress } from './options.js';
export { parseRecursor } from './options.js';
export type { DnsTransport } from './transport.js';
export { DnsConfigError } from './errors.js';
export { createDnsServer, type DnsServer, type DnsReloadableOptions } from './dns-server.js';
export { createDnsQueryHandler, type DnsQueryHandlerApi } from './create-query-handler.js';
export { ipToHex, hexToIp } from './ip-address.js';
