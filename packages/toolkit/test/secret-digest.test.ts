import { describe, expect, it } from 'vitest';
import { constantTimeEqual, secretDigest, sha256Base64 } from '../src/index.js';

describe('constantTimeEqual', () => {
  it('is string equality', () => {
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'xbc')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('é', 'e')).toBe(false);
  });
});

describe('secretDigest', () => {
  it('is the SHA-256 of the secret, with or without a connection', () => {
    const conn = {};
    for (const s of ['a', 'b', 'a', '', 'b']) {
      expect(secretDigest(s)).toBe(sha256Base64(s));
      expect(secretDigest(s, conn)).toBe(sha256Base64(s));
    }
  });

  it('keeps one memo per connection: another connection or another secret is hashed afresh', () => {
    const one = {};
    const two = {};
    expect(secretDigest('11111111-aaaa', one)).toBe(sha256Base64('11111111-aaaa'));
    expect(secretDigest('22222222-bbbb', two)).toBe(sha256Base64('22222222-bbbb'));
    expect(secretDigest('22222222-bbbb', one)).toBe(sha256Base64('22222222-bbbb'));
    expect(secretDigest('11111111-aaaa', two)).toBe(sha256Base64('11111111-aaaa'));
    // Same length, one character apart: never the memo of the other.
    expect(secretDigest('11111111-aaab', two)).toBe(sha256Base64('11111111-aaab'));
  });
});
