import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileDurable, writeFileDurableSync } from '../src/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'durable-write-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['async', writeFileDurable],
  ['sync', async (...a: Parameters<typeof writeFileDurableSync>) => writeFileDurableSync(...a)],
] as const)('writeFileDurable (%s)', (_name, write) => {
  it('creates missing directories and leaves no temp file', async () => {
    const file = join(dir, 'a', 'b', 'out.txt');
    expect(await write(file, 'hello')).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('hello');
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['out.txt']);
    expect(statSync(file).mode & 0o777).toBe(0o644);
  });
  it('fails instead of creating directories when told not to', async () => {
    await expect(write(join(dir, 'missing', 'x'), 'x', { createDirs: false })).rejects.toThrow(/ENOENT/);
  });
  it('keeps the existing mode unless given one, and skips unchanged files only when asked', async () => {
    const file = join(dir, 'f');
    await write(file, 'one', { mode: 0o600 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await write(file, 'one', { skipUnchanged: true })).toBe(false);
    expect(await write(file, 'one')).toBe(true);
    expect(await write(file, 'two')).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await write(file, 'two', { skipUnchanged: true, mode: 0o640 })).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });
  it('keeps backups as consul-template does: <file>.bak, the previous one as <file>.old.bak', async () => {
    const file = join(dir, 'f');
    writeFileSync(file, 'v1');
    await write(file, 'v2', { backup: true });
    await write(file, 'v3', { backup: true });
    expect(readFileSync(file, 'utf8')).toBe('v3');
    expect(readFileSync(file + '.bak', 'utf8')).toBe('v2');
    expect(readFileSync(file + '.old.bak', 'utf8')).toBe('v1');
  });
});
