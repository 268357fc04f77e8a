// The syslog output through a real util-linux `logger`: each conclave-template log line reaches a syslog
// receiver (here a UDP one, Node's own dgram socket, since no syslog daemon runs in CI) with consul-template's
// priority for its level, the facility and the tag.
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { SyslogWriter, syslogFacility, syslogLine } from '../src/syslog-writer.js';

describe('syslog', () => {
  it('maps consul-template levels to priorities and cuts the line after the level', () => {
    const local0 = syslogFacility('local0');
    expect(local0).toBe(16);
    expect(syslogLine('2026-12-07T05:00:00.000Z [INFO] (runner) rendered', local0)).toBe('<133>(runner) rendered');
    expect(syslogLine('2026-12-07T05:00:00.000Z [ERR] (cli) boom', local0)).toBe('<131>(cli) boom');
    expect(syslogLine('2026-12-07T05:00:00.000Z [DEBUG] x', syslogFacility('DAEMON'))).toBe('<30>x');
    expect(syslogLine('2026-12-07T05:00:00.000Z [TRACE] x', local0)).toBe('<133>x');
    expect(() => syslogFacility('LOCAL9')).toThrow('unknown syslog facility "LOCAL9"');
  });

  it('sends each line through one logger process', async () => {
    const server = createSocket('udp4');
    const got: string[] = [];
    server.on('message', (m) => got.push(m.toString()));
    await new Promise<void>((r) => server.bind(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const errors: string[] = [];
    const w = new SyslogWriter({ facility: 'LOCAL5', name: 'ct-test', server: { host: '127.0.0.1', port }, onError: (e) => errors.push(e) });
    w.write('2026-12-07T05:00:00.000Z [WARN] (view) first');
    w.write('2026-12-07T05:00:00.000Z [INFO] (runner) second');
    await w.close();
    await waitFor('two datagrams', async () => got.length === 2, { timeoutMs: 5000 });
    server.close();
    expect(errors).toEqual([]);
    // LOCAL5 = 21: warning 21*8+4 = 172, notice 21*8+5 = 173; RFC 3164 header, then the tag.
    expect(got[0]).toMatch(/^<172>\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ ct-test: \(view\) first$/);
    expect(got[1]).toMatch(/^<173>.* ct-test: \(runner\) second$/);
  });
});
