// /v1/snapshot: GET answers an archive of the whole state (gzipped tar with SHA256SUMS, X-Consul-Index);
// PUT verifies an archive and restores it through the log, so every server replaces its state at the same
// index. The archive is Conclave's own (Consul's state.bin is not interchangeable).

import { isCommandFailure } from '@conclave/catalog';
import { MAX_SNAPSHOT_BYTES, SnapshotArchiveError, buildSnapshotArchive, readSnapshotArchive } from '@conclave/state';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';

export async function handleSnapshot(call: ApiCall): Promise<void> {
  if (call.rest !== '') {
    call.text(404, 'Invalid URL path: not a recognized HTTP API endpoint');
    return;
  }
  if (!call.allow('GET', 'PUT')) return;
  call.checkDatacenter();
  if (call.method === 'GET') {
    const mode = call.consistency();
    if (mode !== 'stale') await call.backend.log.barrier();
    const state = call.backend.state;
    const index = state.lastIndex;
    const archive = buildSnapshotArchive(state.snapshot(), index);
    call.send(200, 'application/x-gzip', archive, call.metaHeaders(index, mode));
    return;
  }
  const body = await call.readBody(MAX_SNAPSHOT_BYTES, (n) => `Request body(${n} bytes) too large, max size: ${MAX_SNAPSHOT_BYTES} bytes.`);
  let state: Uint8Array;
  try {
    state = readSnapshotArchive(body).state;
  } catch (err) {
    if (err instanceof SnapshotArchiveError) throw new ApiError(500, `failed to restore snapshot: ${err.message}`);
    throw err;
  }
  const result = (await call.backend.log.propose({ type: 'snapshot.restore', State: state })).result;
  if (isCommandFailure(result)) throw new ApiError(500, `failed to restore snapshot: ${result.error}`);
  call.ok();
}
