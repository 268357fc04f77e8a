import { describe, expect, it } from 'vitest';
import { AddrError, joinHostPort, splitHostOptionalPort, splitHostPort, withDefaultPort } from '../src/index.js';

describe('host-port', () => {
  it('splits as net.SplitHostPort, with Go errors', () => {
    expect(splitHostPort('[fe80::1]:8301')).toEqual({ host: 'fe80::1', port: '8301' });
    expect(splitHostPort(':80')).toEqual({ host: '', port: '80' });
    expect(() => splitHostPort('fe80::1')).toThrow(new AddrError('fe80::1', 'too many colons in address'));
    expect(() => splitHostPort('host')).toThrow('address host: missing port in address');
  });
  it('joins as net.JoinHostPort', () => {
    expect(joinHostPort('fe80::1', 8301)).toBe('[fe80::1]:8301');
    expect(joinHostPort('10.0.0.1', '8301')).toBe('10.0.0.1:8301');
  });
  it('reads join addresses: a bare IPv6 address is a host, not host "fe80:" with port 1', () => {
    expect(splitHostOptionalPort('fe80::1')).toEqual({ host: 'fe80::1' });
    expect(splitHostOptionalPort('[fe80::1]')).toEqual({ host: 'fe80::1' });
    expect(splitHostOptionalPort('node1')).toEqual({ host: 'node1' });
    expect(splitHostOptionalPort('node1:8000')).toEqual({ host: 'node1', port: '8000' });
    expect(withDefaultPort('fe80::1', 8301)).toBe('[fe80::1]:8301');
    expect(withDefaultPort('[fe80::1]', 8301)).toBe('[fe80::1]:8301');
    expect(withDefaultPort('[fe80::1]:9000', 8301)).toBe('[fe80::1]:9000');
    expect(withDefaultPort('10.0.0.1', 8301)).toBe('10.0.0.1:8301');
    expect(withDefaultPort('10.0.0.1:9000', 8301)).toBe('10.0.0.1:9000');
    expect(() => withDefaultPort('[fe80::1', 8301)).toThrow(AddrError);
    expect(() => withDefaultPort('a]b', 8301)).toThrow("unexpected ']' in address");
  });
});
