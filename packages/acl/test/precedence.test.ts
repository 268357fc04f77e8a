// Consul's precedence, rule by rule, from the examples of Consul's ACL rules documentation
// (docs/security/acl/acl-rules, "Rule Scope" and "Policy Dispositions" and each resource's section).
import { describe, expect, it } from 'vitest';
import { Authorizer, GLOBAL_MANAGEMENT_RULES, parseRules, type Access, type DefaultPolicy, type Resource } from '../src/index.js';

type Row = [resource: Resource, access: Access, name: string, allowed: boolean];

function authz(rules: string[], def: DefaultPolicy = 'deny'): Authorizer {
  return Authorizer.compile(rules.map(parseRules), def);
}

const cases: Array<{ title: string; rules: string[]; def?: DefaultPolicy; rows: Row[] }> = [
  {
    title: 'read everything, write foo/, deny foo/private/ (longest prefix wins)',
    rules: [`key_prefix "" { policy = "read" }\nkey_prefix "foo/" { policy = "write" }\nkey_prefix "foo/private/" { policy = "deny" }`],
    rows: [
      ['key', 'read', 'bar', true],
      ['key', 'write', 'bar', false],
      ['key', 'write', 'foo/x', true],
      ['key', 'read', 'foo/private/x', false],
      ['key', 'write', 'foo/private/x', false],
      ['key', 'write', 'foo/privat', true],
      ['key', 'list', 'bar', false],
    ],
  },
  {
    title: 'an exact rule beats any prefix rule for that name only',
    rules: [`key_prefix "foo" { policy = "write" }\nkey "foo" { policy = "deny" }\nkey "bar" { policy = "read" }`],
    rows: [
      ['key', 'read', 'foo', false],
      ['key', 'write', 'foo/bar', true],
      ['key', 'write', 'food', true],
      ['key', 'read', 'bar', true],
      ['key', 'write', 'bar', false],
      ['key', 'read', 'bar/x', false],
    ],
  },
  {
    title: 'deny beats write for the same name and kind, across policies',
    rules: [`key "app/x" { policy = "write" }`, `key "app/x" { policy = "deny" }`, `key_prefix "app/" { policy = "write" }`],
    rows: [
      ['key', 'read', 'app/x', false],
      ['key', 'write', 'app/y', true],
    ],
  },
  {
    title: 'write beats read for the same name when merging, in one policy too',
    rules: [`service "web" { policy = "read" }\nservice "web" { policy = "write" }`],
    rows: [
      ['service', 'write', 'web', true],
      ['service', 'read', 'api', false],
    ],
  },
  {
    title: 'list grants list and read, not write (keys)',
    rules: [`key_prefix "" { policy = "list" }`],
    rows: [
      ['key', 'list', 'a/b', true],
      ['key', 'read', 'a/b', true],
      ['key', 'write', 'a/b', false],
    ],
  },
  {
    title: 'read does not grant list',
    rules: [`key_prefix "" { policy = "read" }`],
    rows: [
      ['key', 'list', '', false],
      ['key', 'read', 'x', true],
    ],
  },
  {
    title: 'service intentions default to read for read or write services, deny otherwise',
    rules: [`service "web" { policy = "write" }\nservice "db" { policy = "deny" }\nservice_prefix "" { policy = "read"\n intentions = "write" }`],
    rows: [
      ['intention', 'read', 'web', true],
      ['intention', 'write', 'web', false],
      ['intention', 'read', 'db', false],
      ['intention', 'write', 'other', true],
      ['service', 'write', 'other', false],
    ],
  },
  {
    title: 'the default policy answers only where no rule matches; allow never grants ACL management',
    def: 'allow',
    rules: [`key_prefix "secret/" { policy = "deny" }`],
    rows: [
      ['key', 'write', 'app/x', true],
      ['key', 'read', 'secret/y', false],
      ['service', 'write', 'web', true],
      ['acl', 'read', '', false],
      ['operator', 'write', '', true],
    ],
  },
  {
    title: 'mesh and peering follow operator unless they have their own rule',
    rules: [`operator = "write"\npeering = "read"`],
    rows: [
      ['mesh', 'write', '', true],
      ['peering', 'read', '', true],
      ['peering', 'write', '', false],
      ['keyring', 'read', '', false],
      ['acl', 'read', '', false],
    ],
  },
  {
    title: 'single rules merge with deny first',
    rules: [`operator = "write"`, `operator = "deny"`, `acl = "read"`],
    rows: [
      ['operator', 'read', '', false],
      ['acl', 'read', '', true],
      ['acl', 'write', '', false],
    ],
  },
  {
    title: 'node, session, agent, event and query rules work the same way',
    rules: [
      `node_prefix "" { policy = "read" }\nnode "n1" { policy = "write" }\nsession_prefix "n" { policy = "write" }\nagent "n1" { policy = "read" }\nevent_prefix "deploy" { policy = "write" }\nquery_prefix "" { policy = "read" }\nquery "q" { policy = "deny" }`,
    ],
    rows: [
      ['node', 'read', 'n2', true],
      ['node', 'write', 'n2', false],
      ['node', 'write', 'n1', true],
      ['session', 'write', 'n9', true],
      ['session', 'read', 'm', false],
      ['agent', 'read', 'n1', true],
      ['agent', 'read', 'n12', false],
      ['event', 'write', 'deploy-web', true],
      ['event', 'read', 'other', false],
      ['query', 'read', 'qq', true],
      ['query', 'read', 'q', false],
    ],
  },
  {
    title: 'global-management allows everything',
    rules: [GLOBAL_MANAGEMENT_RULES],
    rows: [
      ['acl', 'write', '', true],
      ['key', 'write', 'anything', true],
      ['intention', 'write', 'web', true],
      ['keyring', 'write', '', true],
      ['peering', 'write', '', true],
    ],
  },
];

describe('Consul precedence table', () => {
  for (const c of cases) {
    describe(c.title, () => {
      const a = authz(c.rules, c.def);
      for (const [resource, access, name, want] of c.rows) {
        it(`${resource}:${access} on ${JSON.stringify(name)} is ${want ? 'allowed' : 'denied'}`, () => {
          expect(a.allowed(resource, access, name)).toBe(want);
        });
      }
    });
  }
});

describe('keyWritePrefix (recursive delete)', () => {
  it('needs write on the governing prefix and on every rule under it', () => {
    const a = authz([`key_prefix "app/" { policy = "write" }\nkey "app/locked" { policy = "read" }`]);
    expect(a.keyWritePrefix('app/sub/')).toBe(true);
    expect(a.keyWritePrefix('app/')).toBe(false);
    expect(a.keyWritePrefix('other/')).toBe(false);
  });
  it('falls back to the default policy when no rule speaks', () => {
    expect(authz([], 'allow').keyWritePrefix('x/')).toBe(true);
    expect(authz([`key_prefix "x/y" { policy = "deny" }`], 'allow').keyWritePrefix('x/')).toBe(false);
  });
});
