// Request bodies of the auth method, binding rule, login and templated policy endpoints: Consul's api structs
// as the Go client sends them, field names matched as encoding/json matches them. Wrong types are a 400 with the
// prefix Consul's handler puts on its decode errors.
import type { TemplatedPolicyLink } from '@conclave/acl';
import { DecodeError, expectString, expectStringArray, expectStringMap, getField, isPlainObject, parseGoDuration, typeName } from '@conclave/toolkit';
import { ApiError } from './api-error.js';

export interface AuthMethodBody {
  Name?: string;
  Type?: string;
  DisplayName?: string;
  Description?: string;
  /** ns */
  MaxTokenTTL?: number;
  TokenLocality?: string;
  Config?: Record<string, unknown>;
}

export interface BindingRuleBody {
  ID?: string;
  Description?: string;
  AuthMethod?: string;
  Selector?: string;
  BindType?: string;
  BindName?: string;
  BindVars?: { Name?: string };
}

export interface LoginBody {
  AuthMethod: string;
  BearerToken: string;
  Meta: Record<string, string>;
}

/** Runs a decoder, turning its DecodeError into Consul's 400 with `prefix` (`AuthMethod decoding failed: …`). */
function decoding<T>(prefix: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof DecodeError) throw new ApiError(400, `${prefix}: ${err.message}`);
    throw err;
  }
}

function object(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (!isPlainObject(body)) throw new DecodeError(`expected an object, got ${typeName(body)}`);
  return body;
}

export function decodeAuthMethodBody(body: unknown): AuthMethodBody {
  return decoding('AuthMethod decoding failed', () => {
    const o = object(body);
    const ttl = getField(o, 'MaxTokenTTL');
    let ns: number | undefined;
    if (typeof ttl === 'number' && Number.isFinite(ttl)) ns = Math.trunc(ttl);
    else if (typeof ttl === 'string' && ttl !== '') {
      try {
        ns = parseGoDuration(ttl);
      } catch (err) {
        throw new DecodeError(`MaxTokenTTL: ${(err as Error).message}`);
      }
    } else if (ttl !== undefined && ttl !== null && ttl !== '') throw new DecodeError(`MaxTokenTTL: expected a duration, got ${typeName(ttl)}`);
    const config = getField(o, 'Config');
    if (config !== undefined && config !== null && !isPlainObject(config)) throw new DecodeError(`Config: expected an object, got ${typeName(config)}`);
    return {
      Name: expectString(getField(o, 'Name'), 'Name'),
      Type: expectString(getField(o, 'Type'), 'Type'),
      DisplayName: expectString(getField(o, 'DisplayName'), 'DisplayName'),
      Description: expectString(getField(o, 'Description'), 'Description'),
      MaxTokenTTL: ns,
      TokenLocality: expectString(getField(o, 'TokenLocality'), 'TokenLocality'),
      Config: (config ?? undefined) as Record<string, unknown> | undefined,
    };
  });
}

export function decodeBindingRuleBody(body: unknown): BindingRuleBody {
  return decoding('BindingRule decoding failed', () => {
    const o = object(body);
    const vars = getField(o, 'BindVars');
    let bindVars: { Name?: string } | undefined;
    if (vars !== undefined && vars !== null) {
      if (!isPlainObject(vars)) throw new DecodeError(`BindVars: expected an object, got ${typeName(vars)}`);
      bindVars = { Name: expectString(getField(vars, 'Name'), 'BindVars.Name') };
    }
    return {
      ID: expectString(getField(o, 'ID'), 'ID') || undefined,
      Description: expectString(getField(o, 'Description'), 'Description'),
      AuthMethod: expectString(getField(o, 'AuthMethod'), 'AuthMethod'),
      Selector: expectString(getField(o, 'Selector'), 'Selector'),
      BindType: expectString(getField(o, 'BindType'), 'BindType'),
      BindName: expectString(getField(o, 'BindName'), 'BindName'),
      BindVars: bindVars,
    };
  });
}

export function decodeLoginBody(body: unknown): LoginBody {
  return decoding('Failed to decode request body', () => {
    const o = object(body);
    return {
      AuthMethod: expectString(getField(o, 'AuthMethod'), 'AuthMethod') ?? '',
      BearerToken: expectString(getField(o, 'BearerToken'), 'BearerToken') ?? '',
      Meta: expectStringMap(getField(o, 'Meta'), 'Meta') ?? {},
    };
  });
}

export interface OidcAuthUrlBody {
  AuthMethod: string;
  RedirectURI: string;
  ClientNonce: string;
  Meta: Record<string, string>;
}

export interface OidcCallbackBody {
  AuthMethod: string;
  State: string;
  Code: string;
  ClientNonce: string;
}

/** POST /v1/acl/oidc/auth-url (the Go client's ACLOIDCAuthURLParams). */
export function decodeOidcAuthUrlBody(body: unknown): OidcAuthUrlBody {
  return decoding('Failed to decode request body', () => {
    const o = object(body);
    return {
      AuthMethod: expectString(getField(o, 'AuthMethod'), 'AuthMethod') ?? '',
      RedirectURI: expectString(getField(o, 'RedirectURI'), 'RedirectURI') ?? '',
      ClientNonce: expectString(getField(o, 'ClientNonce'), 'ClientNonce') ?? '',
      Meta: expectStringMap(getField(o, 'Meta'), 'Meta') ?? {},
    };
  });
}

/** POST /v1/acl/oidc/callback (ACLOIDCCallbackParams; a Meta here is read and ignored: the token's Meta is the
 * auth URL request's). */
export function decodeOidcCallbackBody(body: unknown): OidcCallbackBody {
  return decoding('Failed to decode request body', () => {
    const o = object(body);
    expectStringMap(getField(o, 'Meta'), 'Meta');
    return {
      AuthMethod: expectString(getField(o, 'AuthMethod'), 'AuthMethod') ?? '',
      State: expectString(getField(o, 'State'), 'State') ?? '',
      Code: expectString(getField(o, 'Code'), 'Code') ?? '',
      ClientNonce: expectString(getField(o, 'ClientNonce'), 'ClientNonce') ?? '',
    };
  });
}

/** `TemplatedPolicies` of a token or role body (validated later against the templates). */
export function decodeTemplatedPolicies(v: unknown): TemplatedPolicyLink[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new DecodeError(`Request decode failed: TemplatedPolicies: expected an array, got ${typeName(v)}`);
  return v.map((x, i) => {
    if (!isPlainObject(x)) throw new DecodeError(`Request decode failed: TemplatedPolicies[${i}]: expected an object, got ${typeName(x)}`);
    const vars = getField(x, 'TemplateVariables');
    if (vars !== undefined && vars !== null && !isPlainObject(vars)) throw new DecodeError(`Request decode failed: TemplatedPolicies[${i}].TemplateVariables: expected an object, got ${typeName(vars)}`);
    const link: TemplatedPolicyLink = { TemplateName: expectString(getField(x, 'TemplateName'), `TemplatedPolicies[${i}].TemplateName`) ?? '' };
    if (isPlainObject(vars)) link.TemplateVariables = { Name: expectString(getField(vars, 'Name'), `TemplatedPolicies[${i}].TemplateVariables.Name`) };
    const dcs = expectStringArray(getField(x, 'Datacenters'), `TemplatedPolicies[${i}].Datacenters`);
    if (dcs?.length) link.Datacenters = dcs;
    return link;
  });
}

/** The preview body: the template's variables (`{"Name": "api"}`). */
export function decodeTemplateVariables(body: unknown): { Name?: string } {
  return decoding('Failed to decode request body', () => {
    const o = object(body);
    return { Name: expectString(getField(o, 'Name'), 'Name') };
  });
}
