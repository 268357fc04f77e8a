// Config `watches` entries: parsed all at once with their origin in errors, then run as a set against a real local
// server, with real handler processes.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsulClient } from '@conclave/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { createLogger } from '@conclave/toolkit';
import { WatchConfigError, parseConfigWatches, parseWatchDefinition, startWatches, type WatchSet } from '../src/internal.js';
import { LocalConsul } from './support/local-consul.js';

let server: LocalConsul;
let client: ConsulClient;
let set: WatchSet | undefined;

beforeEach(async () => {
  server = new LocalConsul();
  client = new ConsulClient({ address: await server.start(), env: {} });
});

afterEach(async () => {
  set?.stop();
  await set?.done;
  set = undefined;
  client.close();
  await server.stop();
});

describe('parseConfigWatches', () => {
  it('parses every entry and names the bad one with its origin', () => {
    const defs = parseConfigWatches([
      { raw: { type: 'key', key: 'a', args: ['h'] }, origin: '/etc/conclave.d/a.json' },
      { raw: { type: 'nodes', handler: 'h' } },
    ]);
    expect(defs.map((d) => d.type)).toEqual(['key', 'nodes']);
    expect(() => parseConfigWatches([{ raw: { type: 'key', key: 'a', args: ['h'] } }, { raw: { type: 'key', args: ['h'] }, origin: '/etc/w.json' }])).toThrow(
      /^\/etc\/w\.json: Failed to parse watch 2 \(\{"type":"key","args":\["h"\]\}\): Must specify a single key to watch$/,
    );
    expect(() => parseConfigWatches([{ raw: { type: 'nodes' } }])).toThrow(WatchConfigError);
  });
});

describe('startWatches', () => {
  it('runs each watch with its own handler process and stops them together', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-config-watches-'));
    const lines: string[] = [];
    const defs = parseConfigWatches([
      { raw: { type: 'key', key: 'app/cfg', args: ['/bin/sh', '-c', `cat >> ${join(dir, 'key.log')}`] } },
      { raw: { type: 'services', handler: `cat > ${join(dir, 'services.json')}` } },
    ]);
    set = startWatches(defs, { client, logger: createLogger({ level: 'info', name: 'watch', write: (l) => lines.push(l) }) });
    expect(lines.filter((l) => l.includes("The 'handler' field in watches has been deprecated"))).toHaveLength(1);
    const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
    await waitFor('the first handler runs', () => read('key.log') === 'null\n' && read('services.json') === '{"consul":[]}\n', { timeoutMs: 10_000 });
    server.putKey('app/cfg', 'x');
    await waitFor('the key handler to run again', () => readFileSync(join(dir, 'key.log'), 'utf8').split('\n').length === 3, { timeoutMs: 10_000 });
    const [first, second] = readFileSync(join(dir, 'key.log'), 'utf8').trim().split('\n');
    expect(first).toBe('null');
    expect(JSON.parse(second!)).toMatchObject({ Key: 'app/cfg', Value: Buffer.from('x').toString('base64') });
    set.stop();
    await set.done;
    expect(set.watches.map((w) => w.invocations)).toEqual([2, 1]);
  });

  it('refuses a definition without a handler before starting anything', () => {
    expect(() => startWatches([parseWatchDefinition({ type: 'key', key: 'k', args: ['h'] }), parseWatchDefinition({ type: 'nodes' }, { requireHandler: false })], { client })).toThrow(
      'a nodes watch from the config has no handler',
    );
    expect(server.requests).toHaveLength(0);
  });
});
