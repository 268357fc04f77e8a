import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ApiCall } from '../src/api-call.js';
import type { ApiBackend } from '../src/backend.js';
import { DEFAULT_WAIT_MS, MAX_WAIT_MS, parseBlockingOptions } from '../src/blocking-query.js';
import { QueryParams } from '../src/query-params.js';

// parseBlockingOptions only reads the query and the backend's datacenter.
const backend = { datacenter: 'dc1' } as ApiBackend;
const opts = (query: string) =>
  parseBlockingOptions(new ApiCall({} as IncomingMessage, {} as ServerResponse, backend, 'k', new QueryParams(query)));

describe('blocking query parameters', () => {
  it('reads index and Go-style wait, default 5 min, capped at 10 min', () => {
    expect(opts('')).toEqual({ minIndex: 0, waitMs: DEFAULT_WAIT_MS, mode: 'leader' });
    expect(opts('index=42&wait=120000ms')).toEqual({ minIndex: 42, waitMs: 120_000, mode: 'leader' });
    expect(opts('index=7&wait=9.98s').waitMs).toBeCloseTo(9980);
    expect(opts('index=7&wait=1h').waitMs).toBe(MAX_WAIT_MS);
    expect(opts('index=0&stale').mode).toBe('stale');
    expect(opts('consistent=').mode).toBe('consistent');
  });

  it('rejects what Consul rejects', () => {
    expect(() => opts('index=-1')).toThrow('Invalid index');
    expect(() => opts('index=1&wait=10')).toThrow('Invalid wait time');
    expect(() => opts('stale&consistent')).toThrow('Cannot specify ?stale with ?consistent, conflicting semantics.');
    expect(() => opts('dc=dc2')).toThrow('No path to datacenter');
  });

  it('decodes query values like Go (plus as space, percent escapes, repeated keys)', () => {
    const q = new QueryParams('tag=a+b&tag=c%2Fd&flag&empty=&bad=%E0%A4%A');
    expect(q.all('tag')).toEqual(['a b', 'c/d']);
    expect(q.has('flag')).toBe(true);
    expect(q.get('flag')).toBe('');
    expect(q.get('empty')).toBe('');
    expect(q.get('bad')).toBe('%E0%A4%A');
    expect(q.encode()).toBe('bad=%25E0%25A4%25A&empty=&flag=&tag=a+b&tag=c%2Fd');
  });
});
