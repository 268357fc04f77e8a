// Access levels as Consul's acl package orders and enforces them (acl/policy.go, policy_merger.go,
// policy_authorizer.go `enforce`). Kept in one place because merging and enforcing must agree on the order.

/** A rule's level: what a `policy = "..."` value may say. `list` is only valid for keys. */
export type AccessLevel = 'deny' | 'read' | 'list' | 'write';

/** What a request needs. */
export type Access = 'read' | 'list' | 'write';

/** An authorizer's answer; `default` means "no rule matched, ask the next authorizer in the chain". */
export type Decision = 'allow' | 'deny' | 'default';

/** Consul's takesPrecedenceOver: deny > write > list > read, so that merging policies never widens a deny. */
export function takesPrecedenceOver(a: AccessLevel, b: AccessLevel | undefined): boolean {
  return rank(a) > (b === undefined ? 0 : rank(b));
}

function rank(l: AccessLevel): number {
  switch (l) {
    case 'deny':
      return 4;
    case 'write':
      return 3;
    case 'list':
      return 2;
    case 'read':
      return 1;
  }
}

/** Consul's enforce: write grants everything, list grants list and read, read grants read, deny stops the chain. */
export function enforce(level: AccessLevel | undefined, need: Access): Decision {
  switch (level) {
    case 'write':
      return 'allow';
    case 'list':
      return need === 'write' ? 'deny' : 'allow';
    case 'read':
      return need === 'read' ? 'allow' : 'deny';
    case 'deny':
      return 'deny';
    default:
      return 'default';
  }
}

export function isAccessLevel(s: unknown, allowList: boolean): s is AccessLevel {
  return s === 'deny' || s === 'read' || s === 'write' || (allowList && s === 'list');
}
