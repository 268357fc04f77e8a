// A monitor client that never reads, against a real agent in this process: the agent keeps answering (KV through
// the CLI), the lines the client could not take are dropped rather than kept, and when it goes away the agent
// logs Consul's line with the count. (The queue bound itself is asserted in http-api/test/monitor.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { getDefaultHighWaterMark } from 'node:stream';
import { createLogger } from '@conclave/toolkit';
import { startAgent, type TestAgent } from './support/run.js';

const agentLog: string[] = [];
const logger = createLogger({ level: 'info', name: 'agent', write: (l) => agentLog.push(l) });
let agent: TestAgent;

beforeAll(async () => {
  agent = await startAgent('monitor-test', logger);
});
afterAll(() => agent.stop());

describe('a monitor client that does not read', () => {
  it('neither stalls the agent nor keeps what it cannot take; the agent reports the drop', async () => {
    const [host, port] = agent.httpAddr.split(':') as [string, string];
    const sock = net.connect(Number(port), host);
    let head = '';
    sock.once('data', (d: Buffer) => {
      head = d.toString();
      sock.pause(); // from here on, never reads
    });
    sock.write('GET /v1/agent/monitor?loglevel=debug HTTP/1.1\r\nHost: agent\r\n\r\n');
    while (!head.includes('\r\n\r\n')) await new Promise((r) => setTimeout(r, 5));
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);

    // Four megabytes of debug lines in one burst, from the agent's own logger.
    const pad = 'z'.repeat(1000);
    for (let i = 0; i < 4000; i++) logger.named('server').debug('busy', { i, pad });

    const put = await agent.run(['kv', 'put', 'still/answering', 'yes']);
    expect([put.code, put.stdout]).toEqual([0, 'Success! Data written to: still/answering\n']);
    const get = await agent.run(['kv', 'get', 'still/answering']);
    expect([get.code, get.stdout]).toEqual([0, 'yes\n']);

    sock.destroy();
    while (!agentLog.some((l) => l.includes('Dropped logs during monitor request'))) await new Promise((r) => setTimeout(r, 5));
    const line = agentLog.find((l) => l.includes('Dropped logs'))!;
    const m = /^\S+ \[WARN\]  agent: Dropped logs during monitor request: dropped_count=(\d+)$/.exec(line);
    expect(m).not.toBeNull();
    // Of 4000 lines (about 1 KB each), at most the 512 queued and what Node buffers for the socket up to its
    // high-water mark (16 KiB on Node 20, 64 KiB from 22) were kept.
    const buffered = Math.ceil(getDefaultHighWaterMark(false) / 1000) + 2;
    expect(Number(m![1])).toBeGreaterThan(4000 - 512 - buffered - 20);
    // The agent's own sink (info) never saw the debug burst.
    expect(agentLog.some((l) => l.includes('busy'))).toBe(false);
  });
});
