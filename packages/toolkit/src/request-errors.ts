// What went wrong with a request, by kind, for code below the front ends: a package throws the kind, and the
// front end (http-api's errorAnswer) alone decides the answer (NotFoundError 404; RefusedError 500, as Consul
// answers a request it understood but will not carry out). DecodeError (decode-error.ts) is the third kind:
// input that does not decode or validate, answered 400.

/** The request names something that does not exist (an unknown service or check ID). */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** The request was understood and cannot be carried out (configuration forbids it, a peer refused, the thing
 * is in the wrong state). An expected outcome, not a bug: front ends answer it without logging an error. */
export class RefusedError extends Error {
  override name = 'RefusedError';
}

/** A rate limit of this agent refused the request (Consul: `RPC rate limit exceeded`, 429). Expected, not logged. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
}
