// Request bodies of /v1/acl/*: Consul's ACLToken, ACLPolicy and ACLRole as the api package sends them, field
// names matched as Go's encoding/json matches them (any case). Wrong types are a DecodeError (400).
import { AclRulesError, parseRules } from '@conclave/acl';
import type { AclNodeIdentity, AclServiceIdentity } from '@conclave/state';
import { DecodeError, expectBool, expectString, expectStringArray, getField, isPlainObject, parseGoDuration, typeName } from '@conclave/toolkit';
import { ApiError } from './api-error.js';
import { decodeTemplatedPolicies } from './acl-auth-body.js';
import type { TemplatedPolicyLink } from '@conclave/acl';

export interface TokenBody {
  AccessorID?: string;
  SecretID?: string;
  Description?: string;
  /** Links as written: by ID or by Name. */
  Policies?: Array<{ ID?: string; Name?: string }>;
  Roles?: Array<{ ID?: string; Name?: string }>;
  ServiceIdentities?: AclServiceIdentity[];
  NodeIdentities?: AclNodeIdentity[];
  Local?: boolean;
  TemplatedPolicies?: TemplatedPolicyLink[];
  ExpirationTime?: string;
  /** ns */
  ExpirationTTL?: number;
}

export interface PolicyBody {
  ID?: string;
  Name?: string;
  Description?: string;
  Rules?: string;
  Datacenters?: string[];
}

export interface RoleBody {
  ID?: string;
  Name?: string;
  Description?: string;
  Policies?: Array<{ ID?: string; Name?: string }>;
  ServiceIdentities?: AclServiceIdentity[];
  NodeIdentities?: AclNodeIdentity[];
  TemplatedPolicies?: TemplatedPolicyLink[];
}

function object(body: unknown, what: string): Record<string, unknown> {
  if (body === undefined) return {};
  if (!isPlainObject(body)) throw new DecodeError(`Request decode failed: ${what}: expected an object, got ${typeName(body)}`);
  return body;
}

function links(v: unknown, field: string): Array<{ ID?: string; Name?: string }> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new DecodeError(`Request decode failed: ${field}: expected an array, got ${typeName(v)}`);
  return v.map((l, i) => {
    const o = object(l, `${field}[${i}]`);
    return { ID: expectString(getField(o, 'ID'), `${field}[${i}].ID`) || undefined, Name: expectString(getField(o, 'Name'), `${field}[${i}].Name`) || undefined };
  });
}

function serviceIdentities(v: unknown): AclServiceIdentity[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new DecodeError(`Request decode failed: ServiceIdentities: expected an array, got ${typeName(v)}`);
  return v.map((x, i) => {
    const o = object(x, `ServiceIdentities[${i}]`);
    const name = expectString(getField(o, 'ServiceName'), `ServiceIdentities[${i}].ServiceName`) ?? '';
    if (!/^[a-z0-9]([a-z0-9-_]*[a-z0-9])?$/.test(name)) throw new ApiError(400, `Invalid ServiceIdentity: invalid ServiceName ${JSON.stringify(name)}`);
    const dcs = expectStringArray(getField(o, 'Datacenters'), `ServiceIdentities[${i}].Datacenters`);
    return dcs?.length ? { ServiceName: name, Datacenters: dcs } : { ServiceName: name };
  });
}

function nodeIdentities(v: unknown): AclNodeIdentity[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new DecodeError(`Request decode failed: NodeIdentities: expected an array, got ${typeName(v)}`);
  return v.map((x, i) => {
    const o = object(x, `NodeIdentities[${i}]`);
    const name = expectString(getField(o, 'NodeName'), `NodeIdentities[${i}].NodeName`) ?? '';
    const dc = expectString(getField(o, 'Datacenter'), `NodeIdentities[${i}].Datacenter`) ?? '';
    if (!name) throw new ApiError(400, 'Invalid NodeIdentity: NodeName is required');
    if (!dc) throw new ApiError(400, `Node identity is missing the datacenter field on this token: ${name}`);
    return { NodeName: name, Datacenter: dc };
  });
}

export function decodeTokenBody(body: unknown): TokenBody {
  const o = object(body, 'token');
  const ttl = getField(o, 'ExpirationTTL');
  let ttlNs: number | undefined;
  if (ttl !== undefined && ttl !== null && ttl !== '' && ttl !== 0) {
    try {
      ttlNs = typeof ttl === 'number' ? ttl : parseGoDuration(String(ttl));
    } catch {
      throw new DecodeError(`Request decode failed: ExpirationTTL: invalid duration ${JSON.stringify(ttl)}`);
    }
  }
  return {
    AccessorID: expectString(getField(o, 'AccessorID'), 'AccessorID') || undefined,
    SecretID: expectString(getField(o, 'SecretID'), 'SecretID') || undefined,
    Description: expectString(getField(o, 'Description'), 'Description'),
    Policies: links(getField(o, 'Policies'), 'Policies'),
    Roles: links(getField(o, 'Roles'), 'Roles'),
    ServiceIdentities: serviceIdentities(getField(o, 'ServiceIdentities')),
    NodeIdentities: nodeIdentities(getField(o, 'NodeIdentities')),
    Local: expectBool(getField(o, 'Local'), 'Local'),
    TemplatedPolicies: decodeTemplatedPolicies(getField(o, 'TemplatedPolicies')),
    ExpirationTime: expectString(getField(o, 'ExpirationTime'), 'ExpirationTime') || undefined,
    ExpirationTTL: ttlNs,
  };
}

/** A policy body, its Name and Rules validated as Consul validates them (rules errors name line and column). */
export function decodePolicyBody(body: unknown): PolicyBody {
  const o = object(body, 'policy');
  const p: PolicyBody = {
    ID: expectString(getField(o, 'ID'), 'ID') || undefined,
    Name: expectString(getField(o, 'Name'), 'Name'),
    Description: expectString(getField(o, 'Description'), 'Description'),
    Rules: expectString(getField(o, 'Rules'), 'Rules'),
    Datacenters: expectStringArray(getField(o, 'Datacenters'), 'Datacenters'),
  };
  if (p.Name !== undefined && !VALID_NAME.test(p.Name)) throw new ApiError(400, "Invalid Policy: invalid Name. Only alphanumeric characters, '-' and '_' are allowed");
  if (p.Rules !== undefined) {
    try {
      parseRules(p.Rules);
    } catch (err) {
      if (err instanceof AclRulesError) throw new ApiError(400, `Invalid Policy: ${err.message}`);
      throw err;
    }
  }
  return p;
}

export function decodeRoleBody(body: unknown): RoleBody {
  const o = object(body, 'role');
  const r: RoleBody = {
    ID: expectString(getField(o, 'ID'), 'ID') || undefined,
    Name: expectString(getField(o, 'Name'), 'Name'),
    Description: expectString(getField(o, 'Description'), 'Description'),
    Policies: links(getField(o, 'Policies'), 'Policies'),
    ServiceIdentities: serviceIdentities(getField(o, 'ServiceIdentities')),
    NodeIdentities: nodeIdentities(getField(o, 'NodeIdentities')),
    TemplatedPolicies: decodeTemplatedPolicies(getField(o, 'TemplatedPolicies')),
  };
  if (r.Name !== undefined && !VALID_NAME.test(r.Name)) throw new ApiError(400, "Invalid Role: invalid Name. Only alphanumeric characters, '-' and '_' are allowed");
  return r;
}

/** Consul's validPolicyName / validRoleName. */
const VALID_NAME = /^[A-Za-z0-9\-_]{1,256}$/;

