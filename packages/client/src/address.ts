// Where the agent's HTTP API is, resolved as Consul's CLI does: the -http-addr flag, else CONSUL_HTTP_ADDR, else
// 127.0.0.1:8500. Forms: `host:port`, `http://host:port`, `https://host:port`, `unix:///path/to.sock`.
// CONSUL_HTTP_SSL=true switches a scheme-less or http:// address to https (Consul never downgrades https).
import { joinHostPort, parseGoBool, splitHostOptionalPort } from '@conclave/toolkit';
import { ConsulConfigError } from './errors.js';

export const DEFAULT_HTTP_ADDRESS = '127.0.0.1:8500';

export interface HttpAddress {
  scheme: 'http' | 'https';
  /** Host name or IP (IPv6 without brackets); for a unix socket, `localhost`. */
  host: string;
  port: number;
  /** Set for `unix://` addresses. */
  socketPath?: string;
  /** Base URL used in messages: `http://127.0.0.1:8500`, or `http://unix/path.sock` style for sockets. */
  display: string;
}

type Env = Record<string, string | undefined>;

export function resolveHttpAddress(flag?: string, env: Env = process.env): HttpAddress {
  const raw = (flag !== undefined && flag !== '' ? flag : env.CONSUL_HTTP_ADDR) || DEFAULT_HTTP_ADDRESS;
  const ssl = parseEnvBool(env.CONSUL_HTTP_SSL, 'CONSUL_HTTP_SSL') ?? false;
  return parseHttpAddress(raw, ssl);
}

export function parseHttpAddress(raw: string, ssl = false): HttpAddress {
  const text = raw.trim();
  let scheme: 'http' | 'https' = ssl ? 'https' : 'http';
  let rest = text;
  const sep = text.indexOf('://');
  if (sep >= 0) {
    const proto = text.slice(0, sep).toLowerCase();
    rest = text.slice(sep + 3);
    if (proto === 'unix') {
      if (rest === '') throw new ConsulConfigError(`invalid HTTP address "${raw}": unix:// needs a socket path`);
      return { scheme, host: 'localhost', port: 0, socketPath: rest, display: `${scheme}://unix${rest.startsWith('/') ? '' : '/'}${rest}` };
    }
    if (proto === 'https') scheme = 'https';
    else if (proto !== 'http') throw new ConsulConfigError(`Unknown protocol scheme: ${proto}`);
  }
  rest = rest.replace(/\/+$/, '');
  if (rest === '' || rest.includes('/')) {
    throw new ConsulConfigError(`invalid HTTP address "${raw}": expected host:port, http://host:port, https://host:port or unix:///path`);
  }
  if (!rest.startsWith('[') && rest.split(':').length > 2) {
    // A bare IPv6 address would be ambiguous with a port (`::1:8500`).
    throw new ConsulConfigError(`invalid HTTP address "${raw}": put IPv6 addresses in brackets, e.g. [::1]:8500`);
  }
  let host: string;
  let portText: string | undefined;
  try {
    ({ host, port: portText } = splitHostOptionalPort(rest));
  } catch (e) {
    throw new ConsulConfigError(`invalid HTTP address "${raw}": ${(e as Error).message}`);
  }
  if (host === '') throw new ConsulConfigError(`invalid HTTP address "${raw}": missing host`);
  let port = scheme === 'https' ? 443 : 80;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
      throw new ConsulConfigError(`invalid HTTP address "${raw}": port "${portText}" is not a number in 0..65535`);
    }
    port = Number(portText);
  }
  return { scheme, host, port, display: `${scheme}://${joinHostPort(host, port)}` };
}

/** Go strconv.ParseBool for environment switches; undefined when unset or empty. */
export function parseEnvBool(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  const b = parseGoBool(value);
  if (b !== undefined) return b;
  throw new ConsulConfigError(`could not parse ${name}=${JSON.stringify(value)} as a boolean (use true or false)`);
}
