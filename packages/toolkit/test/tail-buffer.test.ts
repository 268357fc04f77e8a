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
