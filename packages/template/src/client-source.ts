// Drives templates from a Consul-compatible agent through @conclave/client's ConsulClient. Only the
// two methods used are named here (structurally), so this package builds without the client's types.
import { ConsulRequest } from './dependency.js';
import { FetchOptions, FetchResult } from './dependency-source.js';
import { WatchingSource } from './dependency-watch.js';

type Params = Record<string, string | boolean>;

interface QueryResultLike {
  body: unknown;
  index: bigint;
}

/** The part of @conclave/client's ConsulClient the renderer uses. */
export interface ConsulQueryClient {
  query(path: string, params?: Params, options?: { index?: bigint; waitMs?: number; signal?: AbortSignal; stale?: boolean }): Promise<QueryResultLike>;
  watch(
    path: string,
    params: Params | undefined,
    onResult: (r: QueryResultLike) => void | Promise<void>,
    options?: {
      waitMs?: number;
      signal?: AbortSignal;
      stale?: boolean;
      maxStaleMs?: number;
      onError?: (e: Error, failures: number) => void;
      retryDelay?: (failures: number) => number;
    },
  ): { stop(): void; done: Promise<void> };
}

export interface ClientSourceOptions {
  /** Read with `?stale` and re-read consistently when the answer is older than maxStaleMs (consul-template: true, 2 s). */
  stale?: boolean;
  maxStaleMs?: number;
}

function params(req: ConsulRequest): Params {
  const out: Params = {};
  // An empty value is a presence flag (`?recurse`), which the client sends for `true`.
  for (const [k, v] of Object.entries(req.query)) out[k] = v === '' ? true : v;
  return out;
}

export function consulClientSource(client: ConsulQueryClient, options: ClientSourceOptions = {}): WatchingSource {
  const stale = options.stale ?? true;
  const maxStaleMs = options.maxStaleMs ?? 2_000;
  return {
    async fetch(req: ConsulRequest, opts: FetchOptions): Promise<FetchResult> {
      const r = await client.query(req.path, params(req), { index: opts.index, waitMs: opts.waitMs, signal: opts.signal, stale });
      return { data: r.body, index: r.index };
    },
    watch(req, onResult, opts) {
      return client.watch(req.path, params(req), (r) => onResult({ data: r.body, index: r.index }), {
        waitMs: opts.waitMs,
        signal: opts.signal,
        stale,
        maxStaleMs: stale ? maxStaleMs : undefined,
        onError: opts.onError,
        retryDelay: opts.retryDelayMs,
      });
    },
  };
}
