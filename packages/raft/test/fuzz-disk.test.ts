// Property-based fuzzing of what Raft reads back from disk: real segment files and snapshot files with random
// bytes flipped, cut off or appended, and files of pure garbage. The property: load() either succeeds with a
// log that is a prefix of what was written (the newest segment's torn tail is cut, never invented), or refuses
// with a StorageError that names the file — nothing else is thrown, and nothing is silently reordered.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzOptions } from '@conclave/test-support/fuzz';
import { DiskStorage } from '../src/disk-storage.js';
import { EntryType, StorageError, type Entry } from '../src/index.js';

const ent = (index: number, term: number): Entry => ({ index, term, type: EntryType.Normal, data: new TextEncoder().encode(`e${index}t${term}`) });

/** A directory holding a real log of `n` entries (two segments when small segments are asked for) and a snapshot. */
async function realLog(n: number, segmentBytes: number, snapshot: boolean): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'raft-fuzz-disk-'));
  const s = new DiskStorage({ dir, segmentBytes });
  await s.load();
  for (let i = 1; i <= n; i++) await s.append([ent(i, 1)], { term: 1, vote: 'a', commit: i - 1 }, false);
  if (snapshot) await s.saveSnapshot({ meta: { index: 2, term: 1, conf: { voters: ['a'], learners: [] } }, data: new TextEncoder().encode('state') });
  await s.close();
  return dir;
}

const damage = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant('replace' as const), bytes: fc.uint8Array({ maxLength: 256 }) }),
);

type Damage = typeof damage extends fc.Arbitrary<infer T> ? T : never;

function apply(path: string, d: Damage): void {
  const buf = readFileSync(path);
  switch (d.kind) {
    case 'flip':
      if (buf.length > 0) buf[d.at % buf.length]! ^= d.bits;
      writeFileSync(path, buf);
      return;
    case 'cut':
      writeFileSync(path, buf.subarray(0, buf.length === 0 ? 0 : d.at % buf.length));
      return;
    case 'append':
      writeFileSync(path, Buffer.concat([buf, d.bytes]));
      return;
    case 'replace':
      writeFileSync(path, d.bytes);
  }
}

describe('DiskStorage reading damaged files', () => {
  // Found by this suite (seed 5): the snapshot header's metadata length is outside the checksum, and a damaged
  // one reached JSON.parse, which threw a SyntaxError instead of the StorageError naming the file.
  it('regression: a snapshot with a damaged metadata length is refused as damaged', async () => {
    const dir = await realLog(3, 1 << 20, true);
    try {
      const path = join(dir, 'snapshot.snap');
      const buf = readFileSync(path);
      buf[4]! ^= 0x91;
      writeFileSync(path, buf);
      await expect(new DiskStorage({ dir }).load()).rejects.toThrow(StorageError);
      await expect(new DiskStorage({ dir }).load()).rejects.toThrow(/snapshot\.snap is damaged: its metadata/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads a prefix of what was written, or refuses with a StorageError naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), fc.boolean(), fc.boolean(), fc.array(fc.tuple(fc.nat(), damage), { minLength: 1, maxLength: 3 }), async (n, small, snap, damages) => {
        const dir = await realLog(n, small ? 96 : 1 << 20, snap);
        try {
          const files = readdirSync(dir).filter((f) => /\.seg$|snap/.test(f)).sort();
          for (const [which, d] of damages) apply(join(dir, files[which % files.length]!), d);
          const s = new DiskStorage({ dir });
          try {
            const st = await s.load();
            // Whatever survives is in order, contiguous, and exactly what was written at those indexes.
            for (let i = 1; i < st.entries.length; i++) expect(st.entries[i]!.index).toBe(st.entries[i - 1]!.index + 1);
            for (const e of st.entries) {
              expect(e.index).toBeLessThanOrEqual(n);
              expect(new TextDecoder().decode(e.data)).toBe(`e${e.index}t1`);
            }
          } catch (err) {
            expect(err).toBeInstanceOf(StorageError);
            expect((err as Error).message).toMatch(new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
          } finally {
            await s.close().catch(() => undefined);
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      fuzzOptions(150),
    );
  }, 120_000);
});
