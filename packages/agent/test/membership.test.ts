import { describe, expect, it } from 'vitest';
import { MemberStatusCode, memberStatusCode } from '../src/membership.js';

describe('memberStatusCode', () => {
  it("maps gossip's states to Serf's numbers, a suspect member still alive (1)", () => {
    expect(memberStatusCode('alive')).toBe(MemberStatusCode.alive);
    expect(memberStatusCode('suspect')).toBe(1);
    expect(memberStatusCode('leaving')).toBe(2);
    expect(memberStatusCode('left')).toBe(3);
    expect(memberStatusCode('failed')).toBe(4);
  });
});
