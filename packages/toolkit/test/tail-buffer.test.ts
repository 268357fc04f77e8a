import { describe, expect, it } from 'vitest';
import { TailBuffer } from '../src/index.js';

describe('TailBuffer', () => {
  it('keeps the last bytes of strings and buffers, counting all of them', () => {
    const b = new TailBuffer(8);
    b.write('hello ');
    b.write(Buffer.from('world'));
    expect(b.toString()).toBe('lo world');
    expect(b.totalWritten).toBe(11);
    expect(b.captured()).toBe('Captured 8 of 11 bytes\n...\nlo world');
  });
  it('handles wrap-around, exact fits and chunks larger than the buffer', () => {
    const b = new TailBuffer(4);
    for (const c of ['ab', 'cd', 'ef', 'g']) b.write(c);
    expect(b.toString()).toBe('defg');
    b.write('0123456789');
    expect(b.toString()).toBe('6789');
    const fit = new TailBuffer(3);
    fit.write('abc');
    expect(fit.captured()).toBe('abc');
  });
  it('keeps nothing at size 0 but still counts', () => {
    const b = new TailBuffer(0);
    b.write('abc');
    expect(b.toString()).toBe('');
    expect(b.totalWritten).toBe(3);
  });
});

describe('TailBuffer (the cases health tested)', () => {
  it('keeps the last bytes across wrap-around and counts everything', () => {
    const b = new TailBuffer(5);
    b.write(Buffer.from('ab'));
    expect(b.captured()).toBe('ab');
    b.write(Buffer.from('cde'));
    expect(b.captured()).toBe('abcde');
    b.write(Buffer.from('fg'));
    expect(b.toString()).toBe('cdefg');
    expect(b.captured()).toBe('Captured 5 of 7 bytes\n...\ncdefg');
    b.write(Buffer.from('0123456789'));
    expect(b.toString()).toBe('56789');
    expect(b.totalWritten).toBe(17);
    for (const ch of 'xyz') b.write(Buffer.from(ch));
    expect(b.toString()).toBe('89xyz');
  });

  it('matches a plain slice for any sequence of writes', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const size = 1 + rand(20);
      const b = new TailBuffer(size);
      let all = '';
      for (let i = 0; i < 10; i++) {
        const chunk = 'abcdefghijklmnopqrstuvwxyz'.slice(0, rand(30));
        b.write(Buffer.from(chunk));
        all += chunk;
        expect(b.toString()).toBe(all.slice(-size));
      }
    }
  });
});
