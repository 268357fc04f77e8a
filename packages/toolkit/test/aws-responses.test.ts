// Reading AWS's answers as Consul's iamauth does: principal ARNs (an assumed role canonical as its role) and the
// XML of sts:GetCallerIdentity, iam:GetRole and iam:GetUser.
import { describe, expect, it } from 'vitest';
import { canonicalArn, parseArn, parseCallerIdentityResponse, parseIamEntityResponse } from '../src/index.js';

describe('responses', () => {
  it('parses ARNs as iamauth, an assumed role canonical as its role without path', () => {
    expect(canonicalArn(parseArn('arn:aws:sts::1:assumed-role/r/s'))).toBe('arn:aws:iam::1:role/r');
    expect(canonicalArn(parseArn('arn:aws:iam::1:user/a/b/alice'))).toBe('arn:aws:iam::1:user/alice');
    expect(() => parseArn('arn:aws:iam::1')).toThrow('unrecognized arn: contains 5 colon-separated parts, expected 6');
    expect(() => parseArn('arn:aws:ec2::1:user/x')).toThrow('unrecognized service: ec2, not one of iam or sts');
    expect(() => parseArn('arn:aws:iam::1:group/x')).toThrow('unrecognized principal type: "group"');
    expect(() => parseArn('arn:aws:sts::1:assumed-role/r')).toThrow('unrecognized arn: "assumed-role/r" contains fewer than 3 slash-separated parts');
  });
  it('reads the XML answers', () => {
    expect(parseCallerIdentityResponse('<?xml version="1.0"?>\n<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>a&amp;b</Arn><UserId>u</UserId><Account>1</Account></GetCallerIdentityResult></GetCallerIdentityResponse>')).toEqual([
      { Arn: 'a&b', UserId: 'u', Account: '1' },
    ]);
    expect(() => parseCallerIdentityResponse('{"Arn":"x"}')).toThrow('body of GetCallerIdentity is invalid');
    expect(() => parseCallerIdentityResponse('<GetCallerIdentityResponse><x></GetCallerIdentityResponse>')).toThrow(/XML syntax error/);
    const role = parseIamEntityResponse('<GetRoleResponse><GetRoleResult><Role><Arn>arn</Arn><Path>/p/</Path><RoleId>R</RoleId><RoleName>n</RoleName><Tags><member><Key>k</Key><Value>v</Value></member></Tags></Role></GetRoleResult></GetRoleResponse>', 'GetRole');
    expect(role).toEqual({ arn: 'arn', path: '/p/', id: 'R', name: 'n', tags: { k: 'v' } });
    expect(() => parseIamEntityResponse('<GetRoleResponse></GetRoleResponse>', 'GetRole')).toThrow('received 0 identities in GetRole response but expected 1');
  });
});

