// /v1/snapshot: GET answers an archive of the whole state (gzipped tar with SHA256SUMS, X-Consul-Index);
// PUT verifies an archive and restores it, so every server replaces its state at the same index. The archive
// is Conclave's own (Consul's state.bin is not interchangeable).
// Neither direction holds the state whole nor blocks the event loop for its length: GET streams the state
// into a temporary file and then gzips it onto the socket as the client reads (chunked, like Consul's, which
// streams from its own temp file); PUT gunzips and untars the body as it arrives into a temporary file,
// verifies the checksums, and hands the file to the log's restore (on a server: installed as the leader's
// Raft snapshot and sent to the followers by InstallSnapshot, as Consul's Restore does).

import { isCommandFailure } from '@conclave/catalog';
import { MAX_RESTORE_BYTES, SnapshotArchiveError, prepareSnapshotArchive, receiveSnapshotArchive, type ReceivedSnapshot } from '@conclave/state';
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
  const body = call.bodyStream(MAX_RESTORE_BYTES, (n) => `Request body(${n} bytes) too large, max size: ${MAX_RESTORE_BYTES} bytes.`);
  let received: ReceivedSnapshot;
  try {
    received = await receiveSnapshotArchive(body);
  } catch (err) {
    if (err instanceof SnapshotArchiveError) throw new ApiError(500, err.message);
    throw err;
  }
  try {
    const log = call.backend.log;
    const result = log.restore
      ? (await log.restore(received)).result
      : // A log without a streamed restore takes the state as one command (held whole; small states only).
        (await log.propose({ type: 'snapshot.restore', State: await gather(received.open()) })).result;
    if (isCommandFailure(result)) throw new ApiError(500, `Raft error when restoring snapshot: ${result.error}`);
  } finally {
    await received.discard();
  }
  call.ok();
}

async function gather(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}
