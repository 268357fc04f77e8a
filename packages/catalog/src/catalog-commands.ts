// Catalog FSM commands: plain, msgpack-serialisable objects in Consul's field names. The HTTP layer and the
// agent build them (decodeRegisterRequest / decodeDeregisterRequest turn Consul JSON bodies into them).

import {
  DecodeError,
  decodeDuration,
  expectBool,
  expectNumber,
  expectString,
  expectStringArray,
  expectStringMap,
  formatGoDuration,
  getField,
  isPlainObject,
  typeName,
} from '@conclave/toolkit';

export type HealthStatus = 'passing' | 'warning' | 'critical' | 'maintenance';

export interface ServiceWeights {
  Passing: number;
  Warning: number;
}

export interface ServiceAddress {
  Address: string;
  Port: number;
}

/** A service instance as registered (Consul's NodeService). */
export interface ServiceInput {
  ID: string;
  Service: string;
  Tags?: string[];
  Address?: string;
  TaggedAddresses?: Record<string, ServiceAddress> | null;
  Meta?: Record<string, string> | null;
  Port?: number;
  Weights?: ServiceWeights | null;
  EnableTagOverride?: boolean;
  Kind?: string;
  Proxy?: Record<string, unknown> | null;
  Connect?: Record<string, unknown> | null;
}

/** A health check as registered (Consul's HealthCheck). */
export interface CheckInput {
  Node?: string;
  CheckID: string;
  Name: string;
  Status?: string;
  Notes?: string;
  Output?: string;
  ServiceID?: string;
  Type?: string;
  /** Go duration strings, as Consul prints them ("10s"). */
  Interval?: string;
  Timeout?: string;
  ExposedPort?: number;
  Definition?: Record<string, unknown> | null;
}

/** Consul's RegisterRequest. */
export interface CatalogRegisterCommand {
  type: 'catalog.register';
  Node: string;
  ID?: string;
  Address: string;
  Datacenter?: string;
  TaggedAddresses?: Record<string, string> | null;
  NodeMeta?: Record<string, string> | null;
  Service?: ServiceInput | null;
  Check?: CheckInput | null;
  Checks?: CheckInput[] | null;
  SkipNodeUpdate?: boolean;
}

/** Consul's DeregisterRequest: Node alone removes the node with everything on it. */
export interface CatalogDeregisterCommand {
  type: 'catalog.deregister';
  Node: string;
  ServiceID?: string;
  CheckID?: string;
}

/** A check's status and output changed (TTL update, check runner result). No-op when nothing differs. */
export interface CatalogCheckStatusCommand {
  type: 'catalog.check-status';
  Node: string;
  CheckID: string;
  Status: string;
  Output: string;
}

export type CatalogCommand = CatalogRegisterCommand | CatalogDeregisterCommand | CatalogCheckStatusCommand;

/** A command the state machine refused; apply returns it (it does not throw) so every replica agrees. */
export interface CommandFailure {
  error: string;
}

export function isCommandFailure(value: unknown): value is CommandFailure {
  return isPlainObject(value) && typeof value.error === 'string';
}

export const VALID_STATUSES: readonly string[] = ['passing', 'warning', 'critical'];

/** Decodes a PUT /v1/catalog/register body (keys case-insensitive, as Go's encoding/json). */
export function decodeRegisterRequest(body: unknown, defaultDatacenter: string): CatalogRegisterCommand {
  const o = expectObject(body, 'body');
  const cmd: CatalogRegisterCommand = {
    type: 'catalog.register',
    Node: expectString(getField(o, 'Node'), 'Node') ?? '',
    Address: expectString(getField(o, 'Address'), 'Address') ?? '',
    Datacenter: expectString(getField(o, 'Datacenter'), 'Datacenter') || defaultDatacenter,
  };
  const id = expectString(getField(o, 'ID'), 'ID');
  if (id) cmd.ID = id;
  const tagged = expectStringMap(getField(o, 'TaggedAddresses', 'tagged_addresses'), 'TaggedAddresses');
  if (tagged) cmd.TaggedAddresses = tagged;
  const meta = expectStringMap(getField(o, 'NodeMeta', 'node_meta'), 'NodeMeta');
  if (meta) cmd.NodeMeta = meta;
  const svc = getField(o, 'Service');
  if (svc !== undefined && svc !== null) cmd.Service = decodeServiceInput(svc, 'Service');
  const check = getField(o, 'Check');
  if (check !== undefined && check !== null) cmd.Check = decodeCheckInput(check, 'Check');
  const checks = getField(o, 'Checks');
  if (checks !== undefined && checks !== null) {
    if (!Array.isArray(checks)) throw new DecodeError(`Checks: expected an array, got ${typeName(checks)}`);
    cmd.Checks = checks.map((c, i) => decodeCheckInput(c, `Checks[${i}]`));
  }
  if (expectBool(getField(o, 'SkipNodeUpdate', 'skip_node_update'), 'SkipNodeUpdate')) cmd.SkipNodeUpdate = true;
  return cmd;
}

/** Decodes a PUT /v1/catalog/deregister body. */
export function decodeDeregisterRequest(body: unknown): CatalogDeregisterCommand {
  const o = expectObject(body, 'body');
  const cmd: CatalogDeregisterCommand = { type: 'catalog.deregister', Node: expectString(getField(o, 'Node'), 'Node') ?? '' };
  const sid = expectString(getField(o, 'ServiceID', 'service_id'), 'ServiceID');
  if (sid) cmd.ServiceID = sid;
  const cid = expectString(getField(o, 'CheckID', 'check_id'), 'CheckID');
  if (cid) cmd.CheckID = cid;
  return cmd;
}

export function decodeServiceInput(value: unknown, field: string): ServiceInput {
  const o = expectObject(value, field);
  const out: ServiceInput = {
    ID: expectString(getField(o, 'ID'), `${field}.ID`) ?? '',
    Service: expectString(getField(o, 'Service', 'Name'), `${field}.Service`) ?? '',
  };
  const tags = expectStringArray(getField(o, 'Tags'), `${field}.Tags`);
  if (tags) out.Tags = tags;
  const addr = expectString(getField(o, 'Address'), `${field}.Address`);
  if (addr) out.Address = addr;
  const tagged = getField(o, 'TaggedAddresses', 'tagged_addresses');
  if (tagged !== undefined && tagged !== null) {
    const t = expectObject(tagged, `${field}.TaggedAddresses`);
    const m: Record<string, ServiceAddress> = {};
    for (const [k, v] of Object.entries(t)) {
      const a = expectObject(v, `${field}.TaggedAddresses.${k}`);
      m[k] = {
        Address: expectString(getField(a, 'Address'), `${field}.TaggedAddresses.${k}.Address`) ?? '',
        Port: expectNumber(getField(a, 'Port'), `${field}.TaggedAddresses.${k}.Port`) ?? 0,
      };
    }
    out.TaggedAddresses = m;
  }
  const meta = expectStringMap(getField(o, 'Meta'), `${field}.Meta`);
  if (meta) out.Meta = meta;
  const port = expectNumber(getField(o, 'Port'), `${field}.Port`);
  if (port !== undefined) out.Port = port;
  const weights = getField(o, 'Weights');
  if (weights !== undefined && weights !== null) {
    const w = expectObject(weights, `${field}.Weights`);
    out.Weights = {
      Passing: expectNumber(getField(w, 'Passing'), `${field}.Weights.Passing`) ?? 1,
      Warning: expectNumber(getField(w, 'Warning'), `${field}.Weights.Warning`) ?? 1,
    };
  }
  const eto = expectBool(getField(o, 'EnableTagOverride', 'enable_tag_override'), `${field}.EnableTagOverride`);
  if (eto) out.EnableTagOverride = true;
  const kind = expectString(getField(o, 'Kind'), `${field}.Kind`);
  if (kind) out.Kind = kind;
  const proxy = getField(o, 'Proxy');
  if (proxy !== undefined && proxy !== null) out.Proxy = expectObject(proxy, `${field}.Proxy`);
  const connect = getField(o, 'Connect');
  if (connect !== undefined && connect !== null) out.Connect = expectObject(connect, `${field}.Connect`);
  return out;
}

export function decodeCheckInput(value: unknown, field: string): CheckInput {
  const o = expectObject(value, field);
  const name = expectString(getField(o, 'Name'), `${field}.Name`) ?? '';
  const out: CheckInput = {
    CheckID: expectString(getField(o, 'CheckID', 'check_id', 'ID'), `${field}.CheckID`) || name,
    Name: name,
  };
  const node = expectString(getField(o, 'Node'), `${field}.Node`);
  if (node) out.Node = node;
  for (const key of ['Status', 'Notes', 'Output', 'ServiceID', 'Type'] as const) {
    const v = expectString(getField(o, key, key === 'ServiceID' ? 'service_id' : key), `${field}.${key}`);
    if (v) out[key] = v;
  }
  for (const key of ['Interval', 'Timeout'] as const) {
    const v = getField(o, key);
    if (v !== undefined && v !== null && v !== '') out[key] = formatGoDuration(decodeDuration(v, `${field}.${key}`));
  }
  const exposed = expectNumber(getField(o, 'ExposedPort', 'exposed_port'), `${field}.ExposedPort`);
  if (exposed) out.ExposedPort = exposed;
  const def = getField(o, 'Definition');
  if (def !== undefined && def !== null) out.Definition = expectObject(def, `${field}.Definition`);
  return out;
}

function expectObject(value: unknown, field: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new DecodeError(`${field}: expected an object, got ${typeName(value)}`);
  return value;
}
