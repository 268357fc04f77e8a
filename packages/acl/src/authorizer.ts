// What a token may do: its policies merged into one set of rules (Consul's policy merger), asked first, then the
// cluster's default policy for anything no rule speaks about (Consul's chained authorizer). Compiled once per
// token and cached by the resolver, so a request costs a few Map lookups.
import { enforce, takesPrecedenceOver, type Access, type AccessLevel, type Decision } from './access-level.js';
import type { PolicyRules, SegmentResource, SingleResource } from './policy-rules.js';
import { SEGMENT_RESOURCES } from './policy-rules.js';
import { RuleTable } from './rule-table.js';

/** Every resource a permission names, as Consul spells it in `lacks permission 'key:write'`. */
export type Resource = SegmentResource | SingleResource | 'intention';

/** `allow`: everything but ACL management (Consul's allowAll); `deny`: nothing; `manage`: everything. */
export type DefaultPolicy = 'allow' | 'deny' | 'manage';

export class Authorizer {
  private readonly tables: Record<SegmentResource, RuleTable>;
  private readonly singles: Partial<Record<SingleResource, AccessLevel>> = {};

  private constructor(
    policies: readonly PolicyRules[],
    readonly defaultPolicy: DefaultPolicy,
  ) {
    this.tables = Object.fromEntries(SEGMENT_RESOURCES.map((r) => [r, new RuleTable()])) as Record<SegmentResource, RuleTable>;
    for (const p of policies) {
      for (const r of p.segments) this.tables[r.resource].add(r.name, r.prefix, r.policy, r.intentions);
      for (const [res, level] of Object.entries(p.singles) as Array<[SingleResource, AccessLevel]>) {
        const cur = this.singles[res];
        if (takesPrecedenceOver(level, cur)) this.singles[res] = level;
      }
    }
  }

  /** The authorizer for a token whose policies' rules are `policies`, falling back to `defaultPolicy`. */
  static compile(policies: readonly PolicyRules[], defaultPolicy: DefaultPolicy): Authorizer {
    return new Authorizer(policies, defaultPolicy);
  }

  /** Whether `access` to `resource` (named `name` for segment resources and intentions) is allowed. */
  allowed(resource: Resource, access: Access, name = ''): boolean {
    const d = this.ruleDecision(resource, access, name);
    if (d !== 'default') return d === 'allow';
    return this.defaultAllows(resource);
  }

  /** What the token's own rules say, before the default policy (`default`: no rule matched). */
  ruleDecision(resource: Resource, access: Access, name = ''): Decision {
    switch (resource) {
      case 'intention': {
        const rule = this.tables.service.lookup(name);
        return enforce(intentionsOf(rule?.policy, rule?.intentions), access);
      }
      case 'acl':
      case 'keyring':
      case 'operator':
        return enforce(this.singles[resource], access);
      case 'mesh':
      case 'peering':
        // Consul: without a mesh (peering) rule, the operator rule decides.
        return enforce(this.singles[resource] ?? this.singles.operator, access);
      default:
        return enforce(this.tables[resource].lookup(name)?.policy, access);
    }
  }

  /** Consul's KeyWritePrefix (recursive deletes): the prefix rule governing `prefix` must grant write, and no
   * rule under `prefix` may grant less than write. With no rule either way, the default policy decides. */
  keyWritePrefix(prefix: string): boolean {
    const table = this.tables.key;
    for (const r of table.under(prefix)) if (r.policy !== 'write') return false;
    const parent = table.longestPrefix(prefix);
    if (parent) return parent.policy === 'write';
    return this.defaultAllows('key');
  }

  /** The token can do anything, ACL management included (the global-management policy or `acl = "write"` with
   * a default of manage). */
  get isManagement(): boolean {
    return this.allowed('acl', 'write');
  }

  private defaultAllows(resource: Resource): boolean {
    if (this.defaultPolicy === 'manage') return true;
    if (this.defaultPolicy === 'deny') return false;
    return resource !== 'acl';
  }
}

/** Consul's default for a service rule's intentions: read when the service is read or write, else deny. */
function intentionsOf(policy: AccessLevel | undefined, intentions: AccessLevel | undefined): AccessLevel | undefined {
  if (policy === undefined) return undefined;
  if (intentions) return intentions;
  return policy === 'read' || policy === 'write' ? 'read' : 'deny';
}
