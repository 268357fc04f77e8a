import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SnapshotArchiveError, StateMachine, buildSnapshotArchive, readSnapshotArchive } from '../src/index.js';

describe('snapshot archives', () => {
  it('round-trips the state through a verified gzipped tar', () => {
    const sm = new StateMachine();
    sm.apply({ type: 'kv.set', Key: 'a', Value: new TextEncoder().encode('1'), Flags: '16210313421097356768' }, 1);
    const archive = buildSnapshotArchive(sm.snapshot(), sm.lastIndex);
    const tar = gunzipSync(archive).toString('latin1');
    expect(tar).toContain('meta.json');
    expect(tar).toContain('SHA256SUMS');
    const { meta, state } = readSnapshotArchive(archive);
    expect(meta).toMatchObject({ Index: 1, Version: 1 });
    const copy = new StateMachine();
    copy.restore(state);
    expect(copy.kv.get('a').value?.Flags).toBe('16210313421097356768');
  });

  it('refuses damaged and foreign archives', () => {
    const archive = buildSnapshotArchive(new StateMachine().snapshot(), 0);
    const tar = gunzipSync(archive);
    const dataAt = tar.indexOf(Buffer.from('state.bin')) + 512;
    const flipped = Buffer.from(tar);
    flipped[dataAt] ^= 0xff;
    expect(() => readSnapshotArchive(gzipSync(flipped))).toThrow(/checksum mismatch for state.bin/);
    expect(() => readSnapshotArchive(Buffer.from('not gzip'))).toThrow(SnapshotArchiveError);
    expect(() => readSnapshotArchive(gzipSync(tar.subarray(0, 700)))).toThrow(SnapshotArchiveError);
  });

  it('restores through the log at an index, like any command', () => {
    const src = new StateMachine();
    src.apply({ type: 'kv.set', Key: 'k', Value: null, Flags: '0' }, 1);
    const dst = new StateMachine();
    dst.apply({ type: 'kv.set', Key: 'other', Value: null, Flags: '0' }, 1);
    expect(dst.apply({ type: 'snapshot.restore', State: src.snapshot() }, 2)).toBe(true);
    expect(dst.lastIndex).toBe(2);
    expect(dst.kv.keys('', '').value).toEqual(['k']);
    expect(dst.apply({ type: 'snapshot.restore', State: new Uint8Array([1, 2, 3]) }, 3)).toMatchObject({ error: expect.any(String) });
    expect(dst.kv.keys('', '').value).toEqual(['k']);
  });
});
