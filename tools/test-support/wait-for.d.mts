/** The values `if (v)` lets through. */
export type Truthy<T> = Exclude<T, false | 0 | 0n | '' | null | undefined>;

export interface WaitForOptions {
  /** How long to keep polling before giving up (default 15000). */
  timeoutMs?: number;
  /** The pause between two calls of the check (default 20). */
  intervalMs?: number;
}

/**
 * Calls `check` every `intervalMs` (default 20) until it returns (or resolves to) a truthy value, and resolves with
 * that value. A check that throws (or rejects) counts as not yet: polling goes on until the bound. After `timeoutMs`
 * (default 15000) it throws `timed out after <ms> ms waiting for <what>; last value: <JSON of the last value, or the
 * last error's message>`.
 */
export declare function waitFor<T>(what: string, check: () => T | Promise<T>, options?: WaitForOptions): Promise<Truthy<Awaited<T>>>;
