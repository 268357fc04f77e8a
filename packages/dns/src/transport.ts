/** The transport a query arrived on; it decides the reply's byte budget. */
export type DnsTransport = 'udp' | 'tcp';
