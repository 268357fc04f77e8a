import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { ConsulRequest, FetchOptions, FetchResult, fileDependency, kvGetDependency, watchDependency } from '../src/internal.js';

/** A scripted agent: each fetch takes the next scripted answer (or error); afterwards it blocks until aborted. */
class ScriptedSource {
  readonly asked: bigint[] = [];
  constructor(private readonly script: (FetchResult | Error)[]) {}
  async fetch(_req: ConsulRequest, opts: FetchOptions): Promise<FetchResult> {
    this.asked.push(opts.index);
    const next = this.script.shift();
    if (next === undefined) {
      await new Promise<void>((resolve) => opts.signal?.addEventListener('abort', () => resolve()));
      throw new Error('aborted');
    }
    if (next instanceof Error) throw next;
    return next;
  }
}

const kv = (v: string, index: bigint): FetchResult => ({ data: [{ Key: 'k', Value: Buffer.from(v).toString('base64') }], index });

describe('watchDependency', () => {
  it('resumes from the last index, skips unchanged data, resets when the index goes backwards', async () => {
    const src = new ScriptedSource([kv('a', 5n), kv('a', 6n), kv('b', 7n), kv('c', 3n), kv('c', 4n)]);
    const values: unknown[] = [];
    const w = watchDependency(kvGetDependency('k', false), src, (v) => values.push(v), { minGapMs: 0 });
    await waitFor('six queries', () => src.asked.length === 6, { timeoutMs: 10_000 });
    w.stop();
    await w.done;
    expect(values).toEqual(['a', 'b', 'c']);
    expect(src.asked).toEqual([0n, 5n, 6n, 7n, 0n, 4n]);
  });

  it('retries failures with backoff and reports them, without giving up', async () => {
    const src = new ScriptedSource([new Error('connection refused'), new Error('connection refused'), kv('ok', 2n)]);
    const errors: [string, number][] = [];
    const values: unknown[] = [];
    const w = watchDependency(kvGetDependency('k', false), src, (v) => values.push(v), {
      minGapMs: 0,
      retryDelayMs: () => 5,
      onError: (_d, e, n) => errors.push([e.message, n]),
    });
    await waitFor('a value after failures', () => values.length === 1, { timeoutMs: 10_000 });
    w.stop();
    await w.done;
    expect(errors).toEqual([
      ['connection refused', 1],
      ['connection refused', 2],
    ]);
    expect(values).toEqual(['ok']);
  });

  it('polls files and delivers changes only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'watch-file-'));
    const f = join(dir, 'f');
    writeFileSync(f, 'one');
    const dep = { ...fileDependency(f), pollIntervalMs: 20 };
    const values: unknown[] = [];
    const w = watchDependency(dep, new ScriptedSource([]), (v) => values.push(v));
    await waitFor('first read', () => values.length === 1, { timeoutMs: 10_000 });
    writeFileSync(f, 'two');
    await waitFor('change', () => values.length === 2, { timeoutMs: 10_000 });
    w.stop();
    await w.done;
    expect(values).toEqual(['one', 'two']);
  });
});
