/**
 * Seeded PRNG (mulberry32 over a splitmix-scrambled seed). The core takes randomness only as an injected
 * function, so a simulator run is a pure function of its seed.
 */
export type RandomSource = () => number;

export function seededRandom(seed: number): RandomSource {
  let s = (seed ^ 0x9e3779b9) >>> 0;
  s = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
  s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35) >>> 0;
  s = (s ^ (s >>> 16)) >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed from the OS's CSPRNG: RaftNode's default random source is seeded with it when none is injected. */
export function cryptoSeed(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0];
}
