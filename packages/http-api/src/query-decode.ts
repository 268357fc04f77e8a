// A prepared query definition from a request body (Consul's structs.PreparedQuery, keys matched
// case-insensitively as Go's JSON decoder does), with Consul's defaults, then Consul's parseQuery checks.
import { DecodeError, DurationError, isPlainObject, parseGoDuration } from '@conclave/toolkit';
import type { PreparedQuery } from '@conclave/state';
import { ApiError } from './api-error.js';
import { CompiledTemplate, TemplateError } from './prepared-query-template.js';

export type QueryDefinition = Omit<PreparedQuery, 'CreateIndex' | 'ModifyIndex'>;

/** Go's JSON decoding into a struct: exact key first, then a case-insensitive match. */
function field(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

function str(o: Record<string, unknown>, name: string, path: string): string {
  const v = field(o, name);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new DecodeError(`json: cannot unmarshal ${goType(v)} into Go struct field ${path} of type string`);
  return v;
}

function bool(o: Record<string, unknown>, name: string, path: string): boolean {
  const v = field(o, name);
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new DecodeError(`json: cannot unmarshal ${goType(v)} into Go struct field ${path} of type bool`);
  return v;
}

function int(o: Record<string, unknown>, name: string, path: string): number {
  const v = field(o, name);
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new DecodeError(`json: cannot unmarshal ${goType(v)} into Go struct field ${path} of type int`);
  return v;
}

function strings(o: Record<string, unknown>, name: string, path: string): string[] {
  const v = field(o, name);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new DecodeError(`json: cannot unmarshal ${goType(v)} into Go struct field ${path} of type []string`);
  return v as string[];
}

function stringMap(o: Record<string, unknown>, name: string, path: string): Record<string, string> {
  const v = field(o, name);
  if (v === undefined || v === null) return {};
  if (!isPlainObject(v) || Object.values(v).some((x) => typeof x !== 'string'))
    throw new DecodeError(`json: cannot unmarshal ${goType(v)} into Go struct field ${path} of type map[string]string`);
  return { ...(v as Record<string, string>) };
}

function obj(o: Record<string, unknown>, name: string, path: string): Record<string, unknown> {
  const v = field(o, name);
  if (v === undefined || v === null) return {};
  if (!isPlainObject(v)) throw new DecodeError(`json: cannot unmarshal ${goType(v)} into Go struct field ${path} of type ${name}`);
  return v;
}

function goType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/** Decodes the body (400 `Request decode failed: ...` on a wrong type) and checks it as Consul's parseQuery. */
export function decodeQuery(body: unknown, id: string): QueryDefinition {
  let q: QueryDefinition;
  try {
    if (body !== undefined && !isPlainObject(body)) throw new DecodeError(`json: cannot unmarshal ${goType(body)} into Go value of type structs.PreparedQuery`);
    const b = (body ?? {}) as Record<string, unknown>;
    const t = obj(b, 'Template', 'PreparedQuery.Template');
    const s = obj(b, 'Service', 'PreparedQuery.Service');
    const f = obj(s, 'Failover', 'ServiceQuery.Service.Failover');
    const c = obj(s, 'Connect', 'ServiceQuery.Service.Connect');
    const d = obj(b, 'DNS', 'PreparedQuery.DNS');
    q = {
      ID: id,
      Name: str(b, 'Name', 'PreparedQuery.Name'),
      Session: str(b, 'Session', 'PreparedQuery.Session'),
      Token: str(b, 'Token', 'PreparedQuery.Token'),
      Template: {
        Type: str(t, 'Type', 'PreparedQuery.Template.Type'),
        Regexp: str(t, 'Regexp', 'PreparedQuery.Template.Regexp'),
        RemoveEmptyTags: bool(t, 'RemoveEmptyTags', 'PreparedQuery.Template.RemoveEmptyTags'),
      },
      Service: {
        Service: str(s, 'Service', 'PreparedQuery.Service.Service'),
        Failover: {
          NearestN: int(f, 'NearestN', 'PreparedQuery.Service.Failover.NearestN'),
          Datacenters: strings(f, 'Datacenters', 'PreparedQuery.Service.Failover.Datacenters'),
        },
        OnlyPassing: bool(s, 'OnlyPassing', 'PreparedQuery.Service.OnlyPassing'),
        IgnoreCheckIDs: strings(s, 'IgnoreCheckIDs', 'PreparedQuery.Service.IgnoreCheckIDs'),
        Near: str(s, 'Near', 'PreparedQuery.Service.Near'),
        Tags: strings(s, 'Tags', 'PreparedQuery.Service.Tags'),
        NodeMeta: stringMap(s, 'NodeMeta', 'PreparedQuery.Service.NodeMeta'),
        ServiceMeta: stringMap(s, 'ServiceMeta', 'PreparedQuery.Service.ServiceMeta'),
        Connect: { Enabled: bool(c, 'Enabled', 'PreparedQuery.Service.Connect.Enabled') },
      },
      DNS: { TTL: str(d, 'TTL', 'PreparedQuery.DNS.TTL') },
    };
  } catch (err) {
    if (err instanceof DecodeError) throw new ApiError(400, `Request decode failed: ${err.message}`);
    throw err;
  }
  checkQuery(q);
  return q;
}

/** Consul's parseQuery (agent/consul/prepared_query_endpoint.go), its texts; answered 400. */
function checkQuery(q: QueryDefinition): void {
  if (q.Template.Type !== '') {
    try {
      CompiledTemplate.compile({ ...q, CreateIndex: 0, ModifyIndex: 0 });
    } catch (err) {
      if (err instanceof TemplateError) throw new ApiError(400, err.message);
      throw err;
    }
  }
  if (q.Token === '<hidden>') throw new ApiError(400, `Bad Token '${q.Token}', it looks like a query definition with a redacted token was submitted`);
  if (q.Service.Service === '') throw new ApiError(400, 'Must provide a Service name to query');
  if (q.Service.Failover.NearestN < 0) throw new ApiError(400, `Bad NearestN '${q.Service.Failover.NearestN}', must be >= 0`);
  if (q.DNS.TTL !== '') {
    let ns: number;
    try {
      ns = parseGoDuration(q.DNS.TTL);
    } catch (err) {
      if (err instanceof DurationError) throw new ApiError(400, `Bad DNS TTL '${q.DNS.TTL}': ${err.message}`);
      throw err;
    }
    if (ns < 0) throw new ApiError(400, `DNS TTL '${ns}', must be >=0`);
  }
}
