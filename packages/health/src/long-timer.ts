// setTimeout fires at once for delays above 2^31-1 ms (about 24.8 days); intervals and TTLs can be longer.

const MAX_DELAY_MS = 2 ** 31 - 1;

export interface LongTimer {
  cancel(): void;
}

export function setLongTimeout(fn: () => void, delayMs: number): LongTimer {
  let handle: NodeJS.Timeout;
  let cancelled = false;
  const arm = (remaining: number): void => {
    const step = Math.min(Math.max(0, remaining), MAX_DELAY_MS);
    handle = setTimeout(() => {
      if (cancelled) return;
      if (remaining > MAX_DELAY_MS) arm(remaining - MAX_DELAY_MS);
      else fn();
    }, step);
  };
  arm(delayMs);
  return {
    cancel() {
      cancelled = true;
      clearTimeout(handle);
    },
  };
}
