// GET /v1/agent/metrics/stream through a real HTTP client (fetch reading the chunked body): the headers come at
// once, then a summary of go-metrics' shape when the current 10-second interval ends, as JSON indented by four
// spaces, one object after another; the stream goes on until the client leaves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevAgent, type AgentProcess } from './support/agent-process.js';

let agent: AgentProcess;
beforeAll(async () => {
  agent = await startDevAgent();
}, 60_000);
afterAll(async () => {
  await agent?.stop();
});

describe('GET /v1/agent/metrics/stream', () => {
  it('streams one summary per interval as indented JSON objects', async () => {
    const ac = new AbortController();
    const res = await fetch(`http://${agent.httpAddr}/v1/agent/metrics/stream`, { signal: ac.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const reader = res.body!.getReader();
    let text = '';
    const objects: Array<Record<string, unknown>> = [];
    // Two intervals end within 20 s; a request meanwhile puts an HTTP metric in one of them.
    const kick = setTimeout(() => void fetch(`http://${agent.httpAddr}/v1/kv/stream-test`), 200);
    while (objects.length < 2) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
      // Objects end with "}\n" at the start of a line (Go's Encoder, SetIndent("", "    ")).
      let end: number;
      while ((end = text.indexOf('\n}\n')) >= 0) {
        objects.push(JSON.parse(text.slice(0, end + 2)) as Record<string, unknown>);
        text = text.slice(end + 3);
      }
    }
    clearTimeout(kick);
    ac.abort();
    expect(objects).toHaveLength(2);
    for (const o of objects) {
      expect(Object.keys(o)).toEqual(['Timestamp', 'Gauges', 'PrecisionGauges', 'Points', 'Counters', 'Samples']);
      expect(o.Timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:[0-9]0 \+0000 UTC$/);
    }
    // Consecutive intervals, ten seconds apart.
    const t = objects.map((o) => Date.parse(String(o.Timestamp).replace(' +0000 UTC', 'Z').replace(' ', 'T')));
    expect(t[1]! - t[0]!).toBe(10_000);
    // The agent keeps answering after the client left.
    expect((await fetch(`http://${agent.httpAddr}/v1/agent/self`)).status).toBe(200);
  }, 40_000);
});
