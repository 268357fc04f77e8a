// The push stream against a real dev agent: an event per change, resumed by Last-Event-ID without resending
// what did not change, errors carried with the agent's text, bad watches refused, and the agent alive after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as http from 'node:http';
import { startDevAgent, type DevAgent } from './support/dev-agent.js';

let agent: DevAgent;
beforeAll(async () => {
  agent = await startDevAgent();
});
afterAll(async () => {
  await agent?.stop();
});

interface Event {
  id: string;
  data: { w: number; s: number; i: number; b?: unknown; t?: string };
}

/** Opens the stream; `next()` returns its events in order, each once, whether it arrived before or after the
 * call: two events often share one TCP chunk, and a change's event may arrive before the PUT that made it has
 * answered, so "the next event to arrive after this call" would wait for one that was already received. */
function open(query: string, headers: Record<string, string> = {}) {
  const events: Event[] = [];
  const waiters: Array<() => void> = [];
  let read = 0;
  let status = 0;
  const { hostname, port } = new URL(agent.base);
  const req = http.get({ host: hostname, port, path: `/v1/internal/ui/stream?${query}`, headers }, (res) => {
    status = res.statusCode!;
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const id = /^id: (.*)$/m.exec(block)?.[1];
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice(6))
          .join('\n');
        if (id !== undefined && data) events.push({ id, data: JSON.parse(data) });
        waiters.splice(0).forEach((w) => w());
      }
    });
  });
  req.on('error', () => undefined);
  return {
    events,
    status: () => status,
    async next(): Promise<Event> {
      while (events.length <= read) await new Promise<void>((r) => waiters.push(r));
      return events[read++]!;
    },
    /** Resolves once `n` events have arrived, consuming none. */
    async arrived(n: number): Promise<void> {
      while (events.length < n) await new Promise<void>((r) => waiters.push(r));
    },
    close: () => req.destroy(),
  };
}

const put = (path: string, body: string) => fetch(`${agent.base}${path}`, { method: 'PUT', body }).then((r) => r.text());

describe('the UI stream', () => {
  it('sends each watched read, then each change, and resumes from Last-Event-ID', async () => {
    await put('/v1/kv/s/a', 'one');
    const s = open(`watch=${encodeURIComponent('/v1/kv/s/a')}&watch=${encodeURIComponent('/v1/catalog/nodes')}`);
    // Both first reads answered before the test reads either (what a loaded machine does by chance, here every
    // time): each is still returned once, in order.
    await s.arrived(2);
    const first = [await s.next(), await s.next()].sort((x, y) => x.data.w - y.data.w);
    expect(first[0]!.data.s).toBe(200);
    expect(Buffer.from((first[0]!.data.b as Array<{ Value: string }>)[0]!.Value, 'base64').toString()).toBe('one');
    expect((first[1]!.data.b as Array<{ Node: string }>).length).toBe(1);
    const lastId = s.events.at(-1)!.id;
    expect(lastId).toMatch(/^\d+,\d+$/);
    s.close();

    // Reconnect where it was: a change made while away arrives, nothing else is sent again.
    await put('/v1/kv/s/a', 'two');
    const r = open(`watch=${encodeURIComponent('/v1/kv/s/a')}&watch=${encodeURIComponent('/v1/catalog/nodes')}`, { 'Last-Event-ID': lastId });
    // The KV key's event carries the change; the node list, unchanged, is not sent again.
    const valueOf = (e: Event) => Buffer.from((e.data.b as Array<{ Value: string }>)[0]!.Value, 'base64').toString();
    const nextOf = async (w: number) => {
      for (;;) {
        const e = await r.next();
        expect(e.data.w).toBe(w);
        return e;
      }
    };
    expect(valueOf(await nextOf(0))).toBe('two');
    await put('/v1/kv/s/a', 'three');
    expect(valueOf(await nextOf(0))).toBe('three');
    expect(r.events.map((e) => e.data.w)).toEqual([0, 0]);
    r.close();
  });

  it('carries the agent\'s error text', async () => {
    const s = open(`watch=${encodeURIComponent('/v1/internal/ui/services?dc=elsewhere')}`);
    const e = await s.next();
    expect(e.data.s).toBe(500);
    expect(e.data.t).toMatch(/No path to datacenter/);
    s.close();
  });

  it('refuses bad watch lists and survives tokens no header could carry', async () => {
    for (const q of ['', 'watch=/ui/', `watch=${encodeURIComponent('/v1/kv/a b')}`, `watch=${encodeURIComponent('/v1/internal/ui/stream?watch=/v1/kv/x')}`, Array(9).fill('watch=/v1/kv/x').join('&')]) {
      const r = await fetch(`${agent.base}/v1/internal/ui/stream?${q}`);
      expect(r.status, q).toBe(400);
      await r.text();
    }
    // A token no HTTP header could carry: the reads run through the API handler without a socket, so it is only
    // a token that resolves to nothing (ACLs are off here: the missing key's 404), and nothing throws.
    const s = open(`watch=${encodeURIComponent('/v1/kv/x')}&token=${encodeURIComponent('bad\ntoken')}`);
    const e = await s.next();
    expect(e.data.s).toBe(404);
    s.close();
    expect(await (await fetch(`${agent.base}/v1/status/leader`)).json()).toMatch(/:/);
  });
});
