// BindName interpolation (Consul's InterpolateHIL with lowercasing) and the built-in templated policies: what they
// render to, what their schemas refuse, and that the rendered rules parse and grant what Consul's do.
import { describe, expect, it } from 'vitest';
import {
  Authorizer,
  BindNameError,
  TEMPLATED_POLICIES,
  TemplatedPolicyError,
  VALID_IDENTITY_NAME,
  VALID_ROLE_NAME,
  computeBindName,
  interpolateBindName,
  parseRules,
  renderTemplatedPolicy,
  syntheticPolicy,
  validateTemplatedPolicy,
} from '../src/index.js';

describe('BindName interpolation', () => {
  const vars = { 'value.team': 'Pay', 'serviceaccount.name': 'web', 'value.empty': '' };

  it('replaces ${var} references, lowercased, and refuses unknown variables', () => {
    expect(interpolateBindName('${value.team}-${ serviceaccount.name }', vars)).toBe('pay-web');
    expect(interpolateBindName('${value.team}', vars, false)).toBe('Pay');
    expect(interpolateBindName('plain', vars)).toBe('plain');
    expect(() => interpolateBindName('${value.nope}', vars)).toThrow(new BindNameError('error interpreting template: unknown variable accessed: value.nope'));
    expect(() => interpolateBindName('x-${value.team', vars)).toThrow('unterminated interpolation');
  });

  it('checks the computed name for its bind type, and calls out a value lowercased on the way', () => {
    expect(computeBindName('${serviceaccount.name}-api', vars, VALID_IDENTITY_NAME)).toBe('web-api');
    expect(() => computeBindName('${value.empty}', vars, VALID_IDENTITY_NAME)).toThrow('invalid bind name: ""');
    expect(() => computeBindName('Web', vars, VALID_IDENTITY_NAME)).toThrow('invalid bind name: "Web"');
    expect(computeBindName('Ops_Team', vars, VALID_ROLE_NAME)).toBe('Ops_Team');
    expect(() => computeBindName('${value.team}', vars, VALID_ROLE_NAME)).toThrow(/uppercase characters \(interpolated as "Pay" before lowercasing\)/);
  });
});

describe('templated policies', () => {
  it('are the three CE templates, each rendering rules that parse', () => {
    expect(TEMPLATED_POLICIES.map((t) => t.TemplateName)).toEqual(['builtin/dns', 'builtin/node', 'builtin/service']);
    for (const t of TEMPLATED_POLICIES) expect(() => parseRules(renderTemplatedPolicy({ TemplateName: t.TemplateName, TemplateVariables: { Name: 'x' } }))).not.toThrow();
  });

  it('grant what Consul\'s service and node identities grant', () => {
    const service = Authorizer.compile([parseRules(renderTemplatedPolicy({ TemplateName: 'builtin/service', TemplateVariables: { Name: 'api' } }))], 'deny');
    expect(service.allowed('service', 'write', 'api')).toBe(true);
    expect(service.allowed('service', 'write', 'api-sidecar-proxy')).toBe(true);
    expect(service.allowed('service', 'write', 'db')).toBe(false);
    expect(service.allowed('node', 'read', 'n1')).toBe(true);
    expect(service.allowed('key', 'read', 'x')).toBe(false);
    const dns = Authorizer.compile([parseRules(renderTemplatedPolicy({ TemplateName: 'builtin/dns' }))], 'deny');
    expect(dns.allowed('query', 'read', 'q')).toBe(true);
    expect(dns.allowed('node', 'write', 'n1')).toBe(false);
  });

  it('validate their variables against the schema', () => {
    expect(validateTemplatedPolicy({ TemplateName: 'builtin/dns', TemplateVariables: { Name: 'ignored' }, Datacenters: ['dc1'] })).toEqual({ TemplateName: 'builtin/dns', Datacenters: ['dc1'] });
    expect(() => validateTemplatedPolicy({ TemplateName: 'builtin/node' })).toThrow(new TemplatedPolicyError('encountered templated policy variables validation error: name is required'));
    expect(() => validateTemplatedPolicy({ TemplateName: 'builtin/node', TemplateVariables: { Name: '' } })).toThrow(/String length must be greater than or equal to 1/);
    expect(() => validateTemplatedPolicy({ TemplateName: 'builtin/node', TemplateVariables: { Name: 'a" {' } })).toThrow(/invalid name/);
    expect(() => validateTemplatedPolicy({ TemplateName: 'builtin/nope' })).toThrow('templated policy with an invalid templated name: builtin/nope');
  });

  it('preview as a synthetic policy named after its rules', () => {
    const a = syntheticPolicy({ TemplateName: 'builtin/service', TemplateVariables: { Name: 'api' } });
    const b = syntheticPolicy({ TemplateName: 'builtin/service', TemplateVariables: { Name: 'db' } });
    expect(a.Name).toBe(`synthetic-policy-${a.ID}`);
    expect(a.ID).not.toBe(b.ID);
    expect(a.Description).toBe('synthetic policy generated from templated policy: builtin/service');
  });
});
