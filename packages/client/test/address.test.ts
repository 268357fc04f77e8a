import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConsulConfigError, parseHttpAddress, resolveHttpAddress, resolveToken } from '../src/index.js';

describe('resolveHttpAddress', () => {
  it('prefers the flag, then CONSUL_HTTP_ADDR, then 127.0.0.1:8500', () => {
    expect(resolveHttpAddress('10.0.0.1:1234', { CONSUL_HTTP_ADDR: '10.0.0.2:8500' }).display).toBe('http://10.0.0.1:1234');
    expect(resolveHttpAddress(undefined, { CONSUL_HTTP_ADDR: '10.0.0.2:9' }).display).toBe('http://10.0.0.2:9');
    expect(resolveHttpAddress('', {}).display).toBe('http://127.0.0.1:8500');
  });
  it('accepts http://, https://, unix:// and bracketed IPv6', () => {
    expect(parseHttpAddress('http://localhost:8500')).toMatchObject({ scheme: 'http', host: 'localhost', port: 8500 });
    expect(parseHttpAddress('https://consul.example:8501/')).toMatchObject({ scheme: 'https', host: 'consul.example', port: 8501 });
    expect(parseHttpAddress('unix:///var/run/consul.sock')).toMatchObject({ socketPath: '/var/run/consul.sock' });
    expect(parseHttpAddress('[::1]:8500')).toMatchObject({ host: '::1', port: 8500, display: 'http://[::1]:8500' });
    expect(parseHttpAddress('example.com')).toMatchObject({ port: 80 });
  });
  it('CONSUL_HTTP_SSL upgrades to https but an explicit https is never downgraded', () => {
    expect(resolveHttpAddress('127.0.0.1:8501', { CONSUL_HTTP_SSL: 'true' }).scheme).toBe('https');
    expect(resolveHttpAddress('https://h:1', { CONSUL_HTTP_SSL: 'false' }).scheme).toBe('https');
  });
  it('rejects what it cannot use, saying why', () => {
    expect(() => parseHttpAddress('ftp://x:1')).toThrow(new ConsulConfigError('Unknown protocol scheme: ftp'));
    expect(() => parseHttpAddress('host:99999')).toThrow(/port "99999"/);
    expect(() => parseHttpAddress('::1:8500')).toThrow(/brackets/);
    expect(() => parseHttpAddress('[::1:8500')).toThrow("invalid HTTP address \"[::1:8500\": address [::1:8500: missing ']' in address");
    expect(parseHttpAddress('[fe80::1]')).toMatchObject({ host: 'fe80::1', port: 80, display: 'http://[fe80::1]:80' });
    expect(() => resolveHttpAddress(undefined, { CONSUL_HTTP_SSL: 'maybe' })).toThrow(/CONSUL_HTTP_SSL/);
  });
});

describe('resolveToken', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-token-'));
  const file = join(dir, 'token');
  writeFileSync(file, '  file-token\n');
  it('orders explicit options before the environment, files before tokens', () => {
    expect(resolveToken({ tokenFile: file, token: 'flag' }, { CONSUL_HTTP_TOKEN: 'env' })).toBe('file-token');
    expect(resolveToken({ token: 'flag' }, { CONSUL_HTTP_TOKEN_FILE: file })).toBe('flag');
    expect(resolveToken({}, { CONSUL_HTTP_TOKEN_FILE: file, CONSUL_HTTP_TOKEN: 'env' })).toBe('file-token');
    expect(resolveToken({}, { CONSUL_HTTP_TOKEN: 'env' })).toBe('env');
    expect(resolveToken({}, {})).toBeUndefined();
  });
  it('names an unreadable token file', () => {
    expect(() => resolveToken({ tokenFile: join(dir, 'missing') }, {})).toThrow(/Error loading token file .*missing/);
  });
});
