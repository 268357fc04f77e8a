import { describe, expect, it } from 'vitest';
import { randomUuid } from '../src/random-uuid.js';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('randomUuid', () => {
  it('gives version-4 UUIDs in crypto.randomUUID form, across many pool refills, never twice', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = randomUuid();
      expect(id).toMatch(V4);
      seen.add(id);
    }
    expect(seen.size).toBe(5000);
  });

  it('uses every random bit outside the version and variant fields', () => {
    // Over 2,000 UUIDs each of the 122 random bits is set in some and clear in others (a stuck bit, a byte
    // reused or a pool read short would show as a constant position).
    const ones = new Array<number>(128).fill(0);
    const n = 2000;
    for (let i = 0; i < n; i++) {
      const hex = randomUuid().replaceAll('-', '');
      for (let b = 0; b < 128; b++) if ((parseInt(hex[b >> 2]!, 16) >> (3 - (b & 3))) & 1) ones[b]!++;
    }
    const fixed = new Set([48, 49, 50, 51, 64, 65]);
    for (let b = 0; b < 128; b++) {
      if (fixed.has(b)) continue;
      expect(ones[b]!).toBeGreaterThan(n * 0.4);
      expect(ones[b]!).toBeLessThan(n * 0.6);
    }
    expect([ones[48], ones[49], ones[50], ones[51], ones[64], ones[65]]).toEqual([0, n, 0, 0, n, 0]);
  });
});
