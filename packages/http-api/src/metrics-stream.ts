// GET /v1/agent/metrics/stream: go-metrics' InmemSink.Stream as Consul's AgentMetricsStream serves it — the status
// and headers at once (no Content-Type is set, so Go's sniffing of an empty first write says text/plain), then
// each 10-second interval's summary, in /v1/agent/metrics' shape, as JSON indented by four spaces and a newline
// (encoding/json's Encoder with SetIndent("", "    ")) when the interval ends, until the client goes away.
// A client that stops reading misses summaries instead of making the agent hold them: while the socket has not
// drained, the next summary is skipped (Go's handler would block its own goroutine; the agent has one thread).
import { goJsonStringify } from '@conclave/toolkit';
import type { ApiCall } from './api-call.js';
import { ApiError } from './api-error.js';

export function metricsStream(call: ApiCall): void {
  const agent = call.backend.agent;
  if (!agent.metricsStream) throw new ApiError(404, 'Invalid URL path: not a recognized HTTP API endpoint');
  const { req, res } = call;
  call.answered = true;
  res.writeHead(200, ['Content-Type', 'text/plain; charset=utf-8']);
  res.flushHeaders();
  let blocked = false;
  res.on('drain', () => (blocked = false));
  const sub = agent.metricsStream((summary) => {
    if (blocked || res.destroyed) return;
    try {
      if (!res.write(goJsonStringify(summary, { indent: '    ' }) + '\n')) blocked = true;
    } catch {
      end();
    }
  });
  let done = false;
  function end(): void {
    if (done) return;
    done = true;
    sub.stop();
  }
  req.on('close', end);
  res.on('close', end);
  res.on('error', end);
}
