// What a running watch calls with each result worth handling. Called one at a time, never concurrently; it must
// not throw (failures are logged by the handler; the watch logs anything that escapes and carries on).

export type WatchHandler = (index: bigint, data: unknown, signal: AbortSignal) => Promise<void>;
