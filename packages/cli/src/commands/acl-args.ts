// Flag values shared by the acl sub-commands: links by ID or name, identities, and Consul's `@file` / `-` values.
import { readFileSync } from 'node:fs';

/** Consul's helpers.LoadDataSource: `@path` reads a file, `-` reads stdin, anything else is the value. */
export function loadDataSource(value: string): string {
  if (value === '-') return readFileSync(0, 'utf8');
  if (value.startsWith('@')) return readFileSync(value.slice(1), 'utf8');
  return value;
}

export function links(ids: unknown, names: unknown): Array<{ ID?: string; Name?: string }> {
  return [...list(ids).map((ID) => ({ ID })), ...list(names).map((Name) => ({ Name }))];
}

/** -service-identity NAME[:DC1,DC2] */
export function serviceIdentities(values: unknown): Array<{ ServiceName: string; Datacenters?: string[] }> {
  return list(values).map((v) => {
    const [name, dcs] = v.split(':', 2) as [string, string | undefined];
    return dcs ? { ServiceName: name, Datacenters: dcs.split(',') } : { ServiceName: name };
  });
}

/** -node-identity NODE:DC */
export function nodeIdentities(values: unknown): Array<{ NodeName: string; Datacenter: string }> {
  return list(values).map((v) => {
    const [name, dc] = v.split(':', 2) as [string, string | undefined];
    if (!dc) throw new Error(`Malformed -node-identity argument: ${JSON.stringify(v)}`);
    return { NodeName: name, Datacenter: dc };
  });
}

export function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string' && v) return [v];
  return [];
}

/** -templated-policy NAME with -var name:VALUE (Consul's variables are matched case-insensitively); undefined
 * when no template is given. */
export function templatedPolicies(name: unknown, vars: unknown): Array<{ TemplateName: string; TemplateVariables?: { Name?: string } }> | undefined {
  if (typeof name !== 'string' || !name) return undefined;
  const out: { TemplateName: string; TemplateVariables?: { Name?: string } } = { TemplateName: name };
  for (const v of list(vars)) {
    const colon = v.indexOf(':');
    if (colon < 0) throw new Error(`Malformed -var argument: ${JSON.stringify(v)}, expecting VariableName:Value`);
    if (v.slice(0, colon).toLowerCase() === 'name') out.TemplateVariables = { Name: v.slice(colon + 1) };
  }
  return [out];
}
