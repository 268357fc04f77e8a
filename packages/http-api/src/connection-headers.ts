// Connection-specific header fields (RFC 9113 section 8.2.2): they describe one HTTP/1.1 connection, so an HTTP/2
// answer must not carry them. node:http2 drops `Connection` with a warning and throws
// ERR_HTTP2_INVALID_CONNECTION_HEADERS for the others, after the handler thought it had answered; Go's HTTP/2
// server drops them. Headers that come from outside the endpoint (http_config.response_headers, another agent's
// answer) pass through here before an HTTP/2 answer is written.

const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** Whether `name` (any case) is a connection-specific header field. */
export function isConnectionSpecific(name: string): boolean {
  return CONNECTION_SPECIFIC.has(name.toLowerCase());
}

/** `headers` without the connection-specific fields (the same object when it has none). */
export function withoutConnectionHeaders(headers: Record<string, string>): Record<string, string> {
  let out: Record<string, string> | undefined;
  for (const name of Object.keys(headers)) {
    if (!isConnectionSpecific(name)) continue;
    out ??= { ...headers };
    delete out[name];
  }
  return out ?? headers;
}
