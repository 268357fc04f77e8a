// How `conclave acl ...` prints tokens, policies and roles: Consul's pretty formatter (command/acl/*/formatter.go)
// or, with -format=json, the JSON the API answered, indented as Consul's CLI indents it.

interface Link {
  ID: string;
  Name?: string;
}

export interface TokenJson {
  AccessorID: string;
  SecretID: string;
  Description: string;
  Policies?: Link[];
  Roles?: Link[];
  ServiceIdentities?: Array<{ ServiceName: string; Datacenters?: string[] }>;
  NodeIdentities?: Array<{ NodeName: string; Datacenter: string }>;
  Local: boolean;
  AuthMethod?: string;
  ExpirationTime?: string;
  CreateTime: string;
  TemplatedPolicies?: TemplatedPolicyLink[];
}

interface TemplatedPolicyLink {
  TemplateName: string;
  TemplateVariables?: { Name?: string };
  Datacenters?: string[];
}

export interface PolicyJson {
  ID: string;
  Name: string;
  Description: string;
  Rules?: string;
  Datacenters?: string[];
}

export interface RoleJson {
  ID: string;
  Name: string;
  Description: string;
  Policies?: Link[];
  ServiceIdentities?: TokenJson['ServiceIdentities'];
  NodeIdentities?: TokenJson['NodeIdentities'];
  TemplatedPolicies?: TemplatedPolicyLink[];
}

export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 4);
}

export function formatToken(t: TokenJson): string {
  const lines = [
    `AccessorID:       ${t.AccessorID}`,
    `SecretID:         ${t.SecretID}`,
    `Description:      ${t.Description}`,
    `Local:            ${t.Local}`,
    `Create Time:      ${t.CreateTime}`,
  ];
  if (t.AuthMethod) lines.push(`Auth Method:      ${t.AuthMethod}`);
  if (t.ExpirationTime) lines.push(`Expiration Time:  ${t.ExpirationTime}`);
  lines.push(...identities(t));
  return lines.join('\n');
}

export function formatPolicy(p: PolicyJson): string {
  return [
    `ID:           ${p.ID}`,
    `Name:         ${p.Name}`,
    `Description:  ${p.Description}`,
    `Datacenters:  ${(p.Datacenters ?? []).join(', ')}`,
    'Rules:',
    p.Rules ?? '',
  ].join('\n');
}

export function formatPolicyListEntry(p: PolicyJson): string {
  return [`${p.Name}:`, `   ID:           ${p.ID}`, `   Description:  ${p.Description}`, `   Datacenters:  ${(p.Datacenters ?? []).join(', ')}`].join('\n');
}

export function formatRole(r: RoleJson): string {
  return [`ID:           ${r.ID}`, `Name:         ${r.Name}`, `Description:  ${r.Description}`, ...identities(r)].join('\n');
}

function identities(x: {
  Policies?: Link[];
  Roles?: Link[];
  ServiceIdentities?: TokenJson['ServiceIdentities'];
  NodeIdentities?: TokenJson['NodeIdentities'];
  TemplatedPolicies?: TemplatedPolicyLink[];
}): string[] {
  const out: string[] = [];
  if (x.Policies?.length) out.push('Policies:', ...x.Policies.map((p) => `   ${p.ID} - ${p.Name ?? ''}`));
  if (x.Roles?.length) out.push('Roles:', ...x.Roles.map((r) => `   ${r.ID} - ${r.Name ?? ''}`));
  if (x.ServiceIdentities?.length)
    out.push('Service Identities:', ...x.ServiceIdentities.map((s) => `   ${s.ServiceName} (Datacenters: ${s.Datacenters?.length ? s.Datacenters.join(', ') : 'all'})`));
  if (x.NodeIdentities?.length) out.push('Node Identities:', ...x.NodeIdentities.map((n) => `   ${n.NodeName} (Datacenter: ${n.Datacenter})`));
  if (x.TemplatedPolicies?.length)
    out.push(
      'Templated Policies:',
      ...x.TemplatedPolicies.flatMap((t) => [
        `   ${t.TemplateName}`,
        ...(t.TemplateVariables?.Name ? [`      Name: ${t.TemplateVariables.Name}`] : []),
        `      Datacenters: ${t.Datacenters?.length ? t.Datacenters.join(', ') : 'all'}`,
      ]),
    );
  return out;
}
