// What a running watch calls with each result worth handling. Called one at a time, never concurrently; it must
// not throw (failures are logged by the handler; the watch logs anything that escapes and carries on).

/** Handler output kept (the last bytes), as Consul's 4 KB circbuf: the end of the output, where errors are, survives. */
export const WATCH_OUTPUT_MAX_BYTES = 4 * 1024;

export type WatchHandler = (index: bigint, data: unknown, signal: AbortSignal) => Promise<void>;
