// Template `user` and `group` (consul-template's): the rendered file is chowned to a name or a numeric id, an
// owner change alone counts as a render, and a rewrite without them keeps the existing file's owner. Changing
// ownership needs root; the tests run as root in CI (they are skipped otherwise).
import { chownSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { Renderer, type RendererEvent } from '../src/internal.js';
import { lookupGroup, lookupUser } from '../src/file-ownership.js';
import { MemoryConsul } from './memory-consul.js';

const root = process.getuid?.() === 0;

/** A user and a group other than root from this machine's own files (Debian has nobody:nogroup). */
function someone(file: string): { name: string; id: number } {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [name, , id] = line.split(':');
    if (name && id && Number(id) > 0) return { name, id: Number(id) };
  }
  throw new Error(`no entry in ${file}`);
}

async function renderOnce(spec: { contents: string; destination: string; user?: string; group?: string }): Promise<RendererEvent[]> {
  const events: RendererEvent[] = [];
  const r = new Renderer({ source: new MemoryConsul(), templates: [spec], once: true, onEvent: (e) => events.push(e) });
  await r.start();
  await waitFor('rendered', async () => events.some((e) => e.type === 'write' || e.type === 'error'), { timeoutMs: 10_000 });
  await r.stop();
  return events;
}

describe('template user and group', () => {
  it('looks names up in /etc/passwd and /etc/group, takes numeric ids as they are', async () => {
    const u = someone('/etc/passwd');
    const g = someone('/etc/group');
    expect(await lookupUser(u.name)).toBe(u.id);
    expect(await lookupGroup(g.name)).toBe(g.id);
    expect(await lookupUser('4242')).toBe(4242);
    expect(await lookupUser(undefined)).toBe(-1);
    expect(await lookupGroup('')).toBe(-1);
    await expect(lookupUser('no-such-user-x')).rejects.toThrow('failed looking up user: user: unknown user no-such-user-x');
    await expect(lookupGroup('no-such-group-x')).rejects.toThrow('failed looking up group: group: unknown group no-such-group-x');
  });

  it.skipIf(!root)('chowns the output, counts an owner change as a render, keeps the owner on a plain rewrite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ownership-'));
    const dst = join(dir, 'out');
    const u = someone('/etc/passwd');
    const g = someone('/etc/group');
    let ev = await renderOnce({ contents: 'a', destination: dst, user: u.name, group: g.name });
    expect(statSync(dst).uid).toBe(u.id);
    expect(statSync(dst).gid).toBe(g.id);
    // Same text, other owner: a write happens (consul-template's DidRender).
    ev = await renderOnce({ contents: 'a', destination: dst, user: '4242', group: '4343' });
    expect(ev.some((e) => e.type === 'write' && e.changed)).toBe(true);
    expect([statSync(dst).uid, statSync(dst).gid]).toEqual([4242, 4343]);
    // New text without user/group: the file keeps its owner, not the renderer's.
    ev = await renderOnce({ contents: 'b', destination: dst });
    expect(readFileSync(dst, 'utf8')).toBe('b');
    expect([statSync(dst).uid, statSync(dst).gid]).toEqual([4242, 4343]);
    // Unknown names are errors, reported like consul-template's.
    writeFileSync(dst, 'x');
    chownSync(dst, 0, 0);
    ev = await renderOnce({ contents: 'c', destination: dst, user: 'no-such-user-x' });
    const error = ev.find((e) => e.type === 'error');
    expect(error && error.type === 'error' && error.error.message).toContain('unknown user no-such-user-x');
  });
});
