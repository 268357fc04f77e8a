// The one place errors become HTTP answers.
import { describe, expect, it } from 'vitest';
import { DecodeError, NotFoundError, RefusedError } from '@conclave/toolkit';
import { LogFailedError, NoLeaderError, NoServersError, NotLeaderError } from '@conclave/state';
import { ApiError, UserEventError, errorAnswer } from '../src/index.js';

describe('errorAnswer', () => {
  it("answers the log's typed errors 500 with Consul's words, as expected errors", () => {
    expect(errorAnswer(new NoLeaderError())).toEqual({ status: 500, message: 'No cluster leader', expected: true });
    expect(errorAnswer(new NotLeaderError())).toEqual({ status: 500, message: 'No cluster leader', expected: true });
    expect(errorAnswer(new NoServersError())).toEqual({ status: 500, message: 'No known Consul servers', expected: true });
    expect(errorAnswer(new LogFailedError('disk full'))).toEqual({ status: 500, message: 'disk full', expected: true });
  });

  it('answers ApiError as it says, decode errors 400, refused events 500, anything else 500 unexpected', () => {
    expect(errorAnswer(new ApiError(404, 'gone'))).toEqual({ status: 404, message: 'gone', expected: true });
    expect(errorAnswer(new DecodeError('bad body'))).toMatchObject({ status: 400, expected: true });
    expect(errorAnswer(new UserEventError('too big'))).toEqual({ status: 500, message: 'too big', expected: true });
    expect(errorAnswer(new Error('boom'))).toEqual({ status: 500, message: 'boom', expected: false });
    expect(errorAnswer('weird')).toEqual({ status: 500, message: 'weird', expected: false });
  });

  it('answers the request-error kinds lower packages throw: not found 404, refused 500, both expected', () => {
    expect(errorAnswer(new NotFoundError('Unknown service ID "x"'))).toEqual({ status: 404, message: 'Unknown service ID "x"', expected: true });
    expect(errorAnswer(new RefusedError('Failed to join 10.0.0.9'))).toEqual({ status: 500, message: 'Failed to join 10.0.0.9', expected: true });
    // Subclasses keep their kind: health's and the agent's own errors answer as Consul does without a mapping of their own.
    class TtlMissing extends RefusedError {}
    expect(errorAnswer(new TtlMissing('CheckID "c" does not have associated TTL')).status).toBe(500);
  });
});
