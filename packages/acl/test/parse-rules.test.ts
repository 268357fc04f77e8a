import { describe, expect, it } from 'vitest';
import { AclRulesError, parseRules } from '../src/index.js';

function fails(text: string): AclRulesError {
  try {
    parseRules(text);
  } catch (err) {
    expect(err).toBeInstanceOf(AclRulesError);
    return err as AclRulesError;
  }
  throw new Error('expected the rules to be refused');
}

describe('parseRules', () => {
  it('reads every resource of the HCL grammar', () => {
    const r = parseRules(`
key "a" { policy = "read" }
key_prefix "b/" { policy = "list" }
service "web" {
  policy = "write"
  intentions = "read"
}
service_prefix "" { policy = "read" }
node "n" { policy = "write" }
node_prefix "" { policy = "read" }
session_prefix "" { policy = "write" }
session "s" { policy = "deny" }
event_prefix "" { policy = "read" }
event "e" { policy = "write" }
agent_prefix "" { policy = "read" }
agent "a" { policy = "write" }
query_prefix "" { policy = "read" }
query "q" { policy = "write" }
operator = "read"
keyring = "write"
acl = "read"
mesh = "write"
peering = "read"
`);
    expect(r.segments).toHaveLength(14);
    expect(r.segments.find((s) => s.resource === 'service' && !s.prefix)).toEqual({ resource: 'service', name: 'web', prefix: false, policy: 'write', intentions: 'read' });
    expect(r.segments.find((s) => s.resource === 'key' && s.prefix)).toEqual({ resource: 'key', name: 'b/', prefix: true, policy: 'list' });
    expect(r.singles).toEqual({ acl: 'read', keyring: 'write', mesh: 'write', operator: 'read', peering: 'read' });
  });

  it('reads the JSON form the same way', () => {
    const hcl = parseRules(`key_prefix "app/" { policy = "write" }\nservice "web" { policy = "read" }\noperator = "read"`);
    const json = parseRules(JSON.stringify({ key_prefix: { 'app/': { policy: 'write' } }, service: { web: { policy: 'read' } }, operator: 'read' }));
    expect(json).toEqual(hcl);
  });

  it('ignores keys it does not know, as hcl.Decode into Consul\'s struct does', () => {
    expect(parseRules(`namespace "x" { key "a" { policy = "read" } }\nkey "b" { policy = "read" }`).segments).toHaveLength(1);
  });

  it('treats empty rules as an empty policy', () => {
    expect(parseRules('  \n')).toEqual({ segments: [], singles: {} });
  });

  it('names the line and column of a syntax error, in Consul\'s words', () => {
    const e = fails(`key "a" {\n  policy = \n}`);
    expect(e.message).toBe('Failed to parse ACL rules: At 3:2: object expected closing RBRACE got: EOF');
    expect([e.line, e.column]).toEqual([3, 2]);
  });

  it('refuses an invalid level with Consul\'s text and the position', () => {
    const e = fails(`key "a" { policy = "read" }\nservice "web" {\n  policy = "admin"\n}`);
    expect(e.message).toBe('Invalid service policy: &acl.ServiceRule{Name:"web", Policy:"admin", Intentions:"", EnterpriseRule:acl.EnterpriseRule{}} (at line 3, column 3)');
    expect([e.line, e.column]).toEqual([3, 3]);
    expect(fails(`key_prefix "x" { }`).message).toMatch(/^Invalid key_prefix policy: &acl.KeyRule\{Prefix:"x", Policy:""/);
    expect(fails(`service "s" { policy = "read"\nintentions = "list" }`).message).toMatch(/^Invalid service intentions policy/);
    expect(fails(`operator = "list"`).message).toBe('Invalid operator policy: "list" (at line 1, column 1)');
  });

  it('allows list for keys only', () => {
    expect(fails(`node "n" { policy = "list" }`).message).toMatch(/^Invalid node policy/);
  });

  it('refuses a block written as a value', () => {
    const e = fails(`\nkey = "read"`);
    expect(e.message).toMatch(/^key: expected blocks/);
    expect(e.line).toBe(2);
  });
});
