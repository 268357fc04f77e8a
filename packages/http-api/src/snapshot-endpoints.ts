// /v1/snapshot: GET answers an archive of the whole state (gzipped tar with SHA256SUMS, X-Consul-Index);
// PUT verifies an archive and restores it through the log, so every server replaces its state at the same
// index. The archive is Conclave's own (Consul's state.bin is not interchangeable).
// Both directions avoid blocking the event loop for the length of the state: GET streams the state into a
// temporary file and then gzips it onto the socket as the client reads (chunked, like Consul's, which
// streams from its own temp file); PUT gunzips on the zlib thread pool and hashes in slices.

import { isCommandFailure } from '@conclave/catalog';
import { MAX_SNAPSHOT_BYTES, SnapshotArchiveError, prepareSnapshotArchive, readSnapshotArchiveAsync } from '@conclave/state';
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
    // Same tick: the stream captures the state at exactly this index.
    const index = state.lastIndex;
    const prepared = await prepareSnapshotArchive(state.snapshotStream(), index);
    const res = call.res;
    if (call.answered || res.headersSent || res.destroyed) {
      await prepared.discard();
      return;
    }
    call.answered = true;
    const headers = call.metaHeaders(index, mode);
    headers.push('Content-Type', 'application/x-gzip');
    res.writeHead(200, headers);
    // A client that goes away mid-download ends the pipeline with an error: nothing more to answer then.
    await prepared.pipeTo(res).catch(() => res.destroy());
    return;
  }
  const body = await call.readBody(MAX_SNAPSHOT_BYTES, (n) => `Request body(${n} bytes) too large, max size: ${MAX_SNAPSHOT_BYTES} bytes.`);
  let state: Uint8Array;
  try {
    state = (await readSnapshotArchiveAsync(body)).state;
  } catch (err) {
    if (err instanceof SnapshotArchiveError) throw new ApiError(500, `failed to restore snapshot: ${err.message}`);
    throw err;
  }
  const result = (await call.backend.log.propose({ type: 'snapshot.restore', State: state })).result;
  if (isCommandFailure(result)) throw new ApiError(500, `failed to restore snapshot: ${result.error}`);
  call.ok();
}
