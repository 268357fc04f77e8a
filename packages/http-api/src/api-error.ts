// Errors as HTTP answers. Endpoints throw ApiError for Consul's error answers; everything else that reaches the
// HTTP layer (the log's typed errors, decode errors, the agent's errors) is mapped to a status here and only
// here.
import { DecodeError, NotFoundError, RateLimitedError, RefusedError } from '@conclave/toolkit';

/** An error with the HTTP status and the plain-text body Consul would answer with. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ErrorAnswer {
  status: number;
  message: string;
  /** False for errors nobody meant to throw (bugs, I/O failures): the agent logs those. */
  expected: boolean;
}

/** The one mapping from an error to Consul's answer: ApiError as it says, a decode error 400, NotFoundError 404,
 * RefusedError 500 — the log's typed errors (`No cluster leader`, `No known Consul servers`, ...), refused user
 * events and the agent's refusals are all RefusedErrors, expected and not logged as failures — anything else 500,
 * logged. */
export function errorAnswer(err: unknown): ErrorAnswer {
  if (err instanceof ApiError) return { status: err.status, message: err.message, expected: true };
  if (err instanceof DecodeError) return { status: 400, message: err.message, expected: true };
  if (err instanceof NotFoundError) return { status: 404, message: err.message, expected: true };
  if (err instanceof RefusedError) return { status: 500, message: err.message, expected: true };
  if (err instanceof RateLimitedError) return { status: 429, message: err.message, expected: true };
  return { status: 500, message: err instanceof Error ? err.message : String(err), expected: false };
}
