// Where dependency values come from. The renderer is driven by a DependencySource, which answers
// Consul HTTP GETs (path + query, with blocking-query index and wait); an HTTP client implements it
// against a real agent, tests implement it in memory.
import { readFile } from 'node:fs/promises';
import { ConsulRequest, Dependency } from './dependency.js';
import { DependencyStore } from './dependency-store.js';
import type { RenderResult } from './consul-template.js';

export interface FetchOptions {
  /** Blocking query: return when the data's index exceeds this (0 = return immediately). */
  index: bigint;
  /** Longest time the server may hold a blocking query (ms). */
  waitMs?: number;
  signal?: AbortSignal;
}

export interface FetchResult {
  /** Parsed JSON body, or null when Consul answered 404 (no such key/node). */
  data: unknown;
  /** X-Consul-Index of the reply (0n when the endpoint has none). */
  index: bigint;
}

export interface DependencySource {
  fetch(request: ConsulRequest, options: FetchOptions): Promise<FetchResult>;
}

/** Fetches one dependency's current value: Consul data through `source`, files from disk. */
export async function fetchDependency(
  dep: Dependency,
  source: DependencySource,
  options: FetchOptions,
): Promise<{ value: unknown; index: bigint }> {
  if (dep.kind === 'file') {
    try {
      return { value: dep.decode(await readFile(dep.filePath!, 'utf8')), index: 0n };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { value: null, index: 0n };
      throw e;
    }
  }
  const r = await source.fetch(dep.request!, options);
  const data = dep.refine ? await dep.refine(r.data, source, options.signal) : r.data;
  return { value: dep.decode(data), index: r.index };
}

export interface RenderPassesOptions {
  /** Upper bound on passes (each pass may discover new dependencies). */
  maxPasses?: number;
}

/**
 * Renders until complete, fetching missing dependencies (non-blocking) between passes, as consul-template
 * does on its first run. Returns the final result; it is incomplete only if a dependency has no value
 * (e.g. `key` on an absent key) after maxPasses.
 */
export async function renderWithSource(
  tmpl: { render(store: DependencyStore): RenderResult },
  source: DependencySource,
  store: DependencyStore = new DependencyStore(),
  options: RenderPassesOptions = {},
): Promise<RenderResult & { passes: number }> {
  const maxPasses = options.maxPasses ?? 10;
  let passes = 0;
  for (;;) {
    passes++;
    const r = tmpl.render(store);
    if (r.complete || passes >= maxPasses) return { ...r, passes };
    let progressed = false;
    for (const dep of r.missing) {
      const { value } = await fetchDependency(dep, source, { index: 0n });
      if (store.remember(dep, value)) progressed = true;
    }
    if (!progressed) return { ...r, passes };
  }
}
