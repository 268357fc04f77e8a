// The kept nextTick entry must keep the hidden class that new entries get, across idle full GCs: checked with
// V8's own %HaveSameMap in a child process (natives syntax cannot be turned on inside the test runner).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));

const child = `
import { createHook } from 'node:async_hooks';
const { keepTickObjectShape, keptTickObject } = await import(process.argv[1]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function freshEntry() {
  let entry;
  const hook = createHook({ init(_id, type, _t, resource) { if (type === 'TickObject') entry ??= resource; } });
  hook.enable();
  process.nextTick(() => {});
  hook.disable();
  return entry;
}
keepTickObjectShape();
keepTickObjectShape();
const kept = keptTickObject();
const same = [];
for (let i = 0; i < 5; i++) {
  for (let n = 0; n < 1000; n++) process.nextTick(() => {}, n);
  await sleep(5);
  globalThis.gc();
  globalThis.gc();
  same.push(%HaveSameMap(freshEntry(), kept));
}
console.log(JSON.stringify({ kept: kept !== undefined && keptTickObject() === kept, same }));
`;

describe('keepTickObjectShape', () => {
  it('keeps the map of nextTick entries alive through idle full GCs', () => {
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--expose-gc', '--input-type=module', '-e', child, built], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ kept: true, same: [true, true, true, true, true] });
  });
});
