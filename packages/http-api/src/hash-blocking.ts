// Consul's hash-based blocking (agent.LocalBlockingQuery) for the agent-local endpoints that have no Raft index:
// the answer carries a content hash (X-Consul-ContentHash); a request with ?hash= equal to the current hash waits
// until the agent's local services or checks change to something with another hash, or ?wait runs out (then
// the current answer, same hash). Without ?hash it answers at once.

import { goJsonStringify, lazyNode, parseGoDuration } from '@conclave/toolkit';
import type { ApiCall } from './api-call.js';
import { ApiError } from './api-error.js';
import { DEFAULT_WAIT_MS, MAX_WAIT_MS } from './blocking-query.js';

/** The hash Consul prints with %x of a uint64: here the first 64 bits of SHA-256 over the answer's JSON, without
 * leading zeros as Go prints it. Clients treat it as opaque; equal answers give equal hashes. */
export function contentHash(value: unknown): string {
  const digest = lazyNode.crypto().createHash('sha256').update(goJsonStringify(value)).digest();
  return digest.readBigUInt64BE(0).toString(16);
}

/**
 * Runs `produce` until its answer's hash differs from ?hash= (or the wait ends), then hands the answer and its
 * hash to `respond`. `produce` answers undefined when there is nothing to hash (a 404): that is answered at once.
 */
export async function hashBlockingQuery<T>(
  call: ApiCall,
  produce: () => Promise<T | undefined>,
  respond: (value: T | undefined, hash: string) => void,
): Promise<void> {
  const wanted = call.query.empty ? '' : (call.query.get('hash') ?? '');
  const waitMs = parseWait(call);
  const watch = call.backend.agent.watchLocal?.bind(call.backend.agent);
  const deadline = Date.now() + waitMs + Math.random() * (waitMs / 16);
  for (;;) {
    const value = await produce();
    const hash = value === undefined ? '' : contentHash(value);
    const left = deadline - Date.now();
    if (wanted === '' || value === undefined || hash !== wanted || left <= 0 || !watch) {
      respond(value, hash);
      return;
    }
    const outcome = await new Promise<'changed' | 'timeout' | 'closed'>((resolve) => {
      let settled = false;
      const finish = (why: 'changed' | 'timeout' | 'closed') => {
        if (settled) return;
        settled = true;
        cancel();
        clearTimeout(timer);
        call.res.off('close', onClose);
        resolve(why);
      };
      const onClose = () => finish('closed');
      const cancel = watch(() => finish('changed'));
      const timer = setTimeout(() => finish('timeout'), left);
      call.res.on('close', onClose);
    });
    if (outcome === 'closed') return;
    if (outcome === 'timeout') {
      const last = await produce();
      respond(last, last === undefined ? '' : contentHash(last));
      return;
    }
  }
}

/** ?wait with Consul's error text; agent endpoints are local, so ?dc and the consistency flags are not checked. */
function parseWait(call: ApiCall): number {
  const wait = call.query.empty ? undefined : call.query.get('wait');
  if (wait === undefined || wait === '') return DEFAULT_WAIT_MS;
  let ns: number;
  try {
    ns = parseGoDuration(wait);
  } catch {
    throw new ApiError(400, 'Invalid wait time');
  }
  if (ns < 0) throw new ApiError(400, 'Invalid wait time');
  return Math.min(ns / 1e6, MAX_WAIT_MS);
}
