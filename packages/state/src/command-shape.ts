// The shape every command must have before the state machine touches it. A command reaches the log from an RPC
// peer as well as from the HTTP layer's checked paths, and every server applies every committed entry: one
// entry with a field of the wrong type must be refused (the same way on every replica), never thrown, or all
// servers would stop at that index. Nested inputs (services, checks, sessions, transaction operations) are
// checked by the tables that read them; what they throw on is refused by StateMachine.apply's guard.

type Kind = 'string' | 'number' | 'bytes' | 'object' | 'array' | 'bool';
/** A field's kinds; `?` after the kind list means optional (absent or null). */
type FieldSpec = [Kind[], boolean?];

const S: FieldSpec = [['string']];
const N: FieldSpec = [['number']];
const OPT_S: FieldSpec = [['string'], true];
const OPT_N: FieldSpec = [['number'], true];
const VALUE: FieldSpec = [['bytes'], true];

const SHAPES: Record<string, Record<string, FieldSpec>> = {
  'kv.set': { Key: S, Value: VALUE, Flags: [['string', 'number'], true] },
  'kv.cas': { Key: S, Value: VALUE, Flags: [['string', 'number'], true], Index: N },
  'kv.delete': { Key: S },
  'kv.delete-tree': { Key: S },
  'kv.delete-cas': { Key: S, Index: N },
  'kv.reap-tombstones': { ReapIndex: N },
  'kv.lock': { Key: S, Value: VALUE, Flags: [['string', 'number'], true], Session: S, Now: OPT_N },
  'kv.unlock': { Key: S, Value: VALUE, Flags: [['string', 'number'], true], Session: S },
  'kv.txn': { Ops: [['array']], Now: OPT_N },
  txn: { Ops: [['array']], Now: OPT_N },
  'session.create': { Session: [['object']], Now: OPT_N },
  'session.destroy': { ID: S, Now: OPT_N },
  'catalog.register': {
    Node: S,
    ID: OPT_S,
    Address: [['string'], true],
    Datacenter: OPT_S,
    TaggedAddresses: [['object'], true],
    NodeMeta: [['object'], true],
    Service: [['object'], true],
    Check: [['object'], true],
    Checks: [['array'], true],
    SkipNodeUpdate: [['bool'], true],
  },
  'catalog.deregister': { Node: S, ServiceID: OPT_S, CheckID: OPT_S },
  'catalog.check-status': { Node: S, CheckID: S, Status: S, Output: OPT_S },
  'snapshot.restore': { State: [['bytes']] },
  'autopilot.set': { Config: [['object']], Cas: OPT_N, InitOnly: [['bool'], true] },
  'acl.bootstrap': { Token: [['object']], InitialManagement: [['bool'], true] },
  'acl.token.set': { Token: [['object']] },
  'acl.token.delete': { AccessorID: S },
  'acl.policy.set': { Policy: [['object']] },
  'acl.policy.delete': { ID: S },
  'acl.role.set': { Role: [['object']] },
  'acl.role.delete': { ID: S },
  'acl.auth-method.set': { Method: [['object']] },
  'acl.auth-method.delete': { Name: S },
  'acl.binding-rule.set': { Rule: [['object']] },
  'acl.binding-rule.delete': { ID: S },
  'query.set': { Query: [['object']] },
  'query.delete': { ID: S },
  'coordinate.batch-update': { Updates: [['array']] },
};

function kindOf(v: unknown): Kind | undefined {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isFinite(v) ? 'number' : undefined;
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object' && v !== null) return 'object';
  return undefined;
}

/** Why the command cannot be applied, or undefined when its fields have the types its type needs. */
export function commandShapeError(type: string, command: Record<string, unknown>): string | undefined {
  const shape = SHAPES[type];
  if (!shape) return undefined;
  for (const [field, [kinds, optional]] of Object.entries(shape)) {
    const v = command[field];
    if (v === undefined || v === null) {
      if (optional) continue;
      return `malformed ${type} command: ${field} is missing`;
    }
    const k = kindOf(v);
    if (!k || !kinds.includes(k)) return `malformed ${type} command: ${field} must be ${kinds.join(' or ')}`;
  }
  return undefined;
}
