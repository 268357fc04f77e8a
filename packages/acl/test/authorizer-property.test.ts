// The authorizer against a reference evaluator written the obvious way (scan every rule of every policy, no
// merging or tables), over random rule sets and names drawn from a small alphabet so that prefixes, exact
// matches and ties between policies are frequent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzOptions } from '@conclave/test-support/fuzz';
import {
  Authorizer,
  SEGMENT_RESOURCES,
  type Access,
  type AccessLevel,
  type DefaultPolicy,
  type PolicyRules,
  type SegmentResource,
  type SegmentRule,
  type SingleResource,
} from '../src/index.js';

const ORDER: AccessLevel[] = ['read', 'list', 'write', 'deny']; // ascending precedence

function strongest(levels: AccessLevel[]): AccessLevel | undefined {
  let best: AccessLevel | undefined;
  for (const l of levels) if (best === undefined || ORDER.indexOf(l) > ORDER.indexOf(best)) best = l;
  return best;
}

function grants(level: AccessLevel, access: Access): boolean {
  if (level === 'write') return true;
  if (level === 'list') return access !== 'write';
  if (level === 'read') return access === 'read';
  return false;
}

function defaultAllows(def: DefaultPolicy, resource: string): boolean {
  return def === 'manage' || (def === 'allow' && resource !== 'acl');
}

/** The rules governing `name`: all exact ones for it if any, else all prefix ones of the longest matching prefix. */
function governing(policies: PolicyRules[], resource: SegmentResource, name: string): SegmentRule[] {
  const all = policies.flatMap((p) => p.segments.filter((s) => s.resource === resource));
  const exact = all.filter((s) => !s.prefix && s.name === name);
  if (exact.length) return exact;
  const prefixes = all.filter((s) => s.prefix && name.startsWith(s.name));
  const longest = Math.max(-1, ...prefixes.map((s) => s.name.length));
  return prefixes.filter((s) => s.name.length === longest);
}

function reference(policies: PolicyRules[], def: DefaultPolicy, resource: SegmentResource | 'intention', access: Access, name: string): boolean {
  const rules = governing(policies, resource === 'intention' ? 'service' : resource, name);
  if (!rules.length) return defaultAllows(def, resource);
  let level = strongest(rules.map((r) => r.policy))!;
  if (resource === 'intention') {
    const written = strongest(rules.flatMap((r) => (r.intentions ? [r.intentions] : [])));
    level = written ?? (level === 'deny' ? 'deny' : 'read');
  }
  return grants(level, access);
}

function referenceSingle(policies: PolicyRules[], def: DefaultPolicy, resource: SingleResource, access: Access): boolean {
  let level = strongest(policies.flatMap((p) => (p.singles[resource] ? [p.singles[resource]!] : [])));
  if (level === undefined && (resource === 'mesh' || resource === 'peering')) {
    level = strongest(policies.flatMap((p) => (p.singles.operator ? [p.singles.operator] : [])));
  }
  return level === undefined ? defaultAllows(def, resource) : grants(level, access);
}

function referenceKeyWritePrefix(policies: PolicyRules[], def: DefaultPolicy, prefix: string): boolean {
  const keys = policies.flatMap((p) => p.segments.filter((s) => s.resource === 'key'));
  const under = keys.filter((s) => s.name.startsWith(prefix));
  const merged = new Map<string, AccessLevel[]>();
  for (const s of under) merged.set(`${s.prefix}:${s.name}`, [...(merged.get(`${s.prefix}:${s.name}`) ?? []), s.policy]);
  for (const levels of merged.values()) if (strongest(levels) !== 'write') return false;
  const parents = keys.filter((s) => s.prefix && prefix.startsWith(s.name));
  if (!parents.length) return defaultAllows(def, 'key');
  const longest = Math.max(...parents.map((s) => s.name.length));
  return strongest(parents.filter((s) => s.name.length === longest).map((s) => s.policy)) === 'write';
}

const name = fc.stringMatching(/^[ab/]{0,4}$/);
const level = fc.constantFrom<AccessLevel>('read', 'write', 'deny');
const segment: fc.Arbitrary<SegmentRule> = fc
  .record({
    resource: fc.constantFrom<SegmentResource>('key', 'service', 'node'),
    name,
    prefix: fc.boolean(),
    policy: fc.oneof(level, fc.constant<AccessLevel>('list')),
    intentions: fc.option(level, { nil: undefined }),
  })
  .map((r) => {
    const out: SegmentRule = { resource: r.resource, name: r.name, prefix: r.prefix, policy: r.resource === 'key' || r.policy !== 'list' ? r.policy : 'read' };
    if (r.resource === 'service' && r.intentions) out.intentions = r.intentions;
    return out;
  });
const singles = fc.record(
  { operator: level, mesh: level, peering: level, acl: level, keyring: level },
  { requiredKeys: [] },
) as fc.Arbitrary<PolicyRules['singles']>;
const policy: fc.Arbitrary<PolicyRules> = fc.record({ segments: fc.array(segment, { maxLength: 8 }), singles });
const defaults = fc.constantFrom<DefaultPolicy>('allow', 'deny', 'manage');
const access = fc.constantFrom<Access>('read', 'list', 'write');

describe('authorizer vs reference evaluator', () => {
  it('agrees on every segment resource, intentions and single resources', () => {
    fc.assert(
      fc.property(fc.array(policy, { maxLength: 3 }), defaults, name, access, (policies, def, n, acc) => {
        const a = Authorizer.compile(policies, def);
        for (const r of SEGMENT_RESOURCES) expect(a.allowed(r, acc, n)).toBe(reference(policies, def, r, acc, n));
        expect(a.allowed('intention', acc, n)).toBe(reference(policies, def, 'intention', acc, n));
        for (const r of ['operator', 'mesh', 'peering', 'acl', 'keyring'] as SingleResource[]) {
          expect(a.allowed(r, acc)).toBe(referenceSingle(policies, def, r, acc));
        }
      }),
      fuzzOptions(300),
    );
  });

  it('agrees on keyWritePrefix', () => {
    fc.assert(
      fc.property(fc.array(policy, { maxLength: 3 }), defaults, name, (policies, def, prefix) => {
        expect(Authorizer.compile(policies, def).keyWritePrefix(prefix)).toBe(referenceKeyWritePrefix(policies, def, prefix));
      }),
      fuzzOptions(300),
    );
  });
});
