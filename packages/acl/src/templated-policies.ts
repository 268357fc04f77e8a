// Consul's built-in templated policies (agent/structs/acl_templated_policy.go, the CE set): a rules template and
// the JSON schema of its variables. A token or role that names one gets the rendered rules as a synthetic
// policy; `/v1/acl/templated-policy/preview/:name` shows that policy.
import { lazyNode } from '@conclave/toolkit';

export interface TemplatedPolicyVariables {
  Name?: string;
}

export interface TemplatedPolicyBase {
  TemplateName: string;
  TemplateID: string;
  /** JSON schema of the variables, as Consul prints it; '' when the template takes none. */
  Schema: string;
  /** The rules, with `{{.Name}}` where the name variable goes. */
  Template: string;
}

/** A token's or role's link to a templated policy (Consul's ACLTemplatedPolicy; TemplateID is never shown). */
export interface TemplatedPolicyLink {
  TemplateName: string;
  TemplateVariables?: TemplatedPolicyVariables;
  Datacenters?: string[];
}

const IDENTITIES_SCHEMA = `{
\t"type": "object",
\t"properties": {
\t\t"name": { "type": "string", "$ref": "#/definitions/min-length-one" }
\t},
\t"required": ["name"],
\t"definitions": {
\t\t"min-length-one": {
\t\t\t\t"type": "string",
\t\t\t\t"minLength": 1
\t\t}
\t}
}`;

const SERVICE_TEMPLATE = `
service "{{.Name}}" {
\tpolicy = "write"
}
service "{{.Name}}-sidecar-proxy" {
\tpolicy = "write"
}
service_prefix "" {
\tpolicy = "read"
}
node_prefix "" {
\tpolicy = "read"
}`;

const NODE_TEMPLATE = `
node "{{.Name}}" {
\tpolicy = "write"
}
service_prefix "" {
\tpolicy = "read"
}`;

const DNS_TEMPLATE = `
node_prefix "" {
\tpolicy = "read"
}
service_prefix "" {
\tpolicy = "read"
}
query_prefix "" {
\tpolicy = "read"
}`;

export const TEMPLATED_POLICIES: readonly TemplatedPolicyBase[] = [
  { TemplateName: 'builtin/dns', TemplateID: '00000000-0000-0000-0000-000000000005', Schema: '', Template: DNS_TEMPLATE },
  { TemplateName: 'builtin/node', TemplateID: '00000000-0000-0000-0000-000000000004', Schema: IDENTITIES_SCHEMA, Template: NODE_TEMPLATE },
  { TemplateName: 'builtin/service', TemplateID: '00000000-0000-0000-0000-000000000003', Schema: IDENTITIES_SCHEMA, Template: SERVICE_TEMPLATE },
];

export function templatedPolicy(name: string): TemplatedPolicyBase | undefined {
  return TEMPLATED_POLICIES.find((t) => t.TemplateName === name);
}

/** Thrown for a link to an unknown template or with variables its schema refuses; the message is for a 400. */
export class TemplatedPolicyError extends Error {
  override name = 'TemplatedPolicyError';
}

/** The names services and nodes may have (Consul's IsValidServiceIdentityName): the name lands inside an HCL
 * string, so it must not carry quotes or template syntax. */
const VALID_NAME = /^[a-z0-9]([a-z0-9\-_]*[a-z0-9])?$/;

/** Checks a link as Consul's schema validation does; answers it normalised (variables only where needed). */
export function validateTemplatedPolicy(link: TemplatedPolicyLink): TemplatedPolicyLink {
  const base = templatedPolicy(link.TemplateName);
  if (!base) throw new TemplatedPolicyError(`templated policy with an invalid templated name: ${link.TemplateName}`);
  const out: TemplatedPolicyLink = { TemplateName: base.TemplateName };
  if (base.Schema) {
    const name = link.TemplateVariables?.Name;
    if (name === undefined) throw new TemplatedPolicyError(`encountered templated policy variables validation error: name is required`);
    if (name === '') throw new TemplatedPolicyError('encountered templated policy variables validation error: name: String length must be greater than or equal to 1');
    if (!VALID_NAME.test(name)) throw new TemplatedPolicyError(`encountered templated policy variables validation error: invalid name ${JSON.stringify(name)}`);
    out.TemplateVariables = { Name: name };
  }
  if (link.Datacenters?.length) out.Datacenters = [...link.Datacenters];
  return out;
}

/** The rules a (validated) link renders to. */
export function renderTemplatedPolicy(link: TemplatedPolicyLink): string {
  const base = templatedPolicy(link.TemplateName);
  if (!base) throw new TemplatedPolicyError(`acl templated policy does not exist: ${link.TemplateName}`);
  return base.Template.replaceAll('{{.Name}}', link.TemplateVariables?.Name ?? '');
}

/** Consul's SyntheticPolicy: the rendered rules as a policy named after a hash of them. */
export function syntheticPolicy(link: TemplatedPolicyLink): { ID: string; Name: string; Description: string; Rules: string; Datacenters?: string[] } {
  const rules = renderTemplatedPolicy(link);
  const id = lazyNode.crypto().createHash('sha256').update(rules).digest('hex').slice(0, 32);
  const out: { ID: string; Name: string; Description: string; Rules: string; Datacenters?: string[] } = {
    ID: id,
    Name: `synthetic-policy-${id}`,
    Description: `synthetic policy generated from templated policy: ${link.TemplateName}`,
    Rules: rules,
  };
  if (link.Datacenters?.length) out.Datacenters = link.Datacenters;
  return out;
}
