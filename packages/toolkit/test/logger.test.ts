import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.js';

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
