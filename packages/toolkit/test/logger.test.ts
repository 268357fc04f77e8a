import { describe, expect, it } from 'vitest';
import { PlainValue, createLogger, parseLogLevel, silentLogger } from '../src/index.js';

describe('createLogger', () => {
  it("writes Consul's line shape with the sub-logger's dotted name and key=value fields", () => {
    const lines: string[] = [];
    const log = createLogger('info', 'agent', (l) => lines.push(l)).named('http');
    log.info('Started HTTP server', { address: '127.0.0.1:8500', note: 'two words' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z \[INFO\]  agent\.http: Started HTTP server: address=127\.0\.0\.1:8500 note="two words"$/);
  });

  it('drops lines below its level', () => {
    const lines: string[] = [];
    const log = createLogger('warn', 'agent', (l) => lines.push(l));
    log.debug('hidden');
    log.info('hidden');
    log.warn('shown');
    log.error('shown too', { error: new Error('boom') });
    expect(lines.map((l) => l.replace(/^\S+ /, ''))).toEqual(['[WARN]  agent: shown', '[ERROR] agent: shown too: error=boom']);
  });
});

describe('createLogger options', () => {
  const at = () => new Date('2026-12-06T20:04:45.982Z');

  it('quotes empty values and values with spaces, quotes or control characters; prints bigints and errors plainly', () => {
    const lines: string[] = [];
    createLogger({ level: 'debug', name: 'watch', write: (l) => lines.push(l), now: at }).debug('Watch handler output', {
      handler: 'echo hello',
      index: 3n,
      output: 'hello\n',
      empty: '',
      q: 'say "hi"',
      skipped: undefined,
      err: new Error('boom'),
      obj: { a: 1 },
    });
    expect(lines).toEqual([
      '2026-12-06T20:04:45.982Z [DEBUG] watch: Watch handler output: handler="echo hello" index=3 output="hello\\n" empty="" q="say \\"hi\\"" err=boom obj={"a":1}',
    ]);
  });

  it("writes hclog's JSON lines, keys sorted, with the module and microsecond timestamps", () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', name: 'agent', format: 'json', write: (l) => lines.push(l), now: at }).named('http');
    log.info('Started <HTTP> server', { address: '127.0.0.1:8500', index: 18446744073709551615n, error: new Error('x') });
    expect(lines).toEqual([
      '{"@level":"info","@message":"Started \\u003cHTTP\\u003e server","@module":"agent.http","@timestamp":"2026-12-06T20:04:45.982000Z","address":"127.0.0.1:8500","error":"x","index":18446744073709551615}',
    ]);
  });

  it("writes consul-template's lines: one space after the level, ERR for errors, no module", () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'trace', format: 'consul-template', write: (l) => lines.push(l), now: at });
    log.info('(runner) creating watcher');
    log.error('(runner) failed');
    expect(lines).toEqual(['2026-12-06T20:04:45.982Z [INFO] (runner) creating watcher', '2026-12-06T20:04:45.982Z [ERR] (runner) failed']);
  });

  it('names sub-loggers from an unnamed root, and "off" drops everything', () => {
    const lines: string[] = [];
    createLogger({ write: (l) => lines.push(l), now: at }).named('dns').warn('x');
    createLogger({ level: 'off', write: (l) => lines.push(l) }).error('never');
    expect(lines).toEqual(['2026-12-06T20:04:45.982Z [WARN]  dns: x']);
  });

  it('reads level names as Consul and consul-template spell them', () => {
    expect(['INFO', 'err', 'Warning', 'trace', 'off', 'loud'].map(parseLogLevel)).toEqual(['info', 'error', 'warn', 'trace', 'off', undefined]);
  });

  it('has a silent logger whose sub-loggers are silent too', () => {
    silentLogger.named('x').error('nothing');
  });
});

describe('one root, several sinks', () => {
  const at = () => new Date('2026-12-06T17:18:19.754Z');

  it("writes Consul's raft line byte for byte, and the same event as hclog JSON to a JSON sink", () => {
    const text: string[] = [];
    const json: string[] = [];
    const root = createLogger({ level: 'info', name: 'agent', write: (l) => text.push(l), now: at });
    root.addSink({ level: 'info', format: 'json', write: (l) => json.push(l) });
    root.named('server').named('raft').info('entering follower state', {
      follower: 'Node at 127.0.0.1:8300 [Follower]',
      'leader-address': new PlainValue(''),
      'leader-id': new PlainValue(''),
    });
    expect(text).toEqual([
      '2026-12-06T17:18:19.754Z [INFO]  agent.server.raft: entering follower state: follower="Node at 127.0.0.1:8300 [Follower]" leader-address= leader-id=',
    ]);
    expect(json).toEqual([
      '{"@level":"info","@message":"entering follower state","@module":"agent.server.raft","@timestamp":"2026-12-06T17:18:19.754000Z","follower":"Node at 127.0.0.1:8300 [Follower]","leader-address":"","leader-id":""}',
    ]);
  });

  it('gives each sink its own level: a debug sink sees debug lines the info primary does not', () => {
    const primary: string[] = [];
    const monitor: string[] = [];
    const root = createLogger({ level: 'info', name: 'agent', write: (l) => primary.push(l), now: at });
    const remove = root.addSink({ level: 'debug', format: 'text', write: (l) => monitor.push(l) });
    root.named('http').debug('Request finished', { method: 'GET', url: '/v1/kv/a' });
    root.info('Synced node info');
    remove();
    root.debug('after removal');
    expect(primary.map((l) => l.slice(25))).toEqual(['[INFO]  agent: Synced node info']);
    expect(monitor.map((l) => l.slice(25))).toEqual(['[DEBUG] agent.http: Request finished: method=GET url=/v1/kv/a', '[INFO]  agent: Synced node info']);
  });

  it('changes the primary level at run time, for loggers named before the change too', () => {
    const lines: string[] = [];
    const root = createLogger({ level: 'info', name: 'agent', write: (l) => lines.push(l), now: at });
    const dns = root.named('dns');
    dns.debug('hidden');
    root.setLevel('debug');
    expect(root.level).toBe('debug');
    dns.debug('shown');
    root.setLevel('error');
    dns.warn('hidden again');
    expect(lines.map((l) => l.slice(25))).toEqual(['[DEBUG] agent.dns: shown']);
  });

  it('lets a sink remove itself while a line is being written', () => {
    const seen: string[] = [];
    const root = createLogger({ level: 'info', write: (l) => seen.push('primary ' + l.slice(25)), now: at });
    let remove = () => {};
    remove = root.addSink({ level: 'info', format: 'text', write: () => remove() });
    root.addSink({ level: 'info', format: 'text', write: (l) => seen.push('last ' + l.slice(25)) });
    root.info('one');
    root.info('two');
    expect(seen).toEqual(['primary [INFO]  one', 'last [INFO]  one', 'primary [INFO]  two', 'last [INFO]  two']);
  });
});
