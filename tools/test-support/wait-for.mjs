// Polling for a condition in tests. The bound only turns a hang into a readable failure: a test waits on the
// condition, never on a fixed delay, so a loaded machine makes it slower, not red.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function describe(last) {
  if (last.error) return last.error instanceof Error ? last.error.message : String(last.error);
  try {
    return JSON.stringify(last.value) ?? String(last.value);
  } catch {
    return String(last.value);
  }
}

/**
 * Calls `check` every `intervalMs` (default 20) until it returns (or resolves to) a truthy value, and resolves with
 * that value. A check that throws (or rejects) counts as not yet: polling goes on until the bound. After `timeoutMs`
 * (default 15000) it throws `timed out after <ms> ms waiting for <what>; last value: <JSON of the last value, or the
 * last error's message>`.
 */
export async function waitFor(what, check, { timeoutMs = 15_000, intervalMs = 20 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last;
    try {
      const value = await check();
      if (value) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${describe(last)}`);
    await sleep(intervalMs);
  }
}
