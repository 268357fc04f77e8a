import { describe, expect, it } from 'vitest';
import { MessageType } from '../src/types.js';
import { invalidMessage } from '../src/validate.js';

describe('invalidMessage', () => {
  const ok = { type: MessageType.App, from: 'a', to: 'b', term: 2, index: 1, logTerm: 1, commit: 1, entries: [{ index: 2, term: 2, type: 0, data: new Uint8Array(1) }] };

  it('accepts well-formed messages', () => {
    expect(invalidMessage(ok)).toBeUndefined();
    expect(invalidMessage({ type: MessageType.Snap, from: 'a', to: 'b', term: 1, snapshot: { meta: { index: 5, term: 1, conf: { voters: ['a'], learners: [] } }, data: new Uint8Array(3) } })).toBeUndefined();
  });

  it('names what is wrong with a malformed one', () => {
    expect(invalidMessage(null)).toBe('not an object');
    expect(invalidMessage({ ...ok, type: 99 })).toBe('bad type');
    expect(invalidMessage({ ...ok, from: '' })).toBe('bad from/to');
    expect(invalidMessage({ ...ok, term: -1 })).toBe('bad term');
    expect(invalidMessage({ ...ok, commit: 1.5 })).toBe('bad commit');
    expect(invalidMessage({ ...ok, entries: 'x' })).toBe('entries not an array');
    expect(invalidMessage({ ...ok, entries: [{ index: 2, term: 2, type: 0, data: 'no' }] })).toBe('bad entry');
    expect(invalidMessage({ ...ok, entries: [ok.entries[0], { ...ok.entries[0], index: 4 }] })).toBe('entries not contiguous');
    expect(invalidMessage({ ...ok, type: MessageType.Hup })).toBe('local message type');
    expect(invalidMessage({ ...ok, type: MessageType.Snap, snapshot: { meta: { index: 1 } } })).toBe('bad snapshot meta');
  });
});
