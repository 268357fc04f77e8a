import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './wait-for.mjs';

test('resolves with the first truthy value', async () => {
  let n = 0;
  const got = await waitFor('the third call', () => (++n >= 3 ? { n } : undefined), { intervalMs: 1 });
  assert.deepEqual(got, { n: 3 });
  assert.equal(n, 3);
});

test('resolves with a value an async check resolves to', async () => {
  let n = 0;
  assert.equal(await waitFor('a string', async () => (++n >= 2 ? 'yes' : ''), { intervalMs: 1 }), 'yes');
});

test('returns at once when the check holds on the first call', async () => {
  let n = 0;
  assert.equal(await waitFor('true', () => ++n > 0, { timeoutMs: 0 }), true);
  assert.equal(n, 1);
});

test('times out with what it waited for and the last value', async () => {
  let n = 0;
  const start = Date.now();
  await assert.rejects(
    waitFor('nothing', () => n++ < 0, { timeoutMs: 100, intervalMs: 10 }),
    { message: 'timed out after 100 ms waiting for nothing; last value: false' },
  );
  assert.ok(Date.now() - start >= 100);
  assert.ok(n > 2, `polled ${n} times`);
  await assert.rejects(waitFor('a count', () => 0, { timeoutMs: 30 }), { message: 'timed out after 30 ms waiting for a count; last value: 0' });
  await assert.rejects(waitFor('a value', () => undefined, { timeoutMs: 30 }), { message: 'timed out after 30 ms waiting for a value; last value: undefined' });
});

test('keeps polling through thrown errors and reports the last one', async () => {
  let n = 0;
  const got = await waitFor(
    'a check that throws twice',
    async () => {
      if (++n <= 2) throw new Error(`not yet ${n}`);
      return n;
    },
    { intervalMs: 1 },
  );
  assert.equal(got, 3);
  let m = 0;
  await assert.rejects(
    waitFor('a check that always throws', () => {
      throw new Error(`failure ${++m}`);
    }, { timeoutMs: 50, intervalMs: 5 }),
    (e) => {
      assert.equal(e.message, `timed out after 50 ms waiting for a check that always throws; last value: failure ${m}`);
      assert.ok(m > 1);
      return true;
    },
  );
});
