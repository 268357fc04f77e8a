import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogFile } from '../src/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-logfile-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 11, 6, 17, 0, 0);

describe('LogFile', () => {
  it("writes consul.log when log_file names a directory, truncating what an earlier run left", () => {
    writeFileSync(join(dir, 'consul.log'), 'old run\n');
    const f = new LogFile({ path: dir + '/', now: () => T0 });
    f.write('one');
    f.write('two');
    f.close();
    expect(f.path).toBe(join(dir, 'consul.log'));
    expect(readFileSync(f.path, 'utf8')).toBe('one\ntwo\n');
  });

  it('rotates by bytes before the write that finds the file full, naming the archive with unix nanoseconds', () => {
    let now = T0;
    const f = new LogFile({ path: join(dir, 'agent.log'), rotateBytes: 8, now: () => now });
    f.write('12345'); // 6 bytes: under the limit
    f.write('abcde'); // written before the check finds 12 >= 8
    now += 1;
    f.write('next');
    f.close();
    const archive = `agent-${BigInt(T0 + 1) * 1_000_000n}.log`;
    expect(readdirSync(dir).sort()).toEqual([archive, 'agent.log'].sort());
    expect(readFileSync(join(dir, archive), 'utf8')).toBe('12345\nabcde\n');
    expect(readFileSync(join(dir, 'agent.log'), 'utf8')).toBe('next\n');
  });

  it('rotates by age on the first write after the duration, and never without a write', () => {
    let now = T0;
    const f = new LogFile({ path: join(dir, 'consul.json'), rotateDurationMs: 60_000, now: () => now });
    f.write('first');
    now += 59_999;
    f.write('still first file');
    now += 1;
    expect(f.archives()).toEqual([]);
    f.write('second file');
    f.close();
    expect(f.archives()).toEqual([`consul-${BigInt(now) * 1_000_000n}.json`]);
    expect(readFileSync(join(dir, f.archives()[0]!), 'utf8')).toBe('first\nstill first file\n');
    expect(readFileSync(f.path, 'utf8')).toBe('second file\n');
  });

  it('keeps log_rotate_max_files archives, dropping the oldest; 0 keeps all; -1 keeps none', () => {
    const run = (maxFiles: number, rotations: number) => {
      const sub = mkdtempSync(join(dir, `max${maxFiles}-`));
      let now = T0;
      const f = new LogFile({ path: join(sub, 'consul.log'), rotateBytes: 1, maxFiles, now: () => now });
      for (let i = 0; i <= rotations; i++) {
        f.write(`line ${i}`);
        now += 1000;
      }
      f.close();
      return { archives: f.archives().map((a) => readFileSync(join(sub, a), 'utf8').trim()), current: readFileSync(f.path, 'utf8').trim() };
    };
    expect(run(2, 4)).toEqual({ archives: ['line 2', 'line 3'], current: 'line 4' });
    expect(run(0, 4)).toEqual({ archives: ['line 0', 'line 1', 'line 2', 'line 3'], current: 'line 4' });
    expect(run(-1, 4)).toEqual({ archives: [], current: 'line 4' });
  });

  it('gives archives distinct names when two rotations fall in one millisecond', () => {
    const f = new LogFile({ path: join(dir, 'consul.log'), rotateBytes: 1, now: () => T0 });
    for (const l of ['a', 'b', 'c']) f.write(l);
    f.close();
    expect(f.archives()).toEqual([`consul-${BigInt(T0) * 1_000_000n}.log`, `consul-${BigInt(T0) * 1_000_000n + 1n}.log`]);
  });

  it('refuses a path whose directory does not exist with the reason, and reports a later write failure once', () => {
    expect(() => new LogFile({ path: join(dir, 'missing', 'consul.log') })).toThrow(
      `Failed to setup logging: open ${join(dir, 'missing', 'consul.log')}: no such file or directory`,
    );
    const errors: string[] = [];
    const f = new LogFile({ path: join(dir, 'consul.log'), rotateBytes: 1, onError: (e) => errors.push(e.message) });
    f.write('x');
    rmSync(dir, { recursive: true, force: true }); // the next write must rotate: the rename fails
    f.write('y');
    f.write('z');
    f.close();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/ENOENT/);
  });
});
