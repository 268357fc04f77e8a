/** Structured logger the DNS server writes to: one line per event, fields as an object. */
export interface DnsLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const noop = (): void => {};

/** The default: log nothing. */
export const silentDnsLogger: DnsLogger = { debug: noop, info: noop, warn: noop, error: noop };
