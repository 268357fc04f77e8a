// Typed errors of the client. Messages follow Consul's Go api package, because CLI users and scripts match on them.

/** The agent answered with a non-2xx status; `body` is Consul's plain-text error, verbatim. */
export class ConsulHttpError extends Error {
  override name = 'ConsulHttpError';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`Unexpected response code: ${status} (${body})`);
  }
}

/** The request never got an HTTP answer: refused, reset, timed out, DNS failure, aborted. */
export class ConsulConnectionError extends Error {
  override name = 'ConsulConnectionError';
  constructor(
    readonly method: string,
    readonly url: string,
    readonly reason: string,
    readonly code?: string,
  ) {
    // Go's net/http spells the operation "Get", "Put", … in its url.Error text.
    super(`${method.charAt(0)}${method.slice(1).toLowerCase()} "${url}": ${reason}`);
  }
}

/** Bad client configuration: an unparsable address, an unreadable token file, an out-of-range flag value. */
export class ConsulConfigError extends Error {
  override name = 'ConsulConfigError';
}

/** The agent answered 2xx but the body is not what the endpoint returns (not JSON, wrong shape). */
export class ConsulDecodeError extends Error {
  override name = 'ConsulDecodeError';
}
