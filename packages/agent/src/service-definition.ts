// Decodes a Consul service definition (config file `service`/`services`, `conclave services register`, and
// PUT /v1/agent/service/register) into the catalog's ServiceInput plus its validated checks.
import {
  DecodeError,
  expectBool,
  expectNumber,
  expectString,
  expectStringArray,
  expectStringMap,
  getField,
  isPlainObject,
  typeName,
} from '@conclave/toolkit';
import { type ServiceAddress, type ServiceInput } from '@conclave/catalog';
import { decodeCheckDefinition, type CheckDefinition } from '@conclave/health';

export interface DecodedService {
  service: ServiceInput;
  checks: CheckDefinition[];
  warnings: string[];
}

export interface DecodeServiceOptions {
  source: 'config' | 'api';
  /** Prefix for messages, e.g. `config file db.json: service`. Empty for the HTTP API (Consul's bare texts). */
  path?: string;
}

export function decodeServiceDefinition(raw: unknown, opts: DecodeServiceOptions): DecodedService {
  const at = (field: string) => (opts.path ? `${opts.path}.${field}` : field);
  if (!isPlainObject(raw)) throw new DecodeError(`${opts.path || 'Request decode failed'}: expected an object, got ${typeName(raw)}`);
  const name = expectString(getField(raw, 'Name', 'Service'), at('name')) ?? '';
  if (name === '') throw new DecodeError(opts.path ? `${at('name')}: missing service name` : 'Missing service name');
  const id = expectString(getField(raw, 'ID'), at('id')) || name;
  const port = expectNumber(getField(raw, 'Port'), at('port')) ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new DecodeError(`${at('port')}: invalid port ${port}`);
  const service: ServiceInput = {
    ID: id,
    Service: name,
    Tags: expectStringArray(getField(raw, 'Tags'), at('tags')) ?? [],
    Address: expectString(getField(raw, 'Address'), at('address')) ?? '',
    Meta: expectStringMap(getField(raw, 'Meta'), at('meta')) ?? {},
    Port: port,
    EnableTagOverride: expectBool(getField(raw, 'EnableTagOverride'), at('enable_tag_override')) ?? false,
    Weights: decodeWeights(getField(raw, 'Weights'), at('weights')),
    TaggedAddresses: decodeTaggedAddresses(getField(raw, 'TaggedAddresses'), at('tagged_addresses')),
  };
  const kind = expectString(getField(raw, 'Kind'), at('kind'));
  if (kind) service.Kind = kind;

  const warnings: string[] = [];
  const rawChecks: unknown[] = [];
  const one = getField(raw, 'Check');
  if (one !== undefined && one !== null) rawChecks.push(one);
  const many = getField(raw, 'Checks');
  if (many !== undefined && many !== null) {
    if (!Array.isArray(many)) throw new DecodeError(`${at('checks')}: expected an array, got ${typeName(many)}`);
    rawChecks.push(...many);
  }
  const checks = rawChecks.map((c, i) => {
    const decoded = decodeCheckDefinition(c, {
      source: opts.source,
      serviceId: id,
      serviceName: name,
      checkIndex: i,
      checkCount: rawChecks.length,
      path: opts.path ? at(rawChecks.length > 1 ? `checks[${i}]` : 'check') : undefined,
    });
    warnings.push(...decoded.warnings);
    return decoded.definition;
  });
  return { service, checks, warnings };
}

function decodeWeights(value: unknown, field: string): { Passing: number; Warning: number } {
  if (value === undefined || value === null) return { Passing: 1, Warning: 1 };
  if (!isPlainObject(value)) throw new DecodeError(`${field}: expected an object, got ${typeName(value)}`);
  const passing = expectNumber(getField(value, 'Passing'), `${field}.passing`) ?? 1;
  const warning = expectNumber(getField(value, 'Warning'), `${field}.warning`) ?? 1;
  if (passing < 1) throw new DecodeError(`${field}.passing: Passing must be greater than 0`);
  return { Passing: passing, Warning: warning };
}

function decodeTaggedAddresses(value: unknown, field: string): Record<string, ServiceAddress> | null {
  if (value === undefined || value === null) return null;
  if (!isPlainObject(value)) throw new DecodeError(`${field}: expected an object, got ${typeName(value)}`);
  const out: Record<string, ServiceAddress> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!isPlainObject(v)) throw new DecodeError(`${field}.${k}: expected {"address", "port"}, got ${typeName(v)}`);
    out[k] = {
      Address: expectString(getField(v, 'Address'), `${field}.${k}.address`) ?? '',
      Port: expectNumber(getField(v, 'Port'), `${field}.${k}.port`) ?? 0,
    };
  }
  return out;
}
