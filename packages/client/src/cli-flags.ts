// The HTTP flags every Consul CLI command shares, and the client they configure, so that each binary
// (`conclave`, `conclave-watch`, ...) reads -http-addr, -token, TLS files and -datacenter/-stale the same way.
import { ConsulClient } from './consul-client.js';
import type { FlagSpecs, ParsedFlags } from './flags.js';

export const CLIENT_FLAGS: FlagSpecs = {
  'http-addr': { kind: 'string', usage: 'The address and port of the Consul HTTP agent. Can also be set with CONSUL_HTTP_ADDR. Default 127.0.0.1:8500.' },
  token: { kind: 'string', usage: 'ACL token to use in the request. Can also be set with CONSUL_HTTP_TOKEN.' },
  'token-file': { kind: 'string', usage: 'File containing the ACL token to use in the request. Can also be set with CONSUL_HTTP_TOKEN_FILE.' },
  'ca-file': { kind: 'string', usage: 'Path to a CA file to use for TLS. Can also be set with CONSUL_CACERT.' },
  'ca-path': { kind: 'string', usage: 'Path to a directory of CA certificates to use for TLS. Can also be set with CONSUL_CAPATH.' },
  'client-cert': { kind: 'string', usage: 'Path to a client cert file to use for TLS. Can also be set with CONSUL_CLIENT_CERT.' },
  'client-key': { kind: 'string', usage: 'Path to a client key file to use for TLS. Can also be set with CONSUL_CLIENT_KEY.' },
  'tls-server-name': { kind: 'string', usage: 'The server name to use as the SNI host when connecting via TLS. Can also be set with CONSUL_TLS_SERVER_NAME.' },
};

export const SERVER_FLAGS: FlagSpecs = {
  datacenter: { kind: 'string', usage: 'Name of the datacenter to query. If unspecified, this will default to the datacenter of the queried agent.' },
  stale: { kind: 'bool', usage: 'Permit any Consul server (non-leader) to respond to this request.' },
};

/** A client configured from parsed CLIENT_FLAGS/SERVER_FLAGS (unset flags fall back to the environment `env`). */
export function clientFromFlags(values: ParsedFlags['values'], env: Record<string, string | undefined> = process.env): ConsulClient {
  const str = (name: string) => (typeof values[name] === 'string' && values[name] !== '' ? (values[name] as string) : undefined);
  return new ConsulClient({
    address: str('http-addr'),
    token: str('token'),
    tokenFile: str('token-file'),
    datacenter: str('datacenter'),
    consistency: values.stale === true ? 'stale' : 'default',
    tls: { caFile: str('ca-file'), caPath: str('ca-path'), certFile: str('client-cert'), keyFile: str('client-key'), serverName: str('tls-server-name') },
    env,
  });
}
