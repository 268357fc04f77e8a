// The kept nextTick entry must keep the hidden class that new entries get, across idle full GCs: checked with
// V8's own %HaveSameMap in a child process (natives syntax cannot be turned on inside the test runner). And
// keeping it must not cost the process V8's PromiseHook protector (an async hook would).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));

const child = `
import { executionAsyncResource } from 'node:async_hooks';
const { keepTickObjectShape, keptTickObject } = await import(process.argv[1]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freshEntry = () => new Promise((resolve) => process.nextTick(() => resolve(executionAsyncResource())));
keepTickObjectShape();
keepTickObjectShape();
await sleep(1);
const kept = keptTickObject();
const same = [];
for (let i = 0; i < 5; i++) {
  for (let n = 0; n < 1000; n++) process.nextTick(() => {}, n);
  await sleep(5);
  globalThis.gc();
  globalThis.gc();
  same.push(%HaveSameMap(await freshEntry(), kept));
}
console.log(JSON.stringify({ kept: kept !== undefined && typeof kept.callback === 'function', same }));
`;

describe('keepTickObjectShape', () => {
  it('keeps the map of nextTick entries alive through idle full GCs, without touching the PromiseHook protector', () => {
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--expose-gc', '--trace-protector-invalidation', '--input-type=module', '-e', child, built], {
      encoding: 'utf8',
    });
    const lines = out.trim().split('\n');
    expect(lines.filter((l) => l.includes('PromiseHook'))).toEqual([]);
    expect(JSON.parse(lines.at(-1)!)).toEqual({ kept: true, same: [true, true, true, true, true] });
  });
});
