import { describe, expect, it } from 'vitest';
import { createLogger, parseLogLevel, silentLogger } from '../src/index.js';

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
