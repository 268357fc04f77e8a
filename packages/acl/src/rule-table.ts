// One resource's rules after merging, and Consul's lookup over them (policy_authorizer.go getPolicy): a rule for
// exactly the name wins; otherwise the longest prefix rule that the name starts with. Consul walks a radix tree;
// here exact rules are one Map and prefix rules a Map probed once per distinct prefix length, longest first,
// which costs a handful of Map lookups for a realistic policy and no allocation beyond the probed slices.
import { takesPrecedenceOver, type AccessLevel } from './access-level.js';

export interface MergedRule {
  policy: AccessLevel;
  /** Services only: the intentions level as written, merged; undefined when no merged rule wrote one. */
  intentions?: AccessLevel;
}

export class RuleTable {
  private readonly exact = new Map<string, MergedRule>();
  private readonly prefixes = new Map<string, MergedRule>();
  private lengths: number[] = [];

  /** Adds a rule, merging with one for the same name and kind as Consul's policy merger does: the level that
   * takes precedence (deny > write > list > read) wins, for the policy and the intentions separately. */
  add(name: string, prefix: boolean, policy: AccessLevel, intentions?: AccessLevel): void {
    const map = prefix ? this.prefixes : this.exact;
    const cur = map.get(name);
    if (!cur) {
      map.set(name, intentions ? { policy, intentions } : { policy });
      if (prefix && !this.lengths.includes(name.length)) this.lengths = [...this.lengths, name.length].sort((a, b) => b - a);
      return;
    }
    if (takesPrecedenceOver(policy, cur.policy)) cur.policy = policy;
    if (intentions && takesPrecedenceOver(intentions, cur.intentions)) cur.intentions = intentions;
  }

  /** The rule that governs `name`, if any. */
  lookup(name: string): MergedRule | undefined {
    const exact = this.exact.get(name);
    if (exact) return exact;
    return this.longestPrefix(name);
  }

  /** The longest prefix rule that `name` starts with (exact rules ignored). */
  longestPrefix(name: string): MergedRule | undefined {
    for (const len of this.lengths) {
      if (len > name.length) continue;
      const rule = this.prefixes.get(len === name.length ? name : name.slice(0, len));
      if (rule) return rule;
    }
    return undefined;
  }

  /** Every rule, exact or prefix, whose name starts with `prefix` (the rules "under" it). */
  *under(prefix: string): Iterable<MergedRule> {
    for (const [k, r] of this.exact) if (k.startsWith(prefix)) yield r;
    for (const [k, r] of this.prefixes) if (k.startsWith(prefix)) yield r;
  }

  get size(): number {
    return this.exact.size + this.prefixes.size;
  }
}
