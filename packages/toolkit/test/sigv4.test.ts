// SigV4 against AWS's published test suite (aws-sig-v4-test-suite: get-vanilla, get-vanilla-query-order-key-case,
// post-vanilla, post-x-www-form-urlencoded; credentials AKIDEXAMPLE, us-east-1, service `service`, 20150830T123600Z),
// then a round trip through signV4 and parseSigV4Authorization as a verifier uses them.
import { describe, expect, it } from 'vitest';
import { amzDate, parseSigV4Authorization, signV4, sigV4Parts } from '../src/index.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const scope = { region: 'us-east-1', service: 'service', amzDate: '20150830T123600Z' };
const base = { 'Host': 'example.amazonaws.com', 'X-Amz-Date': '20150830T123600Z' };

describe('SigV4 test suite', () => {
  it('get-vanilla', () => {
    const p = sigV4Parts({ method: 'GET', url: 'https://example.amazonaws.com/', headers: base, body: '' }, scope, SECRET);
    expect(p.canonicalRequest).toBe(
      'GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(p.stringToSign).toBe(
      'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63',
    );
    expect(p.signature).toBe('5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
  });

  it('get-vanilla-query-order-key-case', () => {
    const p = sigV4Parts({ method: 'GET', url: 'https://example.amazonaws.com/?Param2=value2&Param1=value1', headers: base, body: '' }, scope, SECRET);
    expect(p.canonicalRequest.split('\n')[2]).toBe('Param1=value1&Param2=value2');
    expect(p.signature).toBe('b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500');
  });

  it('post-vanilla', () => {
    const p = sigV4Parts({ method: 'POST', url: 'https://example.amazonaws.com/', headers: base, body: '' }, scope, SECRET);
    expect(p.signature).toBe('5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b');
  });

  it('post-x-www-form-urlencoded', () => {
    const headers = { 'Content-Type': 'application/x-www-form-urlencoded', ...base };
    const p = sigV4Parts({ method: 'POST', url: 'https://example.amazonaws.com/', headers, body: 'Param1=value1' }, scope, SECRET);
    expect(p.signedHeaders).toBe('content-type;host;x-amz-date');
    expect(p.signature).toBe('ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a');
  });
});

describe('signV4', () => {
  it('adds the date, the session token and an Authorization a verifier recomputes', () => {
    const req = { method: 'POST', url: 'https://sts.amazonaws.com/', headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8', 'User-Agent': 'x' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' };
    const at = Date.UTC(2015, 7, 30, 12, 36, 0);
    expect(amzDate(at)).toBe('20150830T123600Z');
    const headers = signV4(req, { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET, sessionToken: 'tok' }, 'us-east-1', 'sts', at);
    expect(headers['X-Amz-Security-Token']).toBe('tok');
    const auth = parseSigV4Authorization(headers.Authorization as string)!;
    expect(auth).toMatchObject({ accessKeyId: 'AKIDEXAMPLE', date: '20150830', region: 'us-east-1', service: 'sts' });
    expect(auth.signedHeaders).toEqual(['content-type', 'host', 'x-amz-date', 'x-amz-security-token']);
    const again = sigV4Parts({ ...req, headers }, { region: 'us-east-1', service: 'sts', amzDate: '20150830T123600Z' }, SECRET, auth.signedHeaders);
    expect(again.signature).toBe(auth.signature);
    const tampered = sigV4Parts({ ...req, headers, body: 'Action=GetCallerIdentity&Version=2011-06-15&x=1' }, { region: 'us-east-1', service: 'sts', amzDate: '20150830T123600Z' }, SECRET, auth.signedHeaders);
    expect(tampered.signature).not.toBe(auth.signature);
    expect(parseSigV4Authorization('Bearer x')).toBeUndefined();
  });
});
