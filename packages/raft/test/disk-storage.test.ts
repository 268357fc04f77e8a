import { constants, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskStorage } from '../src/disk-storage.js';
import { MemoryStorage } from '../src/memory-storage.js';
import { EntryType, StorageError, type Entry } from '../src/index.js';
import { silentLogger } from '../src/logger.js';
import { lineLogger } from './line-logger.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'raft-disk-'));
  dirs.push(d);
  return d;
}
const opened: DiskStorage[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ent = (index: number, term: number, s = `e${index}t${term}`): Entry => ({ index, term, type: EntryType.Normal, data: new TextEncoder().encode(s) });
const txt = (e: Entry) => new TextDecoder().decode(e.data);
const segs = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.seg')).sort();

async function reopen(dir: string, logs: string[] = [], segmentBytes?: number) {
  const s = new DiskStorage({ dir, logger: lineLogger(logs), segmentBytes });
  opened.push(s);
  const st = await s.load();
  return { s, st };
}

describe('DiskStorage', () => {
  it('round-trips entries and hard state, and a rewritten index replaces the suffix', async () => {
    const dir = tmp();
    const { s } = await reopen(dir);
    await s.append([ent(1, 1), ent(2, 1), ent(3, 1)], { term: 1, vote: 'a', commit: 1 }, true);
    await s.append([ent(2, 2, 'new2')], { term: 2, vote: 'b', commit: 1 }, true);
    await s.close();
    const { s: s2, st } = await reopen(dir);
    expect(st.entries.map((e) => [e.index, e.term])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(txt(st.entries[1])).toBe('new2');
    expect(st.hardState).toEqual({ term: 2, vote: 'b', commit: 1 });
    await s2.close();
  });

  it('truncates a torn tail at start, logs it, and keeps working', async () => {
    const dir = tmp();
    const { s } = await reopen(dir);
    for (let i = 1; i <= 10; i++) await s.append([ent(i, 1)], { term: 1, vote: '', commit: i - 1 }, true);
    await s.close();
    const file = join(dir, segs(dir)[0]);
    truncateSync(file, statSync(file).size - 5); // the last record is cut in half
    const logs: string[] = [];
    const { s: s2, st } = await reopen(dir, logs);
    expect(st.entries.map((e) => e.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(st.hardState?.commit).toBe(8); // the last hard state record was the torn one
    expect(logs.join('\n')).toMatch(/truncating torn\/corrupt tail .* \(length beyond end\)/);
    await s2.append([ent(11, 1)], { term: 1, vote: '', commit: 10 }, true);
    await s2.close();
    const { st: st3 } = await reopen(dir);
    expect(st3.entries).toHaveLength(11);
    expect(st3.hardState?.commit).toBe(10);
  });

  it.runIf(process.platform === 'linux')('writes its segments through O_DSYNC descriptors, also after rolling to a new segment', async () => {
    // One write per append is the whole durability story (no separate fdatasync): check the kernel's view of
    // every descriptor the storage holds on a segment.
    const flagsOf = (dir: string) =>
      readdirSync('/proc/self/fd').flatMap((fd) => {
        let target = '';
        try {
          target = readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          return [];
        }
        if (!target.startsWith(dir) || !target.endsWith('.seg')) return [];
        const flags = /flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
        return [Number.parseInt(flags ?? '0', 8)];
      });
    const dir = tmp();
    const { s } = await reopen(dir, [], 200);
    await s.append([ent(1, 1)], { term: 1, vote: '', commit: 0 }, true);
    expect(flagsOf(dir)).toHaveLength(1);
    for (const f of flagsOf(dir)) expect(f & constants.O_DSYNC).toBe(constants.O_DSYNC);
    for (let i = 2; i <= 30; i++) await s.append([ent(i, 1)], undefined, true);
    expect(segs(dir).length).toBeGreaterThan(2);
    expect(flagsOf(dir)).toHaveLength(1);
    for (const f of flagsOf(dir)) expect(f & constants.O_DSYNC).toBe(constants.O_DSYNC);
    await s.close();
    const { st } = await reopen(dir);
    expect(st.entries.map((e) => e.index)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (const f of flagsOf(dir)) expect(f & constants.O_DSYNC).toBe(constants.O_DSYNC);
  });

  it('cuts the log at a corrupted record (bad checksum) and garbage after the end', async () => {
    const dir = tmp();
    const { s } = await reopen(dir);
    await s.append([ent(1, 1), ent(2, 1), ent(3, 1), ent(4, 1)], { term: 1, vote: '', commit: 0 }, true);
    await s.close();
    const file = join(dir, segs(dir)[0]);
    const buf = readFileSync(file);
    // Flip one byte inside entry 3's payload.
    const at = buf.indexOf(Buffer.from('e3t1'));
    buf[at] ^= 0xff;
    writeFileSync(file, buf);
    appendFileSync(file, Buffer.from([1, 2, 3]));
    const logs: string[] = [];
    const { st } = await reopen(dir, logs);
    expect(st.entries.map((e) => e.index)).toEqual([1, 2]);
    expect(logs[0]).toMatch(/checksum mismatch/);
    expect(statSync(file).size).toBeLessThan(buf.length);
  });

  it('refuses a corrupt segment that is not the newest', async () => {
    const dir = tmp();
    const { s } = await reopen(dir, [], 200);
    for (let i = 1; i <= 30; i++) await s.append([ent(i, 1)], { term: 1, vote: '', commit: 0 }, false);
    await s.close();
    expect(segs(dir).length).toBeGreaterThan(2);
    const file = join(dir, segs(dir)[0]);
    const buf = readFileSync(file);
    buf[buf.length - 2] ^= 0xff;
    writeFileSync(file, buf);
    await expect(reopen(dir)).rejects.toThrow(StorageError);
  });

  it('rolls segments, compacts whole segments after a snapshot, and keeps the hard state', async () => {
    const dir = tmp();
    const { s } = await reopen(dir, [], 300);
    for (let i = 1; i <= 40; i++) await s.append([ent(i, 2)], i === 1 ? { term: 2, vote: 'x', commit: 0 } : undefined, false);
    const before = segs(dir).length;
    expect(before).toBeGreaterThan(3);
    await s.saveSnapshot({ meta: { index: 30, term: 2, conf: { voters: ['x'], learners: [] } }, data: new Uint8Array([7, 7]) });
    await s.compact(30);
    expect(segs(dir).length).toBeLessThan(before);
    await s.close();
    const { st } = await reopen(dir);
    expect(st.snapshot?.meta.index).toBe(30);
    expect([...st.snapshot!.data!]).toEqual([7, 7]);
    expect(st.entries.map((e) => e.index)).toEqual(Array.from({ length: 10 }, (_, i) => 31 + i));
    expect(st.hardState).toEqual({ term: 2, vote: 'x', commit: 0 });
  });

  it('a snapshot from the leader replaces the whole log, atomically', async () => {
    const dir = tmp();
    const { s } = await reopen(dir);
    await s.append([ent(1, 1), ent(2, 1), ent(3, 3), ent(4, 3), ent(5, 3)], { term: 3, vote: '', commit: 2 }, true);
    await s.installSnapshot({ meta: { index: 4, term: 4, conf: { voters: ['a'], learners: [] } }, data: new Uint8Array([1]) });
    await s.append([ent(5, 4, 'leader5')], undefined, true);
    await s.close();
    const { st } = await reopen(dir);
    expect(st.snapshot?.meta.index).toBe(4);
    expect(st.entries.map((e) => [e.index, e.term])).toEqual([[5, 4]]);
    // No snapshot file left behind as a temp.
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('installs a snapshot received into a file (streamed, never whole), and a restore prepared beside the log', async () => {
    const dir = tmp();
    const { s } = await reopen(dir);
    await s.append([ent(1, 1), ent(2, 1), ent(3, 1)], { term: 1, vote: '', commit: 3 }, true);
    const bytes = new Uint8Array(3 << 20).map((_, i) => i % 253);
    const pieces = () =>
      (async function* () {
        for (let at = 0; at < bytes.length; at += 100_000) yield bytes.subarray(at, at + 100_000);
      })();
    const conf = { voters: ['a'], learners: [] };
    await s.installSnapshot({ meta: { index: 5, term: 2, conf }, source: { size: bytes.length, open: pieces } });
    const back = async () => {
      const parts: Uint8Array[] = [];
      for await (const c of (await s.openSnapshot())!.chunks) parts.push(c);
      return Buffer.concat(parts);
    };
    expect(Buffer.compare(await back(), Buffer.from(bytes))).toBe(0);
    await s.append([ent(6, 2)], { term: 2, vote: '', commit: 6 }, true);
    // A restore on the leader: written beside the log while it goes on, then swapped in.
    const prepared = await s.prepareInstall({ index: 7, term: 2, conf }, pieces());
    const current = (await s.openSnapshot())!;
    expect(current.meta.index).toBe(5);
    await current.close();
    await prepared.commit();
    await s.append([ent(8, 2, 'after')], { term: 2, vote: '', commit: 8 }, true);
    // An aborted one leaves nothing.
    await (await s.prepareInstall({ index: 9, term: 2, conf }, pieces())).abort();
    await s.close();
    const { st } = await reopen(dir);
    expect(st.snapshot?.meta.index).toBe(7);
    expect(Buffer.compare(Buffer.from(st.snapshot!.data!), Buffer.from(bytes))).toBe(0);
    expect(st.entries.map(txt)).toEqual(['after']);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('hands a large stored snapshot out as a stream at start, after checking it; a damaged one is refused', async () => {
    const dir = tmp();
    const { s } = await reopen(dir);
    await s.append([ent(1, 1), ent(2, 1)], { term: 1, vote: '', commit: 2 }, true);
    const bytes = new Uint8Array(200_000).map((_, i) => i % 249);
    await s.saveSnapshot({ meta: { index: 2, term: 1, conf: { voters: ['a'], learners: [] } }, data: bytes });
    await s.close();
    const big = new DiskStorage({ dir, loadWholeBytes: 1000 });
    opened.push(big);
    const st = await big.load();
    expect(st.snapshot?.meta).toEqual({ index: 2, term: 1, conf: { voters: ['a'], learners: [] } });
    expect(st.snapshot?.data).toBeUndefined();
    const parts: Uint8Array[] = [];
    for await (const c of st.snapshot!.source!.open()) parts.push(c);
    expect(Buffer.compare(Buffer.concat(parts), Buffer.from(bytes))).toBe(0);
    await big.close();
    const f = join(dir, 'snapshot.snap');
    const b = readFileSync(f);
    b[b.length - 1] ^= 1;
    writeFileSync(f, b);
    await expect(new DiskStorage({ dir, loadWholeBytes: 1000 }).load()).rejects.toThrow(/checksum/);
  });

  it('entries hidden by a leader snapshot stay hidden after a later local snapshot', async () => {
    const dir = tmp();
    const { s } = await reopen(dir);
    await s.append([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => ent(i, 1, `junk${i}`)), { term: 1, vote: '', commit: 2 }, true);
    await s.installSnapshot({ meta: { index: 4, term: 3, conf: { voters: ['a'], learners: [] } }, data: new Uint8Array([1]) });
    await s.append([ent(5, 3, 'legit5')], { term: 3, vote: '', commit: 5 }, true);
    await s.saveSnapshot({ meta: { index: 5, term: 3, conf: { voters: ['a'], learners: [] } }, data: new Uint8Array([2]) });
    await s.close();
    const { st } = await reopen(dir);
    expect(st.snapshot?.meta.index).toBe(5);
    expect(st.entries).toEqual([]);
  });

  it('rejects a damaged snapshot file with a clear error', async () => {
    const dir = tmp();
    const { s } = await reopen(dir);
    await s.append([ent(1, 1)], undefined, true);
    await s.saveSnapshot({ meta: { index: 1, term: 1, conf: { voters: ['a'], learners: [] } }, data: new Uint8Array(100) });
    await s.close();
    const f = join(dir, 'snapshot.snap');
    const b = readFileSync(f);
    b[b.length - 1] ^= 1;
    writeFileSync(f, b);
    await expect(reopen(dir)).rejects.toThrow(/checksum/);
  });
});

describe('DiskStorage streamed snapshots', () => {
  const conf = { voters: ['a'], learners: [] };
  async function* parts(...ps: number[][]): AsyncGenerator<Uint8Array> {
    for (const p of ps) yield new Uint8Array(p);
  }
  async function all(it: AsyncIterable<Uint8Array>): Promise<number[]> {
    const out: number[] = [];
    for await (const c of it) out.push(...c);
    return out;
  }

  it('writes a stream in the same format saveSnapshot does, and reads it back as a stream', async () => {
    const dir = tmp();
    const { s } = await reopen(dir);
    await s.append([ent(1, 1), ent(2, 1), ent(3, 1)], { term: 1, vote: '', commit: 3 }, true);
    expect(await s.saveSnapshotStream({ index: 3, term: 1, conf }, parts([1, 2], [3], [], [4, 5, 6]))).toBe(true);
    const open = await s.openSnapshot();
    expect(open?.meta.index).toBe(3);
    expect(open?.size).toBe(6);
    expect(await all(open!.chunks)).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...(await s.readSnapshot())!.data!]).toEqual([1, 2, 3, 4, 5, 6]);
    await s.close();
    const { st } = await reopen(dir);
    expect([...st.snapshot!.data!]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('drops a streamed snapshot that a newer one (from the leader) overtook while it was written', async () => {
    const dir = tmp();
    const { s } = await reopen(dir);
    await s.append([ent(1, 1), ent(2, 1)], { term: 1, vote: '', commit: 2 }, true);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = (async function* () {
      yield new Uint8Array([9]);
      await gate;
      yield new Uint8Array([9]);
    })();
    const saving = s.saveSnapshotStream({ index: 2, term: 1, conf }, slow);
    await s.installSnapshot({ meta: { index: 10, term: 2, conf }, data: new Uint8Array([1]) });
    release();
    expect(await saving).toBe(false);
    expect((await s.readSnapshot())?.meta.index).toBe(10);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('a damaged file throws at the end of its stream, after the bytes, so it is never sent whole', async () => {
    const dir = tmp();
    const { s } = await reopen(dir);
    await s.append([ent(1, 1)], undefined, true);
    await s.saveSnapshot({ meta: { index: 1, term: 1, conf }, data: new Uint8Array(100) });
    const f = join(dir, 'snapshot.snap');
    const b = readFileSync(f);
    b[b.length - 1] ^= 1;
    writeFileSync(f, b);
    const open = await s.openSnapshot();
    await expect(all(open!.chunks)).rejects.toThrow(/checksum/);
  });
});

describe('MemoryStorage', () => {
  it('keeps appends, rewrites, snapshots and compaction', async () => {
    const m = new MemoryStorage();
    await m.append([ent(1, 1), ent(2, 1), ent(3, 1)], { term: 1, vote: '', commit: 0 }, true);
    await m.append([ent(3, 2)], undefined, true);
    await m.saveSnapshot({ meta: { index: 2, term: 1, conf: { voters: ['a'], learners: [] } }, data: new Uint8Array([1]) });
    await m.compact(2);
    const st = await m.load();
    expect(st.entries.map((e) => [e.index, e.term])).toEqual([[3, 2]]);
    expect(st.snapshot?.meta.index).toBe(2);
  });
});

describe('DiskStorage against a model', () => {
  it('matches MemoryStorage over random appends, rewrites, snapshots, installs, compactions and reopens', async () => {
    const { seededRandom } = await import('../src/index.js');
    for (let seed = 1; seed <= 12; seed++) {
      const rnd = seededRandom(seed);
      const dir = tmp();
      let disk = new DiskStorage({ dir, segmentBytes: 150 + Math.floor(rnd() * 400), logger: silentLogger });
      await disk.load();
      const model = new MemoryStorage();
      let last = 0;
      let snapIndex = 0;
      let term = 1;
      for (let op = 0; op < 80; op++) {
        const r = rnd();
        if (r < 0.55) {
          // append, sometimes rewriting a suffix (never below the snapshot)
          const start = Math.max(snapIndex + 1, last + 1 - Math.floor(rnd() * 3));
          if (rnd() < 0.2) term++;
          const n = 1 + Math.floor(rnd() * 4);
          const ents = Array.from({ length: n }, (_, i) => ent(start + i, term, `s${seed}o${op}i${i}`));
          const hs = rnd() < 0.5 ? { term, vote: rnd() < 0.5 ? '' : 'v', commit: Math.max(0, start - 1) } : undefined;
          await disk.append(ents, hs, rnd() < 0.7);
          await model.append(ents, hs, true);
          last = start + n - 1;
        } else if (r < 0.7 && last > snapIndex) {
          const idx = snapIndex + 1 + Math.floor(rnd() * (last - snapIndex));
          const snap = { meta: { index: idx, term, conf: { voters: ['a'], learners: [] } }, data: new Uint8Array([op]) };
          await disk.saveSnapshot(snap);
          await model.saveSnapshot(snap);
          snapIndex = idx;
          const to = Math.max(0, idx - Math.floor(rnd() * 3));
          await disk.compact(to);
          await model.compact(to);
        } else if (r < 0.78) {
          // a snapshot from a leader replaces everything
          term++;
          const idx = last + Math.floor(rnd() * 5);
          const snap = { meta: { index: idx, term, conf: { voters: ['a'], learners: [] } }, data: new Uint8Array([op, 1]) };
          await disk.installSnapshot(snap);
          await model.installSnapshot(snap);
          snapIndex = idx;
          last = idx;
        } else {
          await disk.close();
          disk = new DiskStorage({ dir, segmentBytes: 150 + Math.floor(rnd() * 400), logger: silentLogger });
          const got = await disk.load();
          const want = await model.load();
          expect(got.entries.map((e) => [e.index, e.term, txt(e)])).toEqual(want.entries.map((e) => [e.index, e.term, txt(e)]));
          expect(got.hardState).toEqual(want.hardState);
          expect(got.snapshot?.meta).toEqual(want.snapshot?.meta);
        }
      }
      await disk.close();
    }
  });
});
